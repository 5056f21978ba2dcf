package meter

import (
	"errors"
	"fmt"
)

// decode reads the immediates of the instruction op, whose opcode byte was
// just read, and returns how it is metered. It accepts exactly the
// instructions of WebAssembly 2.0 without SIMD, reading every immediate as
// wazero does, so that the rewriter and the compiler agree on where each
// instruction ends. An instruction it does not accept is an error: an
// instruction misread would let the rewriter put a charge inside another
// instruction.
func (w *rewriter) decode(op byte) (class, error) {
	r := &w.r
	switch {
	case op == 0x00 || op == 0x01: // unreachable, nop
	case op == opBlock:
		return plain, w.blockType()
	case op == opLoop || op == opIf:
		return forward, w.blockType()
	case op == 0x05: // else
		return forward, nil
	case op == 0x0f: // return
		return exit, nil
	case op == opEnd:
		// A block's end is where branches land, not where they leave: it
		// needs no charge.
		if len(w.labels) == 0 {
			return exit, nil
		}
	case op == 0x0c || op == 0x0d: // br, br_if
		return w.branch(r.u32()), nil
	case op == 0x0e: // br_table: labels, then the default
		n := r.count(1) + 1
		if over(n, w.limits.BranchTargets) && r.err == nil {
			return plain, fmt.Errorf("br_table has %s targets, over the limit of %s", Grouped(n), Grouped(w.limits.BranchTargets))
		}
		w.blocks += n
		var back, out bool
		for ; n > 0 && r.err == nil; n-- {
			c := w.branch(r.u32())
			back = back || c == backward
			out = out || c == exit
		}
		return branchTable(back, out), nil
	case op == opCall:
		f := r.u32()
		if f < w.imports {
			w.weight = 1 + HostCallFuel
		}
		w.callee = int64(f)
		return call, nil
	case op == 0x11: // call_indirect: type, table
		r.u32()
		r.u32()
		return call, nil
	case op == 0x1a || op == 0x1b: // drop, select
	case op == 0x1c: // select with types
		for n := r.count(1); n > 0 && r.err == nil; n-- {
			if err := checkValType(r.byte()); err != nil {
				return plain, err
			}
		}
	case 0x20 <= op && op <= 0x22: // local.get, local.set, local.tee
		r.u32()
	case op == opGlobalGet || op == opGlobalSet:
		if g := r.u32(); g >= w.fuel && r.err == nil {
			return plain, fmt.Errorf("global %d does not exist", g)
		}
	case op == 0x25: // table.get
		r.u32()
	case op == 0x26: // table.set
		return plain, errInstanceState
	case 0x28 <= op && op <= 0x3e: // loads and stores: align, offset
		r.u32()
		r.u32()
	case op == 0x3f: // memory.size
		r.u32()
	case op == 0x40: // memory.grow
		r.u32()
		w.weight += BulkFuel
		return growPages, nil
	case op == 0x41: // i32.const
		r.sleb(5)
	case op == opI64Const:
		r.sleb(10)
	case op == 0x43: // f32.const
		r.bytes(4)
	case op == 0x44: // f64.const
		r.bytes(8)
	case 0x45 <= op && op <= 0xc4: // numeric, including sign extension
	case op == 0xd0: // ref.null
		if t := r.byte(); t != valFuncref && t != valExternref && r.err == nil {
			return plain, fmt.Errorf("ref.null of type %#x is not supported", t)
		}
	case op == 0xd1: // ref.is_null
	case op == opRefFunc:
		w.callee = int64(r.u32())
	case op == 0xfc:
		return w.decodeMisc()
	case op == 0xfd:
		return plain, errSIMD
	case op == 0xfe:
		return plain, errors.New("it uses threads (atomic instructions), which Synod does not run")
	case op == 0x12 || op == 0x13:
		return plain, errors.New("it uses tail calls, which Synod does not support")
	default:
		return plain, errors.New("unknown or unsupported instruction")
	}
	return plain, nil
}

// decodeMisc reads an instruction with the 0xfc prefix.
func (w *rewriter) decodeMisc() (class, error) {
	r := &w.r
	switch sub := r.u32(); sub {
	case 0, 1, 2, 3, 4, 5, 6, 7: // saturating truncation
	case 8: // memory.init: data, memory
		r.u32()
		r.u32()
		w.weight += BulkFuel
		return bulkBytes, nil
	case 10: // memory.copy: two memories
		r.u32()
		r.u32()
		w.weight += BulkFuel
		return bulkBytes, nil
	case 11: // memory.fill, for which wazero compiles a loop of three blocks
		r.u32()
		w.blocks += 3
		w.weight += BulkFuel
		return bulkBytes, nil
	case 16: // table.size
		r.u32()
	case 9, 12, 13, 14, 15, 17:
		if r.err == nil {
			return plain, errInstanceState
		}
	default:
		if r.err == nil {
			return plain, fmt.Errorf("unknown instruction 0xfc %d", sub)
		}
	}
	return plain, nil
}

// weight returns the static cost of an instruction: 0 for those that
// compile to no code of their own (the branches out of them are charged),
// CallFuel more for a call, DivFuel more for a division, a remainder or a
// square root, and 1 for the rest. decode changes the weight of a call to
// an imported function (HostCallFuel more instead of CallFuel) and adds to
// that of the bulk instructions.
func weight(op byte) int64 {
	switch {
	case op == opBlock || op == opLoop || op == opEnd || op == 0x01: // nop
		return 0
	case op == 0x10: // call
		return 1 + CallFuel
	case op == 0x11: // call_indirect
		return 1 + CallIndirectFuel
	case 0x6d <= op && op <= 0x70, 0x7f <= op && op <= 0x82: // i32 and i64 div_s, div_u, rem_s, rem_u
		return 1 + DivFuel
	case op == 0x91 || op == 0x95 || op == 0x9f || op == 0xa3: // f32.sqrt, f32.div, f64.sqrt, f64.div
		return 1 + DivFuel
	}
	return 1
}

// errInstanceState refuses the instructions that change an instance's
// tables or segments: the host resets memory and globals before each call
// (so that every call starts from the same state on every replica), and
// nothing else.
var errInstanceState = errors.New("it changes a table or drops a segment (table.set, table.grow, table.fill, table.copy, table.init, elem.drop or data.drop), which Synod does not allow: each call must start from the same instance state, and only memory and globals are reset")

// blockType reads a block type: empty, a value type, or a type index (a
// signed 33-bit LEB128, as wazero reads it).
func (w *rewriter) blockType() error {
	r := &w.r
	at := r.pos
	v := r.sleb(5)
	if r.err != nil {
		return nil
	}
	if v >= 0 {
		if v < int64(len(w.typeParams)) && over(w.typeParams[v], w.limits.BlockParams) {
			return fmt.Errorf("its type %d has %s parameters, over the limit of %s for a block", v, Grouped(w.typeParams[v]), Grouped(w.limits.BlockParams))
		}
		return nil
	}
	if r.pos-at == 1 {
		if t := r.buf[at]; t == blockEmpty || checkValType(t) == nil {
			return nil
		} else if t == valV128 {
			return errSIMD
		}
	}
	return fmt.Errorf("block type %d is not supported", v)
}
