package meter

import "fmt"

// Limits bound the counts in a module's code that make wazero's compile
// time grow faster than the code does, so that what passes compiles in
// bounded time. Instrument checks them as it decodes, before anything is
// compiled, and refuses a module over any of them. A zero field sets no
// limit.
//
// Blocks are the basic blocks wazero's compiler builds for a function:
// one at entry, one for each block, br_if and br_table target (the
// default included), two for each loop, three for each if and for each
// memory.fill, and three for each fuel check Instrument adds (at entry,
// before every branch that may go back to a loop, and before every bulk
// memory instruction). Several of wazero's passes walk the dominator
// tree once per block, which takes time in the square of the blocks of
// a function when they follow one another.
type Limits struct {
	// BranchTargets bounds the targets of one br_table, its default
	// included.
	BranchTargets int
	// Nesting bounds how deep blocks, loops and ifs nest in a function.
	Nesting int
	// Blocks bounds the blocks of one function.
	Blocks int
	// BlocksSquared bounds the sum, over the functions of the module, of
	// the square of each one's blocks.
	BlocksSquared Budget
	// LocalBlocks bounds the product of a function's locals (its
	// parameters included) and its blocks, and LocalBlocksSum the sum of
	// that product over the module's functions: wazero's compiler may
	// carry every local through every loop, and then time grows in the
	// cube of the loops.
	LocalBlocks    int64
	LocalBlocksSum Budget
	// BlockParams bounds the parameters of a block, loop or if (its type,
	// when that is a type index): each one moves them all on every entry.
	BlockParams int
}

// Budget is a limit on a sum over a module's functions that grows with
// its code: PerCodeByte for each byte of the code section, but at least
// Min and at most Max. The zero Budget sets no limit.
type Budget struct {
	PerCodeByte, Min, Max int64
}

// of returns the budget of a code section of codeBytes bytes, 0 for none.
func (b Budget) of(codeBytes int) int64 {
	return min(max(b.PerCodeByte*int64(codeBytes), b.Min), b.Max)
}

func (b Budget) String() string {
	return fmt.Sprintf("%s a byte of code, at least %s and at most %s", Grouped(b.PerCodeByte), Grouped(b.Min), Grouped(b.Max))
}

// over reports whether n is over the limit max, where 0 is none.
func over[T int | int64](n, max T) bool { return max > 0 && n > max }

// Grouped formats n with a comma between each group of three digits, as
// the limits' refusals do.
func Grouped[T int | int64 | uint32 | uint64](n T) string {
	s := fmt.Sprint(n)
	start := len(s) % 3
	if start == 0 {
		start = 3
	}
	out := s[:start]
	for i := start; i < len(s); i += 3 {
		out += "," + s[i:i+3]
	}
	return out
}
