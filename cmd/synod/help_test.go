package main

import (
	"bytes"
	"flag"
	"strings"
	"testing"
)

// leaves returns every command under c that runs, c included.
func leaves(c *command) []*command {
	var out []*command
	if c.runs() && !c.hidden {
		out = append(out, c)
	}
	for _, s := range c.subs {
		out = append(out, leaves(s)...)
	}
	return out
}

func helpOf(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(t.Context(), args, streams{in: strings.NewReader(""), out: &out, err: &out}); err != nil {
		t.Fatalf("synod %q: %v", args, err)
	}
	return out.String()
}

// TestHelpForms checks that synod help CMD, synod CMD --help and synod CMD
// -h print the same help, with its usage, on standard output.
func TestHelpForms(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	for _, path := range [][]string{{}, {"shard"}, {"shard", "create"}, {"propose"}, {"host"}, {"host", "drain"}, {"dev"}, {"version"}, {"completion"}} {
		name := strings.Join(path, " ")
		want := helpOf(t, append([]string{"help"}, path...)...)
		if !strings.Contains(want, "Usage:\n  synod "+name) {
			t.Errorf("synod help %s has no usage line:\n%s", name, want)
		}
		for _, args := range [][]string{
			append(path, "--help"), append(path, "-h"), append([]string{"--help"}, path...), append(path, "-help"),
		} {
			if got := helpOf(t, args...); got != want {
				t.Errorf("synod %q printed\n%s\nwant what synod help %s prints:\n%s", args, got, name, want)
			}
		}
	}
	if got, want := helpOf(t), helpOf(t, "--help"); got != want {
		t.Errorf("synod alone printed %q, want its help", got)
	}
	if got := helpOf(t, "shard", "create", "kv", "--module", "x", "--help"); !strings.Contains(got, "Usage:\n  synod shard create NAME") {
		t.Errorf("--help after arguments and flags printed %q", got)
	}
}

// TestHelpListsEveryFlag checks that each command's help names every flag
// it parses, with an example, and that a group lists its commands.
func TestHelpListsEveryFlag(t *testing.T) {
	t.Parallel()
	root := commandTree()
	for _, c := range leaves(root) {
		var b bytes.Buffer
		if err := writeHelp(&b, c); err != nil {
			t.Fatal(err)
		}
		help := b.String()
		fs, _ := c.flagSet()
		fs.VisitAll(func(f *flag.Flag) {
			if !strings.Contains(help, "\n  --"+f.Name+" ") && !strings.Contains(help, "\n  --"+f.Name+"\n") {
				t.Errorf("synod %s --help does not list --%s", c.shortPath(), f.Name)
			}
		})
		if len(c.examples) == 0 && c.name != "version" {
			t.Errorf("synod %s has no example", c.shortPath())
		}
	}
	for _, want := range []string{"--advertise", "--config", "--log-level", "--max-conns", "--read-timeout", "--guest-memory", "--initial-cluster"} {
		if help := helpOf(t, "host", "--help"); !strings.Contains(help, want) {
			t.Errorf("synod host --help does not list %s", want)
		}
	}
	help := helpOf(t, "shard", "--help")
	for _, s := range root.sub("shard").subs {
		if !strings.Contains(help, "\n  "+s.name+" ") {
			t.Errorf("synod shard --help does not list %s", s.name)
		}
	}
	if strings.Contains(helpOf(t, "--help"), completeCommand) {
		t.Errorf("synod --help lists the hidden %s", completeCommand)
	}
}

func TestWrap(t *testing.T) {
	t.Parallel()
	got := wrap(strings.Repeat("word ", 30), 8)
	for _, line := range strings.Split(got, "\n") {
		if len(line) > 80 || !strings.HasPrefix(line, "        word") {
			t.Errorf("line %q is over 80 columns or not indented by 8", line)
		}
	}
}
