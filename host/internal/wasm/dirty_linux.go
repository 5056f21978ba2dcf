package wasm

import (
	"fmt"
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// dirtyTracker finds the pages of a memory region written since it last
// looked, with the kernel's asynchronous userfaultfd write protection and
// the PAGEMAP_SCAN ioctl of /proc/self/pagemap (Linux 6.7 and later). A
// write to a protected page is resolved by the kernel alone, which only
// marks the page written; clean pages keep their mappings, so a call that
// reads much and writes little costs little to undo.
type dirtyTracker struct {
	uffd   int
	mem    []byte
	start  uintptr
	length uintptr
	ranges []pageRegion
	// hot marks the pages left unprotected because calls write them (see
	// restore); hotList lists them.
	hot     []bool
	hotList []int
	// scans counts the restores that scanned for written pages (see
	// reformEvery).
	scans int
}

// maxHotPages bounds the pages a tracker leaves unprotected, and so what
// every restore copies whether or not the call wrote it: 256 KiB.
const maxHotPages = 64

// reformEvery is how many scans a set of hot pages lasts: then they are
// protected again, and the set forms anew from the pages calls write.
const reformEvery = 64

// The kernel's ABI (include/uapi/linux/userfaultfd.h and fs.h).
const (
	uffdAPI                = 0xAA
	uffdioAPI              = 0xC018AA3F
	uffdioRegister         = 0xC020AA00
	uffdioWriteprotect     = 0xC018AA06
	uffdFeatureWPAsync     = 1 << 15
	uffdRegisterModeWP     = 1 << 1
	uffdWriteprotectModeWP = 1 << 0
	uffdUserModeOnly       = 1
	pagemapScan            = 0xC0606610
	pmScanCheckWPAsync     = 1 << 1
	pageIsWritten          = 1 << 1
)

type uffdioAPIArg struct{ api, features, ioctls uint64 }

type uffdioRegisterArg struct{ start, length, mode, ioctls uint64 }

type uffdioWriteprotectArg struct{ start, length, mode uint64 }

type pageRegion struct{ start, end, categories uint64 }

type pmScanArg struct {
	size, flags, start, end, walkEnd, vec, vecLen, maxPages       uint64
	categoryInverted, categoryMask, categoryAnyofMask, returnMask uint64
}

// pageSize is the size of the pages the tracker works in.
var pageSize = uint64(unix.Getpagesize())

// pagemap is this process's /proc/self/pagemap, opened once and kept
// open for the life of the process.
var pagemap = sync.OnceValues(func() (*os.File, error) {
	return os.Open("/proc/self/pagemap")
})

// newDirtyTracker write-protects b, whose pages must all be present, and
// starts tracking writes to it.
func newDirtyTracker(b []byte) (*dirtyTracker, error) {
	if _, err := pagemap(); err != nil {
		return nil, fmt.Errorf("open pagemap: %w", err)
	}
	fd, _, errno := unix.Syscall(unix.SYS_USERFAULTFD, unix.O_CLOEXEC|unix.O_NONBLOCK|uffdUserModeOnly, 0, 0)
	if errno != 0 {
		return nil, fmt.Errorf("userfaultfd: %w", errno)
	}
	t := &dirtyTracker{
		uffd: int(fd), mem: b, start: uintptr(unsafe.Pointer(&b[0])), length: uintptr(len(b)),
		ranges: make([]pageRegion, 64), hot: make([]bool, uint64(len(b))/pageSize),
	}
	api := uffdioAPIArg{api: uffdAPI, features: uffdFeatureWPAsync}
	reg := uffdioRegisterArg{start: uint64(t.start), length: uint64(t.length), mode: uffdRegisterModeWP}
	for _, step := range []struct {
		name string
		req  uintptr
		arg  unsafe.Pointer
	}{
		{"UFFDIO_API", uffdioAPI, unsafe.Pointer(&api)},
		{"UFFDIO_REGISTER", uffdioRegister, unsafe.Pointer(&reg)},
	} {
		if err := ioctl(t.uffd, step.req, step.arg); err != nil {
			t.close()
			return nil, fmt.Errorf("%s: %w", step.name, err)
		}
	}
	if err := t.protect(uint64(t.start), uint64(t.start+t.length)); err != nil {
		t.close()
		return nil, err
	}
	return t, nil
}

func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

// protect write-protects [start, end) again.
func (t *dirtyTracker) protect(start, end uint64) error {
	wp := uffdioWriteprotectArg{start: start, length: end - start, mode: uffdWriteprotectModeWP}
	if err := ioctl(t.uffd, uffdioWriteprotect, unsafe.Pointer(&wp)); err != nil {
		return fmt.Errorf("UFFDIO_WRITEPROTECT: %w", err)
	}
	return nil
}

// restore copies image over every page written since the last restore (or
// since tracking started), and write-protects those pages again. image
// must be as long as the tracked region.
//
// Most calls write the same few pages (a Go guest's stack, its allocator's
// state), and a write to a protected page costs a fault. So a written page
// is left unprotected, up to maxHotPages of them: the scan lists it as
// written every time, and every restore copies it back, which costs less
// than the fault and the protection.
//
// With noFaults, the caller vouches that nothing wrote to a protected
// page since the last restore (no write faulted: see faultWatch), and
// restore copies back the hot pages only. The scan is a system call that
// walks the region's page table: under load, on a kv put, two thirds of
// the reset.
//
// The first calls to write more than maxHotPages pages choose the hot
// pages. So that a few unusual calls (one early update that wrote much)
// do not leave the usual calls' pages protected for good, with a fault
// and a scan every time, every reformEvery scans the hot pages are
// protected again, and the next calls choose anew.
func (t *dirtyTracker) restore(image []byte, noFaults bool) error {
	if noFaults {
		for _, p := range t.hotList {
			lo, hi := uint64(p)*pageSize, uint64(p+1)*pageSize
			copy(t.mem[lo:hi], image[lo:hi])
		}
		return nil
	}
	t.scans++
	for from := uint64(t.start); from < uint64(t.start+t.length); {
		n, walkEnd, err := t.scan(from, uint64(t.start+t.length))
		if err != nil {
			return err
		}
		for _, r := range t.ranges[:n] {
			lo, hi := r.start-uint64(t.start), r.end-uint64(t.start)
			copy(t.mem[lo:hi], image[lo:hi])
			if err := t.keepOrProtect(lo, hi); err != nil {
				return err
			}
		}
		from = walkEnd
	}
	if t.scans%reformEvery == 0 {
		return t.coolDown()
	}
	return nil
}

// coolDown write-protects the hot pages, just restored, and forgets them.
func (t *dirtyTracker) coolDown() error {
	for _, p := range t.hotList {
		t.hot[p] = false
		if err := t.protect(uint64(t.start)+uint64(p)*pageSize, uint64(t.start)+uint64(p+1)*pageSize); err != nil {
			return err
		}
	}
	t.hotList = t.hotList[:0]
	return nil
}

// keepOrProtect leaves the written pages of [lo, hi) (offsets into the
// region) unprotected while there is room among the hot pages, and
// write-protects the rest.
func (t *dirtyTracker) keepOrProtect(lo, hi uint64) error {
	protectFrom := -1
	for p := int(lo / pageSize); p <= int(hi/pageSize); p++ {
		if p < int(hi/pageSize) && !t.hot[p] && len(t.hotList) < maxHotPages {
			t.hot[p] = true
			t.hotList = append(t.hotList, p)
		}
		switch {
		case p < int(hi/pageSize) && !t.hot[p]:
			if protectFrom < 0 {
				protectFrom = p
			}
		case protectFrom >= 0:
			if err := t.protect(uint64(t.start)+uint64(protectFrom)*pageSize, uint64(t.start)+uint64(p)*pageSize); err != nil {
				return err
			}
			protectFrom = -1
		}
	}
	return nil
}

// scan lists into t.ranges the written (or unprotected) pages of
// [start, end). It returns how many ranges it listed and where it stopped.
func (t *dirtyTracker) scan(start, end uint64) (n int, walkEnd uint64, err error) {
	f, _ := pagemap()
	arg := pmScanArg{
		size: uint64(unsafe.Sizeof(pmScanArg{})), flags: pmScanCheckWPAsync,
		start: start, end: end,
		vec: uint64(uintptr(unsafe.Pointer(&t.ranges[0]))), vecLen: uint64(len(t.ranges)),
		categoryMask: pageIsWritten, returnMask: pageIsWritten,
	}
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, f.Fd(), pagemapScan, uintptr(unsafe.Pointer(&arg)))
	if errno != 0 {
		return 0, 0, fmt.Errorf("PAGEMAP_SCAN: %w", errno)
	}
	return int(r), arg.walkEnd, nil
}

func (t *dirtyTracker) close() { _ = unix.Close(t.uffd) }
