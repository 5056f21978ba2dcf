package gateway

// StatusWait exports statusWait to the tests of package gateway_test.
const StatusWait = statusWait
