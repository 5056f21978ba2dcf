//go:build !linux

package wasm

import (
	"errors"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// linearMemory is wazero's own memory on this platform: nothing to keep.
type linearMemory struct{}

// newLinearMemory reserves nothing: wazero's own memory is used.
func newLinearMemory(uint64) (*linearMemory, error) { return nil, nil }

// allocator returns no allocator: wazero's own is used.
func allocator(*linearMemory) experimental.MemoryAllocator { return nil }

// Free releases nothing.
func (*linearMemory) Free() {}

// memoryImage holds memory contents, copied in whole to apply and reset
// them: correct, and slower than the copy-on-write image of Linux.
type memoryImage struct {
	b []byte
}

func newMemoryImage(mem api.Memory, _ bool) (*memoryImage, error) {
	b, _ := mem.Read(0, mem.Size())
	return &memoryImage{b: append([]byte(nil), b...)}, nil
}

func (im *memoryImage) apply(mem api.Memory, _ *linearMemory) error {
	if !mem.Write(0, im.b) {
		return errors.New("memory smaller than its image")
	}
	return nil
}

// tracksWrites reports false: resets here copy the whole image back.
func (*memoryImage) tracksWrites() bool { return false }

// free drops the contents, to Go's collector.
func (im *memoryImage) free() { im.b = nil }

func (im *memoryImage) reset(mem api.Memory, lm *linearMemory, _ bool) error {
	return im.apply(mem, lm)
}
