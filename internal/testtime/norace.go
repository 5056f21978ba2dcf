//go:build !race

package testtime

// raceFactor is 1 without the race detector (race.go has it with).
const raceFactor = 1
