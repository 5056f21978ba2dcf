package wasm

import (
	"context"
	"encoding/binary"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// The WASI functions whose work grows with a size the guest chooses are
// the host's own rather than wazero's, so that they charge fuel for that
// work: random_get by the bytes it generates, fd_write and fd_read by the
// vectors they walk and the bytes they copy, poll_oneoff by its
// subscriptions. They behave as wazero's do for an instance with Synod's
// configuration: stdin is empty, stdout discards, stderr goes to the
// call's [stderrTail], and there are no other files. The other WASI
// functions take a fixed time, which the call instruction's
// [meter.HostCallFuel] pays for.

// WASI errno values.
const (
	errnoSuccess = 0
	errnoBadf    = 8
	errnoFault   = 21
	errnoInval   = 28
	errnoNotsup  = 58
)

// Fuel of the work of WASI functions, besides [meter.HostCallFuel].
const (
	// randomByteFuel is the cost of each byte random_get generates.
	randomByteFuel = 2
	// vectorFuel is the cost of each iovec fd_write and fd_read walk.
	vectorFuel = 16
	// subscriptionFuel is the cost of each subscription poll_oneoff
	// reads and answers.
	subscriptionFuel = 32
)

// The standard file descriptors, the only ones an instance has.
const (
	fdStdin  = 0
	fdStdout = 1
	fdStderr = 2
)

// exportMeteredWASI adds the metered WASI functions to a WASI host module
// builder, replacing wazero's.
func exportMeteredWASI(b wazero.HostModuleBuilder) {
	export := func(name string, fn api.GoModuleFunc, params ...api.ValueType) {
		b.NewFunctionBuilder().WithGoModuleFunction(fn, params, []api.ValueType{i32}).Export(name)
	}
	export("random_get", randomGet, i32, i32)
	export("fd_write", fdWrite, i32, i32, i32, i32)
	export("fd_read", fdRead, i32, i32, i32, i32)
	export("poll_oneoff", pollOneoff, i32, i32, i32, i32)
}

// randomGet fills a buffer from the call's random stream.
func randomGet(ctx context.Context, mod api.Module, stack []uint64) {
	st := instanceStateOf(ctx)
	ptr, n := uint32(stack[0]), uint32(stack[1])
	st.fuel.charge(uint64(n) * randomByteFuel)
	buf, ok := mod.Memory().Read(ptr, n)
	if !ok {
		stack[0] = errnoFault
		return
	}
	st.env.read(buf)
	stack[0] = errnoSuccess
}

// fdWrite writes iovecs to stdout (discarded) or stderr (kept for a trap's
// reason). Writing to stdin fails with EBADF once there is a vector to
// write, as wazero's does.
func fdWrite(ctx context.Context, mod api.Module, stack []uint64) {
	st := instanceStateOf(ctx)
	fd := int32(uint32(stack[0]))
	if fd < fdStdin || fd > fdStderr {
		stack[0] = errnoBadf
		return
	}
	var written uint32
	errno := walkVectors(st, mod.Memory(), uint32(stack[1]), uint32(stack[2]), false, func(b []byte) (bool, uint32) {
		switch fd {
		case fdStdin:
			return false, errnoBadf
		case fdStderr:
			st.fuel.charge(copyFuel(min(len(b), stderrTailBytes)))
			_, _ = st.stderr.Write(b)
		}
		written += uint32(len(b))
		return true, errnoSuccess
	})
	stack[0] = finishVectors(mod.Memory(), errno, uint32(stack[3]), written)
}

// fdRead reads into iovecs: stdin is empty, so it reads nothing; stdout
// and stderr cannot be read (EBADF once there is a vector to read into).
func fdRead(ctx context.Context, mod api.Module, stack []uint64) {
	st := instanceStateOf(ctx)
	fd := int32(uint32(stack[0]))
	if fd < fdStdin || fd > fdStderr {
		stack[0] = errnoBadf
		return
	}
	errno := walkVectors(st, mod.Memory(), uint32(stack[1]), uint32(stack[2]), true, func([]byte) (bool, uint32) {
		if fd != fdStdin {
			return false, errnoBadf
		}
		return false, errnoSuccess // end of input
	})
	stack[0] = finishVectors(mod.Memory(), errno, uint32(stack[3]), 0)
}

// walkVectors charges for count iovecs at iovs and calls fn with the
// memory each names until fn says stop (fn charges for what it copies);
// with skipEmpty, empty iovecs are passed over, as wazero's fd_read does.
// It returns an errno.
func walkVectors(st *callState, mem api.Memory, iovs, count uint32, skipEmpty bool, fn func([]byte) (bool, uint32)) uint32 {
	st.fuel.charge(uint64(count) * vectorFuel)
	vecs, ok := mem.Read(iovs, count*8)
	if !ok || uint64(count)*8 > 1<<32 {
		return errnoFault
	}
	for i := uint32(0); i < count; i++ {
		ptr, n := binary.LittleEndian.Uint32(vecs[8*i:]), binary.LittleEndian.Uint32(vecs[8*i+4:])
		if n == 0 && skipEmpty {
			continue
		}
		b, ok := mem.Read(ptr, n)
		if !ok {
			return errnoFault
		}
		if more, errno := fn(b); errno != errnoSuccess || !more {
			return errno
		}
	}
	return errnoSuccess
}

// finishVectors stores the byte count of fd_write or fd_read at result,
// unless the call failed.
func finishVectors(mem api.Memory, errno, result, n uint32) uint64 {
	if errno != errnoSuccess {
		return uint64(errno)
	}
	if !mem.WriteUint32Le(result, n) {
		return errnoFault
	}
	return errnoSuccess
}

// WASI event types.
const (
	eventClock   = 0
	eventFdRead  = 1
	eventFdWrite = 2
)

// pollOneoff answers every subscription at once: clocks have expired (time
// does not pass during a call), stdin is readable (at its end), and no
// file is writable (ENOTSUP, as wazero has it). Events come in the order
// of the subscriptions, except that fd_read events follow the others, as
// wazero orders them.
func pollOneoff(ctx context.Context, mod api.Module, stack []uint64) {
	st := instanceStateOf(ctx)
	in, out, n, result := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), uint32(stack[3])
	if n == 0 {
		stack[0] = errnoInval
		return
	}
	st.fuel.charge(uint64(n) * subscriptionFuel)
	stack[0] = uint64(poll(mod.Memory(), in, out, n, result))
}

func poll(mem api.Memory, in, out, n, result uint32) uint32 {
	if uint64(n)*48 > 1<<32 {
		return errnoFault
	}
	subs, ok := mem.Read(in, n*48)
	if !ok {
		return errnoFault
	}
	events, ok := mem.Read(out, n*32)
	if !ok {
		return errnoFault
	}
	clear(events)
	if !mem.WriteUint32Le(result, n) {
		return errnoFault
	}
	var reads []uint32 // subscriptions to answer last
	var written uint32
	for i := uint32(0); i < n; i++ {
		sub := subs[48*i : 48*i+48]
		var errno uint16
		switch sub[8] {
		case eventClock:
			switch binary.LittleEndian.Uint16(sub[40:]) { // flags
			case 0: // relative: expired at once
			case 1: // absolute
				return errnoNotsup
			default:
				return errnoInval
			}
		case eventFdRead:
			fd := int32(binary.LittleEndian.Uint32(sub[16:]))
			switch {
			case fd < 0:
				return errnoBadf
			case fd > fdStderr:
				errno = errnoBadf
			default:
				reads = append(reads, i)
				continue
			}
		case eventFdWrite:
			fd := int32(binary.LittleEndian.Uint32(sub[16:]))
			switch {
			case fd < 0:
				return errnoBadf
			case fd > fdStderr:
				errno = errnoBadf
			default:
				errno = errnoNotsup
			}
		default:
			return errnoInval
		}
		writeEvent(events[32*written:], sub, errno)
		written++
	}
	for _, i := range reads {
		writeEvent(events[32*written:], subs[48*i:48*i+48], errnoSuccess)
		written++
	}
	return errnoSuccess
}

// writeEvent writes the event that answers a subscription: its user data,
// errno and type.
func writeEvent(event, sub []byte, errno uint16) {
	copy(event, sub[:8])
	binary.LittleEndian.PutUint16(event[8:], errno)
	binary.LittleEndian.PutUint32(event[10:], uint32(sub[8]))
}
