package wasm

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"golang.org/x/sys/unix"
)

// linearMemory is an instance's linear memory: an anonymous mapping of
// its maximum size (reserved, not committed), so that it never moves.
type linearMemory struct {
	region []byte
	// tracker finds the pages a call wrote, when dirty tracking works.
	tracker *dirtyTracker
}

func newLinearMemory(max uint64) (*linearMemory, error) {
	region, err := unix.Mmap(-1, 0, int(max), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return nil, fmt.Errorf("reserve %d bytes of linear memory: %w", max, err)
	}
	// Write tracking works page by page: no huge pages.
	_ = unix.Madvise(region, unix.MADV_NOHUGEPAGE)
	return &linearMemory{region: region}, nil
}

// Reallocate implements experimental.LinearMemory: the memory never moves.
func (m *linearMemory) Reallocate(size uint64) []byte {
	if size > uint64(len(m.region)) {
		return nil
	}
	return m.region[:size:size]
}

// Free implements experimental.LinearMemory. It may be called more than
// once: wazero frees the memory of a module it closes, and the caller of a
// failed instantiation frees what wazero did not.
func (m *linearMemory) Free() {
	if m.tracker != nil {
		m.tracker.close()
		m.tracker = nil
	}
	if m.region != nil {
		_ = unix.Munmap(m.region)
		m.region = nil
	}
}

// allocator returns a memory allocator that hands wazero lm, reserved
// beforehand, so that a failure to reserve it is an error of the caller's
// rather than of wazero's allocator, which cannot return one. The
// instrumented module's memory is never larger than lm (see meter), and
// Reallocate refuses to grow past it anyway.
func allocator(lm *linearMemory) experimental.MemoryAllocator {
	return experimental.MemoryAllocatorFunc(func(_, _ uint64) experimental.LinearMemory { return lm })
}

// memoryImage is memory contents that an instance's memory is given and
// reset to. Where the kernel tracks writes (see dirtyTracker), a reset
// copies back only the pages a call wrote. Elsewhere the image is a memory
// file mapped privately over the instance's memory, and a reset discards
// the instance's private pages: every page the next call touches then
// faults again, which costs several times more.
type memoryImage struct {
	// b is the contents, when tracking writes: mapped apart from Go's
	// heap, so that freeing it returns its memory to the system at once.
	b  []byte
	fd int // the memory file, when not
}

// trackingProbe is what a scratch page, tried once, shows of this kernel:
// whether it tracks writes as dirtyTracker needs, and whether it counts a
// write to a protected page among the writing thread's page faults (as
// faultWatch needs).
var trackingProbe = sync.OnceValues(func() (tracks, countsFaults bool) {
	page, err := unix.Mmap(-1, 0, unix.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return false, false
	}
	defer func() { _ = unix.Munmap(page) }()
	page[0] = 1
	t, err := newDirtyTracker(page)
	if err != nil {
		return false, false
	}
	defer t.close()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before, ok := threadFaults()
	page[0] = 2
	after, ok2 := threadFaults()
	image := make([]byte, len(page))
	image[0] = 1
	tracks = t.restore(image, false) == nil && page[0] == 1
	return tracks, tracks && ok && ok2 && after > before
})

// tracking reports whether this kernel tracks writes as dirtyTracker
// needs.
func tracking() bool {
	tracks, _ := trackingProbe()
	return tracks
}

func newMemoryImage(mem api.Memory, trackWrites bool) (*memoryImage, error) {
	b, _ := mem.Read(0, mem.Size())
	if trackWrites && tracking() {
		if len(b) == 0 {
			return &memoryImage{fd: -1}, nil
		}
		c, err := unix.Mmap(-1, 0, len(b), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
		if err != nil {
			return nil, fmt.Errorf("map memory image: %w", err)
		}
		copy(c, b)
		return &memoryImage{b: c, fd: -1}, nil
	}
	fd, err := unix.MemfdCreate("synod-memory-image", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("create memory image: %w", err)
	}
	for written := 0; written < len(b); {
		n, err := unix.Pwrite(fd, b[written:], int64(written))
		if err != nil {
			_ = unix.Close(fd)
			return nil, fmt.Errorf("write memory image: %w", err)
		}
		written += n
	}
	return &memoryImage{fd: fd}, nil
}

// tracksWrites reports whether resets copy back the pages a call wrote
// (see dirtyTracker), rather than map the image again.
func (im *memoryImage) tracksWrites() bool { return im.fd < 0 }

// free unmaps the image's contents or closes its file.
func (im *memoryImage) free() {
	if im.b != nil {
		_ = unix.Munmap(im.b)
		im.b = nil
	}
	if im.fd >= 0 {
		_ = unix.Close(im.fd)
		im.fd = -1
	}
}

// apply gives an instance's memory, already grown to the image's size,
// the image's contents.
func (im *memoryImage) apply(mem api.Memory, lm *linearMemory) error {
	size := int(mem.Size())
	if size == 0 {
		return nil
	}
	if im.fd < 0 {
		copy(lm.region[:size], im.b)
		t, err := newDirtyTracker(lm.region[:size])
		if err != nil {
			return fmt.Errorf("track memory writes: %w", err)
		}
		lm.tracker = t
		return nil
	}
	_, err := unix.MmapPtr(im.fd, 0, unsafe.Pointer(&lm.region[0]), uintptr(size),
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_FIXED)
	if err != nil {
		return fmt.Errorf("map memory image: %w", err)
	}
	return nil
}

// reset undoes what a call wrote to a memory the image was applied to.
// noFaults says that nothing wrote to its protected pages since its last
// reset (see dirtyTracker.restore).
func (im *memoryImage) reset(mem api.Memory, lm *linearMemory, noFaults bool) error {
	size := int(mem.Size())
	if size == 0 {
		return nil
	}
	if im.fd < 0 {
		return lm.tracker.restore(im.b, noFaults)
	}
	if err := unix.Madvise(lm.region[:size], unix.MADV_DONTNEED); err != nil {
		return fmt.Errorf("reset memory: %w", err)
	}
	return nil
}
