//go:build race

package testtime

// raceFactor is how much longer a test may wait under the race detector,
// which makes code 2 to 20 times slower.
const raceFactor = 5
