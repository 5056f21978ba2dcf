package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// helpCommand returns the setup of synod help, which shows the help of
// the command its arguments name in root.
func helpCommand(root *command) func(*flag.FlagSet) runner {
	return func(*flag.FlagSet) runner {
		return func(_ context.Context, s streams, pos []string) error {
			cmd, rest, _, err := resolve(root, pos)
			if err == nil && len(rest) > 0 {
				err = unknownCommand(cmd, rest[0])
			}
			if err != nil {
				return withHelpHint(err, cmd)
			}
			return writeHelp(s.out, cmd)
		}
	}
}

// writeHelp writes c's help: what it does, its usage, subcommands, flags
// (from the definitions that parse them) and examples.
func writeHelp(w io.Writer, c *command) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nUsage:\n", c.summary)
	for _, u := range c.usages() {
		fmt.Fprintf(&b, "  %s\n", u)
	}
	if c.doc != "" {
		fmt.Fprintf(&b, "\n%s\n", c.doc)
	}
	if subs := c.visibleSubs(); len(subs) > 0 {
		b.WriteString("\nCommands:\n")
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		for _, s := range subs {
			fmt.Fprintf(tw, "  %s\t%s\n", s.name, s.summary)
		}
		tw.Flush()
	}
	writeFlagSections(&b, c)
	if len(c.examples) > 0 {
		b.WriteString("\nExamples:\n")
		for _, e := range c.examples {
			fmt.Fprintf(&b, "  %s\n", e)
		}
	}
	if c.settings {
		b.WriteString("\n" + wrap("Each flag not given on the command line is read from the environment, as "+
			"SYNOD_ and its name in capitals with '_' for '-' (--data-dir: SYNOD_DATA_DIR), or else "+
			"from the --config file.", 0) + "\n")
	}
	if len(c.subs) > 0 {
		fmt.Fprintf(&b, "\nRun '%s COMMAND --help' for a command's flags and examples.\n", c.path())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeFlagSections writes c's own flags, and the global flags if it
// takes them, from the flag definitions that parse them.
func writeFlagSections(b *strings.Builder, c *command) {
	fs, _ := c.flagSet()
	globals := globalFlags()
	var own, global []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if globals.Lookup(f.Name) == nil {
			own = append(own, f)
		}
	})
	globals.VisitAll(func(f *flag.Flag) { global = append(global, f) })
	if len(own) > 0 {
		b.WriteString("\nFlags:\n")
		writeFlags(b, own)
	}
	if c.client != nil || !c.runs() && c.takesGlobals() {
		b.WriteString("\nGlobal flags:\n")
		writeFlags(b, global)
	}
	b.WriteString("  -h, --help\n        show this help\n")
}

// usages returns c's usage lines.
func (c *command) usages() []string {
	var out []string
	switch {
	case c.parent == nil:
		return []string{c.path() + " [global flags] COMMAND [ARGS] [flags]"}
	case c.runs():
		line := c.path()
		if len(c.args) > 0 {
			line += " " + strings.Join(c.args, " ")
		}
		if fs, _ := c.flagSet(); hasFlags(fs) {
			line += " [flags]"
		}
		out = append(out, line)
	}
	if len(c.subs) > 0 {
		out = append(out, c.path()+" COMMAND [ARGS] [flags]")
	}
	return out
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// writeFlags writes a list of flags: each one's name and the kind of value
// it takes, and under it what it does and its default.
func writeFlags(b *strings.Builder, flags []*flag.Flag) {
	for _, f := range flags {
		kind, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(b, "  --%s", f.Name)
		if !isBoolFlag(f) {
			fmt.Fprintf(b, " %s", valueName(kind))
		}
		switch g, _ := f.Value.(flag.Getter); {
		case isZeroDefault(f.DefValue):
		case g != nil && isString(g.Get()):
			usage += fmt.Sprintf(" (default %q)", f.DefValue)
		default:
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(b, "\n%s\n", wrap(usage, 8))
	}
}

// valueName is how help names the value of a flag whose usage does not
// name it in back quotes.
func valueName(kind string) string {
	switch kind {
	case "int", "uint", "int64", "uint64":
		return "N"
	case "":
		return "VALUE"
	}
	return strings.ToUpper(kind)
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

func isZeroDefault(v string) bool {
	switch v {
	case "", "0", "false", "0s":
		return true
	}
	return false
}

// wrap fills text to lines of at most 80 columns, each indented by indent
// spaces.
func wrap(text string, indent int) string {
	pad := strings.Repeat(" ", indent)
	var lines []string
	line := pad
	for _, word := range strings.Fields(text) {
		if len(line) > indent && len(line)+1+len(word) > 80 {
			lines = append(lines, line)
			line = pad
		}
		if len(line) > indent {
			line += " "
		}
		line += word
	}
	return strings.Join(append(lines, line), "\n")
}
