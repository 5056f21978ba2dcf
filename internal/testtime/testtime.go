// Package testtime scales tests' deadlines to the machine they run on.
// A deadline in a test bounds how long a condition may take to come true,
// not how fast the code must be: it fails only a test that would never
// have passed. The race detector makes code 2 to 20 times slower, and a
// shared CI machine can be loaded several times over, so every deadline a
// test waits on goes through [Scaled].
package testtime

import (
	"os"
	"strconv"
	"time"
)

// Scaled returns d scaled for the race detector (5 times, when it is on)
// and by SYNOD_TEST_TIME_SCALE, a whole number, if set, for machines slower
// still.
func Scaled(d time.Duration) time.Duration {
	return d * time.Duration(raceFactor*envFactor())
}

// envFactor returns SYNOD_TEST_TIME_SCALE, or 1 if it is not a positive
// whole number.
func envFactor() int {
	n, err := strconv.Atoi(os.Getenv("SYNOD_TEST_TIME_SCALE"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}
