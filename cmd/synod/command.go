package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one command of the CLI, as the command line names it, its
// help describes it and shell completion offers it: a leaf that runs, a
// group of subcommands, or both (synod host runs a host; synod host drain
// is its subcommand). Its flags are defined once, by the function that
// runs it, and help lists them from those definitions.
type command struct {
	name     string   // its word on the command line
	args     []string // names of its positional arguments, in order
	varArgs  bool     // it takes any number of positional arguments
	choices  []string // values its argument may take, for completion
	summary  string   // one line, for its group's list of commands
	doc      string   // what its help says below the usage
	examples []string
	subs     []*command
	hidden   bool // left out of help and completion
	parent   *command

	// A leaf sets one of client and local: each adds the command's flags
	// to a flag set and returns what runs it once they are parsed.
	client func(fs *flag.FlagSet) action // calls a gateway; takes the global flags
	local  func(fs *flag.FlagSet) runner // does its work itself
	// settings marks a local command whose flags not given on the command
	// line come from the environment and a --config file (the servers).
	settings bool
}

// runner runs a local command with its positional arguments.
type runner func(ctx context.Context, s streams, pos []string) error

// streams are a command's standard input, output and error.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

// runs reports whether the command is a leaf that runs.
func (c *command) runs() bool { return c.client != nil || c.local != nil }

// path returns the command line that names c: "synod shard create".
func (c *command) path() string {
	if c.parent == nil {
		return c.name
	}
	return c.parent.path() + " " + c.name
}

// shortPath returns c's path without "synod " (but "synod" for the root),
// as messages name a command: "shard create".
func (c *command) shortPath() string { return strings.TrimPrefix(c.path(), "synod ") }

// sub returns the subcommand called name, or nil.
func (c *command) sub(name string) *command {
	for _, s := range c.subs {
		if s.name == name {
			return s
		}
	}
	return nil
}

// visibleSubs returns the subcommands help and completion show.
func (c *command) visibleSubs() []*command {
	var out []*command
	for _, s := range c.subs {
		if !s.hidden {
			out = append(out, s)
		}
	}
	return out
}

// subNames returns the names of the visible subcommands.
func (c *command) subNames() []string {
	var names []string
	for _, s := range c.visibleSubs() {
		names = append(names, s.name)
	}
	return names
}

// takesGlobals reports whether c, or a command under it, takes the global
// flags.
func (c *command) takesGlobals() bool {
	if c.client != nil {
		return true
	}
	for _, s := range c.subs {
		if s.takesGlobals() {
			return true
		}
	}
	return false
}

// flagSet returns a flag set of c's flags and what runs c once they are
// parsed (nil for a group).
func (c *command) flagSet() (*flag.FlagSet, runner) {
	fs := flag.NewFlagSet(c.shortPath(), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	switch {
	case c.client != nil:
		cf := addClientFlags(fs)
		act := c.client(fs)
		return fs, func(ctx context.Context, s streams, pos []string) error {
			return runClient(ctx, cf, act, s, pos)
		}
	case c.local != nil && c.settings:
		config := fs.String("config", "", "JSON `FILE` of settings keyed by flag name, for the flags not given (env SYNOD_CONFIG)")
		run := c.local(fs)
		return fs, func(ctx context.Context, s streams, pos []string) error {
			if err := fillUnsetFlags(fs, *config); err != nil {
				return err
			}
			return run(ctx, s, pos)
		}
	case c.local != nil:
		return fs, c.local(fs)
	}
	return fs, nil
}

// run parses and runs one command line: args without the program's name.
func run(ctx context.Context, args []string, s streams) error {
	root := commandTree()
	if len(args) == 0 {
		return writeHelp(s.out, root)
	}
	cmd, rest, help, err := resolve(root, args)
	if err != nil {
		return withHelpHint(err, cmd)
	}
	fs, run := cmd.flagSet()
	if run == nil {
		if help {
			return writeHelp(s.out, cmd)
		}
		if cmd == root {
			return withHelpHint(usagef("no command"), cmd)
		}
		return withHelpHint(usagef("%s needs a command: %s", fs.Name(), strings.Join(cmd.subNames(), ", ")), cmd)
	}
	pos, flagHelp, err := parseFlags(fs, rest)
	switch {
	case help || flagHelp:
		return writeHelp(s.out, cmd)
	case err != nil:
		return withHelpHint(err, cmd)
	}
	if err := checkArgs(cmd, pos); err != nil {
		return withHelpHint(err, cmd)
	}
	return withHelpHint(run(ctx, s, pos), cmd)
}

// helpHint is a usage error with the help to see about it.
type helpHint struct {
	err  error
	path string
}

func (h *helpHint) Error() string { return fmt.Sprintf("%v; see '%s --help'", h.err, h.path) }
func (h *helpHint) Unwrap() error { return h.err }

// withHelpHint adds to a usage error, once, a pointer to cmd's help.
func withHelpHint(err error, cmd *command) error {
	var h *helpHint
	if !isUsage(err) || errors.As(err, &h) {
		return err
	}
	return &helpHint{err: err, path: cmd.path()}
}
