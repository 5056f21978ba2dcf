package testtime

import (
	"testing"
	"time"
)

func TestScaled(t *testing.T) {
	tests := []struct {
		name  string
		env   string
		scale int
	}{
		{name: "unset", env: "", scale: 1},
		{name: "three", env: "3", scale: 3},
		{name: "not a number", env: "x", scale: 1},
		{name: "zero", env: "0", scale: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SYNOD_TEST_TIME_SCALE", tt.env)
			want := time.Second * time.Duration(raceFactor*tt.scale)
			if got := Scaled(time.Second); got != want {
				t.Errorf("Scaled(1s) = %v, want %v", got, want)
			}
		})
	}
}
