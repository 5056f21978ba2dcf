package main

import (
	"os"
	"testing"
)

// TestMain runs the test binary as synod itself when SYNOD_TEST_AS_SYNOD
// is set, so that tests can run the CLI as a process (a shell's completion
// script calls it) without building it.
func TestMain(m *testing.M) {
	if os.Getenv("SYNOD_TEST_AS_SYNOD") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}
