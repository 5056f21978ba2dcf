package meter

import (
	"errors"
	"fmt"
)

// instrumentCode rewrites every function body of a code section.
func (m *module) instrumentCode(content []byte) ([]byte, error) {
	r := &reader{buf: content}
	n := r.count(2)
	if r.err == nil && n != len(m.funcTypes) {
		return nil, fmt.Errorf("code section: %d bodies for %d functions", n, len(m.funcTypes))
	}
	out := appendU32(nil, uint32(n))
	// The sums of the squares of the functions' blocks, and of the
	// products of their locals and blocks.
	var squared, localBlocks int64
	largest, largestIndex := 0, 0
	for i := 0; i < n && r.err == nil; i++ {
		body := r.name()
		if r.err != nil {
			break
		}
		index := m.importedFuncs + i
		typ := m.funcTypes[i]
		if int(typ) >= len(m.params) {
			return nil, fmt.Errorf("function %d: type %d does not exist", index, typ)
		}
		rewritten, cost, err := m.instrumentBody(body, m.params[typ])
		if err != nil {
			return nil, fmt.Errorf("function %d: %w", index, err)
		}
		squared += int64(cost.blocks) * int64(cost.blocks)
		localBlocks += cost.localBlocks
		if cost.blocks > largest {
			largest, largestIndex = cost.blocks, index
		}
		out = appendU32(out, uint32(len(rewritten)))
		out = append(out, rewritten...)
	}
	if r.err != nil {
		return nil, fmt.Errorf("code section: %w", r.err)
	}
	if limit := m.limits.BlocksSquared.of(len(content)); over(squared, limit) {
		return nil, fmt.Errorf("the sum of the squares of its functions' blocks is %s, over the limit of %s for %s bytes of code (%s; function %d has the most blocks, %s)",
			Grouped(squared), Grouped(limit), Grouped(len(content)), m.limits.BlocksSquared, largestIndex, Grouped(largest))
	}
	if limit := m.limits.LocalBlocksSum.of(len(content)); over(localBlocks, limit) {
		return nil, fmt.Errorf("the sum over its functions of locals times blocks is %s, over the limit of %s for %s bytes of code (%s)",
			Grouped(localBlocks), Grouped(limit), Grouped(len(content)), m.limits.LocalBlocksSum)
	}
	return out, nil
}

// bodyCost is what a function body asks of the compiler (see [Limits]).
type bodyCost struct {
	blocks      int
	localBlocks int64 // locals times blocks
}

// instrumentBody rewrites one function body, of a function with the
// given number of parameters, and returns it with its cost. The body gets
// one or two more locals, declared last so that no existing local changes
// index: an i64 that holds the fuel left while the function runs, and an
// i32 scratch if a bulk instruction needs one.
func (m *module) instrumentBody(body []byte, params int) ([]byte, bodyCost, error) {
	r := &reader{buf: body}
	groups := r.count(2)
	declStart := r.pos
	locals := uint64(params)
	for range groups {
		locals += uint64(r.u32())
		if err := checkValType(r.byte()); err != nil && r.err == nil {
			return nil, bodyCost{}, fmt.Errorf("local declarations: %w", err)
		}
	}
	if r.err != nil {
		return nil, bodyCost{}, fmt.Errorf("local declarations: %w", r.err)
	}
	if locals >= 1<<32-2 {
		return nil, bodyCost{}, fmt.Errorf("local declarations: %d locals", locals)
	}
	w := &rewriter{
		r: reader{buf: body, pos: r.pos}, fuel: m.globals, imports: uint32(m.importedFuncs), callee: -1, local: uint32(locals), scratch: uint32(locals) + 1,
		limits: m.limits, typeParams: m.params, blocks: 1,
	}
	w.load()
	if err := w.run(); err != nil {
		return nil, bodyCost{}, err
	}
	cost := bodyCost{blocks: w.blocks, localBlocks: int64(locals) * int64(w.blocks)}
	if over(w.blocks, m.limits.Blocks) {
		return nil, bodyCost{}, fmt.Errorf("it has %s blocks, over the limit of %s", Grouped(w.blocks), Grouped(m.limits.Blocks))
	}
	if over(cost.localBlocks, m.limits.LocalBlocks) {
		return nil, bodyCost{}, fmt.Errorf("it has %s locals and %s blocks, %s in their product, over the limit of %s",
			Grouped(locals), Grouped(w.blocks), Grouped(cost.localBlocks), Grouped(m.limits.LocalBlocks))
	}
	decls := body[declStart:r.pos]
	added := []byte{1, valI64}
	if w.usedScratch {
		added = append(added, 1, valI32)
	}
	out := appendU32(nil, uint32(groups+len(added)/2))
	out = append(append(out, decls...), added...)
	return append(out, w.out...), cost, nil
}

// Value types.
const (
	valI32       = 0x7f
	valI64       = 0x7e
	valF32       = 0x7d
	valF64       = 0x7c
	valV128      = 0x7b
	valFuncref   = 0x70
	valExternref = 0x6f
)

func checkValType(t byte) error {
	switch t {
	case valI32, valI64, valF32, valF64, valFuncref, valExternref:
		return nil
	case valV128:
		return errSIMD
	}
	return fmt.Errorf("value type %#x is not supported", t)
}

var errSIMD = errors.New("it uses SIMD (v128), which Synod does not run: its floating-point results may differ between machines")

// class says how an instruction is metered.
type class int

const (
	// plain instructions are charged with the run they belong to.
	plain class = iota
	// forward instructions (if, else, a branch out of blocks, a loop's
	// start) end a run: the run is charged before them. Control cannot
	// return to the run without passing a check, so the charge need not
	// check.
	forward
	// backward instructions (a branch that may go back to a loop's start)
	// end a run: the run is charged and checked before them.
	backward
	// exits (return, the function's end, a branch to the function's
	// label) end a run and leave the function: the run is charged and the
	// fuel left stored.
	exit
	// backwardExits are branch tables that may do both.
	backwardExit
	// calls end a run: the run is charged and the fuel left stored
	// before them, for the callee to check, and loaded after.
	call
	// Bulk instructions cost their weight plus an amount that depends on
	// the count on top of the stack, charged and checked before them.
	bulkBytes // 1 per 2^BulkByteShift bytes
	growPages // PageFuel per page
)

// rewriter copies a function's instructions, inserting fuel charges.
//
// Fuel is kept in a local while the function runs, and in the global
// across calls. Only charges that can repeat without passing another check
// test for exhaustion: those before a backward branch and a bulk
// instruction, and the one at function entry, which also catches what
// callers spent. Between two checks a function runs at most its own length
// in instructions, so it can overdraw its fuel only by that much; the host
// counts a call that ends with the global negative as out of fuel, trap or
// not.
type rewriter struct {
	r       reader
	out     []byte
	fuel    uint32 // the fuel global
	imports uint32 // the number of imported functions: the yield function's index
	// callee is the function the instruction being read names (a call
	// or ref.func), or -1.
	callee      int64
	local       uint32 // the local that holds the fuel left
	scratch     uint32 // the scratch local, if used
	usedScratch bool
	// pending is the cost of the instructions since the last charge.
	pending int64
	// weight is the cost of the instruction being read (see weight).
	weight int64
	// labels holds, for each open block, loop and if, whether it is a
	// loop, whose label branches go back to.
	labels []bool
	limits Limits
	// typeParams is the parameter count of each of the module's types.
	typeParams []int
	// blocks counts the blocks the function makes (see [Limits]).
	blocks int
}

func (w *rewriter) run() error {
	w.enter()
	for {
		start := w.r.pos
		op := w.r.byte()
		w.weight = weight(op)
		c, err := w.decode(op)
		if w.r.err != nil {
			return fmt.Errorf("instruction at offset %d: %w", start, w.r.err)
		}
		if err != nil {
			return fmt.Errorf("instruction %#x at offset %d: %w", op, start, err)
		}
		w.pending += w.weight
		switch c {
		case forward:
			w.charge(false)
		case backward:
			w.pending += BranchFuel
			w.charge(true)
		case exit:
			w.charge(false)
			w.store()
		case backwardExit:
			w.pending += BranchFuel
			w.charge(true)
			w.store()
		case call:
			w.charge(false)
			w.store()
		case bulkBytes:
			w.chargeDynamic(0x88, BulkByteShift) // i64.shr_u
		case growPages:
			w.chargeDynamic(0x86, pageShift) // i64.shl
		}
		if w.callee >= 0 {
			// A call or ref.func: opcode and function index.
			w.out = appendU32(append(w.out, op), renumbered(uint32(w.callee), w.imports))
			w.callee = -1
		} else {
			w.out = append(w.out, w.r.buf[start:w.r.pos]...)
		}
		if c == call {
			w.load()
		}
		switch op {
		case opBlock, opIf, opLoop:
			if over(len(w.labels)+1, w.limits.Nesting) {
				return fmt.Errorf("instruction %#x at offset %d: blocks, loops and ifs nest %s deep, over the limit of %s",
					op, start, Grouped(len(w.labels)+1), Grouped(w.limits.Nesting))
			}
			w.blocks += blocksOf[op]
			w.labels = append(w.labels, op == opLoop)
		case opBrIf:
			w.blocks++
		case opEnd:
			if len(w.labels) == 0 {
				if !w.r.done() {
					return fmt.Errorf("%d bytes follow the function's end", len(w.r.buf)-w.r.pos)
				}
				return nil
			}
			w.labels = w.labels[:len(w.labels)-1]
		}
	}
}

// branch returns the class of a branch to the label depth labels out: the
// function's own label (a return) is an exit.
func (w *rewriter) branch(depth uint32) class {
	switch {
	case int(depth) >= len(w.labels):
		return exit
	case w.labels[len(w.labels)-1-int(depth)]:
		return backward
	}
	return forward
}

// branchTable returns the class of a branch table, given whether any of
// its targets go back to a loop and whether any leave the function.
func branchTable(back, out bool) class {
	switch {
	case back && out:
		return backwardExit
	case out:
		return exit
	case back:
		return backward
	}
	return forward
}

// blocksOf is the number of blocks wazero's compiler makes for each
// instruction that opens a block, loop or if.
var blocksOf = map[byte]int{opBlock: 1, opLoop: 2, opIf: 3}

// Opcodes the rewriter emits or needs to recognise.
const (
	opBlock     = 0x02
	opLoop      = 0x03
	opIf        = 0x04
	opEnd       = 0x0b
	opBrIf      = 0x0d
	opLocalGet  = 0x20
	opLocalSet  = 0x21
	opLocalTee  = 0x22
	opGlobalGet = 0x23
	opGlobalSet = 0x24
	opI64Const  = 0x42
	opI64LtS    = 0x53
	opI64Sub    = 0x7d
	opI64Extend = 0xad // i64.extend_i32_u
	opCall      = 0x10
	opRefFunc   = 0xd2
	blockEmpty  = 0x40
)

// enter loads the fuel global into the function's fuel local and checks
// it: a caller may have overdrawn it.
func (w *rewriter) enter() {
	w.out = appendU32(append(w.out, opGlobalGet), w.fuel)
	w.out = appendU32(append(w.out, opLocalTee), w.local)
	w.check()
}

// load copies the fuel global into the function's fuel local.
func (w *rewriter) load() {
	w.out = appendU32(append(w.out, opGlobalGet), w.fuel)
	w.out = appendU32(append(w.out, opLocalSet), w.local)
}

// store copies the function's fuel local into the fuel global.
func (w *rewriter) store() {
	w.out = appendU32(append(w.out, opLocalGet), w.local)
	w.out = appendU32(append(w.out, opGlobalSet), w.fuel)
}

// charge subtracts the pending cost from the fuel local and, if check is
// set, traps if that leaves it negative.
func (w *rewriter) charge(check bool) {
	w.out = appendU32(append(w.out, opLocalGet), w.local)
	w.out = appendS64(append(w.out, opI64Const), w.pending)
	w.out = append(w.out, opI64Sub)
	w.pending = 0
	if !check {
		w.out = appendU32(append(w.out, opLocalSet), w.local)
		return
	}
	w.out = appendU32(append(w.out, opLocalTee), w.local)
	w.check()
}

// chargeDynamic charges and checks the pending cost and the count on top
// of the stack (an i32, left in place) shifted by shift with the i64 shift
// instruction shiftOp.
func (w *rewriter) chargeDynamic(shiftOp byte, shift int64) {
	w.usedScratch = true
	w.out = appendU32(append(w.out, opLocalTee), w.scratch)
	w.out = appendU32(append(w.out, opLocalGet), w.local)
	w.out = appendS64(append(w.out, opI64Const), w.pending)
	w.out = append(w.out, opI64Sub)
	w.out = appendU32(append(w.out, opLocalGet), w.scratch)
	w.out = append(w.out, opI64Extend)
	w.out = appendS64(append(w.out, opI64Const), shift)
	w.out = append(w.out, shiftOp, opI64Sub)
	w.out = appendU32(append(w.out, opLocalTee), w.local)
	w.pending = 0
	w.check()
}

// check consumes the fuel left, on top of the stack, and if it is below
// the yield-at global (the one after the fuel global) stores it in the
// fuel global and calls the yield function, which traps if the fuel is
// negative (see [YieldAtExport]).
func (w *rewriter) check() {
	w.blocks += blocksOf[opIf]
	w.out = appendU32(append(w.out, opGlobalGet), w.fuel+1)
	w.out = append(w.out, opI64LtS, opIf, blockEmpty)
	w.store()
	w.out = appendU32(append(w.out, opCall), w.imports)
	w.out = append(w.out, opEnd)
}
