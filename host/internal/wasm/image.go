package wasm

import (
	"fmt"

	"github.com/tetratelabs/wazero/api"

	"github.com/synodhq/synod/host/internal/wasm/meter"
)

// image is the state every call of a module starts from: its memory and
// mutable globals right after it started (its start function and
// _initialize ran). Resetting an instance to it after each call makes a
// call's execution, and so its fuel, depend on nothing but the call: not
// on which instance ran it, nor on what that instance ran before, which
// differ between replicas. A guest's heap allocator, for one, does more
// work on a fresh heap than on a warm one.
//
// Tables and segments are not reset: the meter refuses the instructions
// that change them.
type image struct {
	memory  *memoryImage
	size    uint64 // the memory's size, in bytes
	globals []uint64
}

// capture takes the image of a started instance, and applies it to the
// instance. trackWrites chooses how resets find what a call wrote, where
// the platform offers a choice (see memoryImage).
func capture(inst *instance, trackWrites bool) (*image, error) {
	mem := inst.mod.Memory()
	mi, err := newMemoryImage(mem, trackWrites)
	if err != nil {
		return nil, err
	}
	img := &image{memory: mi, size: uint64(mem.Size())}
	for _, g := range inst.globals {
		img.globals = append(img.globals, g.Get())
	}
	if err := img.memory.apply(mem, inst.lm); err != nil {
		return nil, err
	}
	inst.restored = true
	return img, nil
}

// apply gives a new instance the image's state.
func (img *image) apply(inst *instance) error {
	mem := inst.mod.Memory()
	if grow := (img.size - uint64(mem.Size())) / pageBytes; grow > 0 {
		if _, ok := mem.Grow(uint32(grow)); !ok {
			return fmt.Errorf("grow memory to the image's %d bytes", img.size)
		}
	}
	if uint64(mem.Size()) != img.size {
		return fmt.Errorf("memory of %d bytes for an image of %d", mem.Size(), img.size)
	}
	if err := img.memory.apply(mem, inst.lm); err != nil {
		return err
	}
	img.setGlobals(inst)
	inst.restored = true
	return nil
}

// free releases the image's memory. No instance may be given or reset to
// it any more.
func (img *image) free() { img.memory.free() }

// StartupMemoryLimit is the most linear memory a module may have once
// started (its start function and _initialize ran): a module over it is
// refused at upload. Start-up depends on nothing but the module's bytes,
// so the check is deterministic. It bounds what a module costs a host
// before any call: its image, and the memory of each instance. The
// standard Go toolchain's reactors start with about 3 MiB (see
// docs/abi.md).
const StartupMemoryLimit = 64 << 20

// checkStartupMemory refuses a module whose memory after start-up is over
// [StartupMemoryLimit].
func (m *Module) checkStartupMemory() error {
	if m.image.size > StartupMemoryLimit {
		return fmt.Errorf("%w: its memory after start-up (start function and _initialize) is %d bytes, over the limit of %d bytes (%d MiB); see docs/abi.md",
			ErrInvalidModule, m.image.size, StartupMemoryLimit, StartupMemoryLimit>>20)
	}
	return nil
}

// reset gives an instance that ran a call the image's state again. It
// fails for an instance whose memory grew, which must be discarded:
// memory cannot shrink. noFaults says that nothing wrote to the
// instance's protected pages since its last reset (see
// dirtyTracker.restore).
func (img *image) reset(inst *instance, noFaults bool) error {
	mem := inst.mod.Memory()
	if uint64(mem.Size()) != img.size {
		return fmt.Errorf("memory grew from %d to %d bytes", img.size, mem.Size())
	}
	if err := img.memory.reset(mem, inst.lm, noFaults); err != nil {
		return err
	}
	img.setGlobals(inst)
	inst.restored = true
	return nil
}

func (img *image) setGlobals(inst *instance) {
	for i, g := range inst.globals {
		g.Set(img.globals[i])
	}
}

const pageBytes = 64 << 10

// mutableGlobals returns the mutable globals an instrumented module
// exports for resetting (see meter.GlobalExport).
func mutableGlobals(mod api.Module) []api.MutableGlobal {
	var out []api.MutableGlobal
	for i := 0; ; i++ {
		g, ok := mod.ExportedGlobal(meter.GlobalExport(i)).(api.MutableGlobal)
		if !ok {
			return out
		}
		out = append(out, g)
	}
}
