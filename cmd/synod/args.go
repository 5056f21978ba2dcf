package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
)

// A command line is read in two steps. [resolve] follows the command
// words (synod shard create) and keeps the global flags it meets on the
// way, so that they may come before the command as well as after it, as
// with etcdctl and kubectl. [parseFlags] then reads the command's flags,
// anywhere among its positional arguments, with the flag set the command
// defines: what help shows and what parses are the same definitions.

// usageError is a command line that does not parse. run adds a pointer to
// the command's help, and main exits with status 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a [usageError] formatted as by fmt.Errorf.
func usagef(format string, a ...any) error {
	return &usageError{fmt.Errorf(format, a...)}
}

// isUsage reports whether err is, or wraps, a [usageError].
func isUsage(err error) bool {
	var ue *usageError
	return errors.As(err, &ue)
}

// clientFlags are the global flags: those of every command that calls a
// gateway.
type clientFlags struct {
	addr      string
	namespace string
	ca        string
	json      bool
}

func addClientFlags(fs *flag.FlagSet) *clientFlags {
	cf := &clientFlags{}
	fs.StringVar(&cf.addr, "addr", cmp.Or(os.Getenv("SYNOD_ADDR"), "http://127.0.0.1:7070"), "`URL` of the gateway; env SYNOD_ADDR")
	fs.StringVar(&cf.namespace, "namespace", cmp.Or(os.Getenv("SYNOD_NAMESPACE"), "default"), "`NAMESPACE` of the modules and shards named; env SYNOD_NAMESPACE")
	fs.StringVar(&cf.ca, "tls-ca", os.Getenv("SYNOD_TLS_CA"), "PEM CA bundle `FILE` to verify an https:// gateway with, instead of the system's; env SYNOD_TLS_CA")
	fs.BoolVar(&cf.json, "json", false, "print the response as JSON, for scripts")
	return cf
}

// globalFlags returns a flag set of the global flags alone, to look them
// up by name.
func globalFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("synod", flag.ContinueOnError)
	addClientFlags(fs)
	return fs
}

// flagName returns the name of the flag arg spells (-name, --name or
// --name=value), its value if inline, and whether arg is a flag at all.
func flagName(arg string) (name, value string, hasValue, ok bool) {
	if len(arg) < 2 || arg[0] != '-' || arg == "--" {
		return "", "", false, false
	}
	name = strings.TrimPrefix(arg[1:], "-")
	if name == "" || name[0] == '-' || name[0] == '=' {
		return "", "", false, false
	}
	name, value, hasValue = strings.Cut(name, "=")
	return name, value, hasValue, true
}

func isHelp(name string) bool { return name == "h" || name == "help" }

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// resolve follows the command words at the start of args from root. It
// returns the command they name and the arguments left for it, the global
// flags met on the way first; and whether -h or --help was among them.
// An unknown word where a subcommand must come, or a flag other than a
// global one before it, is an error, returned with the command reached so
// far.
func resolve(root *command, args []string) (cmd *command, rest []string, help bool, err error) {
	globals := globalFlags()
	cmd = root
	var carried []string
	i := 0
loop:
	for ; i < len(args); i++ {
		arg := args[i]
		if name, _, hasValue, ok := flagName(arg); ok {
			if isHelp(name) {
				help = true
				continue
			}
			f := globals.Lookup(name)
			switch {
			case f == nil && !cmd.runs():
				return cmd, nil, help, unknownFlag(cmd.shortPath(), globals, name)
			case f == nil:
				break loop // the command's own flag
			}
			carried = append(carried, arg)
			if !hasValue && !isBoolFlag(f) && i+1 < len(args) {
				i++
				carried = append(carried, args[i])
			}
			continue
		}
		switch sub := cmd.sub(arg); {
		case sub != nil:
			cmd = sub
		case len(cmd.subs) > 0 && !cmd.runs():
			return cmd, nil, help, unknownCommand(cmd, arg)
		default:
			break loop // a positional argument
		}
	}
	return cmd, append(carried, args[i:]...), help, nil
}

// unknownCommand is the error of word where a subcommand of cmd must come.
func unknownCommand(cmd *command, word string) error {
	name := strings.TrimPrefix(cmd.shortPath()+" "+word, "synod ")
	if s := suggest(word, cmd.subNames()); s != "" {
		return usagef("unknown command %q (did you mean %s?)", name, strings.TrimPrefix(cmd.shortPath()+" "+s, "synod "))
	}
	return usagef("unknown command %q", name)
}

// parseFlags sets fs's flags from args, where they may come before,
// between or after the positional arguments it returns; an argument "--"
// ends the flags. help reports -h or --help.
func parseFlags(fs *flag.FlagSet, args []string) (pos []string, help bool, err error) {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			return append(pos, args[i+1:]...), help, nil
		}
		name, value, hasValue, ok := flagName(arg)
		if !ok {
			pos = append(pos, arg)
			continue
		}
		if isHelp(name) {
			help = true
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			return nil, help, unknownFlag(fs.Name(), fs, name)
		}
		switch {
		case hasValue:
		case isBoolFlag(f):
			value = "true"
		case i+1 == len(args):
			return nil, help, usagef("flag --%s needs a value", name)
		default:
			i++
			value = args[i]
		}
		if err := fs.Set(name, value); err != nil {
			return nil, help, usagef("invalid value %q for --%s: %w", value, name, err)
		}
	}
	return pos, help, nil
}

// unknownFlag is the error of a flag that the command called cmdName does
// not define; fs holds the flags it does.
func unknownFlag(cmdName string, fs *flag.FlagSet, name string) error {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	if s := suggest(name, names); s != "" {
		return usagef("unknown flag --%s for %q (did you mean --%s?)", name, cmdName, s)
	}
	return usagef("unknown flag --%s for %q", name, cmdName)
}

// checkArgs checks that pos holds the positional arguments cmd takes.
func checkArgs(cmd *command, pos []string) error {
	if cmd.varArgs || len(pos) == len(cmd.args) {
		return nil
	}
	name := cmd.shortPath()
	switch {
	case len(cmd.args) == 0:
		return usagef("%s takes no arguments, got %q", name, strings.Join(pos, " "))
	case len(pos) < len(cmd.args):
		return usagef("%s needs %s: missing %s", name, strings.Join(cmd.args, " "), strings.Join(cmd.args[len(pos):], " "))
	}
	return usagef("%s takes %d argument(s) (%s), got %d", name, len(cmd.args), strings.Join(cmd.args, " "), len(pos))
}
