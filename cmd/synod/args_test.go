package main

import (
	"bytes"
	"context"
	"flag"
	"net"
	"slices"
	"strings"
	"testing"
)

// parse resolves and parses args as run does, and returns the command's
// path, positional arguments and flag values.
func parse(t *testing.T, args ...string) (path string, pos []string, flags map[string]string) {
	t.Helper()
	cmd, rest, _, err := resolve(commandTree(), args)
	if err != nil {
		t.Fatalf("resolve %q: %v", args, err)
	}
	fs, _ := cmd.flagSet()
	pos, _, err = parseFlags(fs, rest)
	if err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	flags = make(map[string]string)
	fs.Visit(func(f *flag.Flag) { flags[f.Name] = f.Value.String() })
	return cmd.path(), pos, flags
}

func TestParseGlobalFlagsAnywhere(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		wantPath  string
		wantPos   []string
		wantFlags map[string]string
	}{
		{name: "before the command", args: []string{"--addr", "http://gw:7070", "shard", "list"},
			wantPath: "synod shard list", wantFlags: map[string]string{"addr": "http://gw:7070"}},
		{name: "between the command's words", args: []string{"shard", "--namespace=team", "get", "orders"},
			wantPath: "synod shard get", wantPos: []string{"orders"}, wantFlags: map[string]string{"namespace": "team"}},
		{name: "after the command", args: []string{"propose", "kv", "{}", "--json", "--addr", "http://gw:1"},
			wantPath: "synod propose", wantPos: []string{"kv", "{}"}, wantFlags: map[string]string{"json": "true", "addr": "http://gw:1"}},
		{name: "bool before, with the command's own flags", args: []string{"--json", "shard", "create", "kv", "--module", "ab12", "--replicas", "1"},
			wantPath: "synod shard create", wantPos: []string{"kv"}, wantFlags: map[string]string{"json": "true", "module": "ab12", "replicas": "1"}},
		{name: "single dash", args: []string{"-json", "query", "kv", "-consistency", "stale", "{}"},
			wantPath: "synod query", wantPos: []string{"kv", "{}"}, wantFlags: map[string]string{"json": "true", "consistency": "stale"}},
		{name: "-- ends the flags", args: []string{"propose", "kv", "--", "--json"},
			wantPath: "synod propose", wantPos: []string{"kv", "--json"}, wantFlags: map[string]string{}},
		{name: "stdin as DATA", args: []string{"propose", "kv", "-"},
			wantPath: "synod propose", wantPos: []string{"kv", "-"}, wantFlags: map[string]string{}},
		{name: "a host, not its subcommand", args: []string{"host", "--name", "drain"},
			wantPath: "synod host", wantFlags: map[string]string{"name": "drain"}},
		{name: "host's subcommand", args: []string{"host", "drain", "h2", "--addr", "http://gw:1"},
			wantPath: "synod host drain", wantPos: []string{"h2"}, wantFlags: map[string]string{"addr": "http://gw:1"}},
		{name: "dev's flags", args: []string{"dev", "--raft-ports", "9000-9010", "--listen", "127.0.0.1:8080"},
			wantPath: "synod dev", wantFlags: map[string]string{"raft-ports": "9000-9010", "listen": "127.0.0.1:8080"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path, pos, flags := parse(t, tt.args...)
			if path != tt.wantPath || !slices.Equal(pos, tt.wantPos) {
				t.Errorf("parsed %q as %s %q, want %s %q", tt.args, path, pos, tt.wantPath, tt.wantPos)
			}
			for k, v := range tt.wantFlags {
				if flags[k] != v {
					t.Errorf("--%s = %q, want %q", k, flags[k], v)
				}
			}
			if len(flags) != len(tt.wantFlags) {
				t.Errorf("flags set: %v, want %v", flags, tt.wantFlags)
			}
		})
	}
}

// TestUsageErrors checks that a command line that does not parse gets one
// line naming the mistake and the help to see, and exit status 2.
func TestUsageErrors(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "unknown flag", args: []string{"shard", "create", "kv", "--foo"},
			want: `unknown flag --foo for "shard create"; see 'synod shard create --help'`},
		{name: "mistyped flag", args: []string{"shard", "create", "kv", "--modul", "x"},
			want: `unknown flag --modul for "shard create" (did you mean --module?); see 'synod shard create --help'`},
		{name: "global flag on a server", args: []string{"dev", "--addr", "http://x"},
			want: `unknown flag --addr for "dev"; see 'synod dev --help'`},
		{name: "unknown flag before the command", args: []string{"--jsn", "status"},
			want: `unknown flag --jsn for "synod" (did you mean --json?); see 'synod --help'`},
		{name: "unknown command", args: []string{"frobnicate"},
			want: `unknown command "frobnicate"; see 'synod --help'`},
		{name: "mistyped command", args: []string{"shrd", "list"},
			want: `unknown command "shrd" (did you mean shard?); see 'synod --help'`},
		{name: "mistyped subcommand", args: []string{"--json", "shard", "lst"},
			want: `unknown command "shard lst" (did you mean shard list?); see 'synod shard --help'`},
		{name: "help of an unknown command", args: []string{"help", "modul"},
			want: `unknown command "modul" (did you mean module?); see 'synod --help'`},
		{name: "no command", args: []string{"--json"}, want: "no command; see 'synod --help'"},
		{name: "group without a command", args: []string{"key"},
			want: "key needs a command: create, list, revoke, whoami; see 'synod key --help'"},
		{name: "missing argument", args: []string{"propose", "kv"},
			want: "propose needs NAME DATA: missing DATA; see 'synod propose --help'"},
		{name: "extra argument", args: []string{"status", "now"},
			want: `status takes no arguments, got "now"; see 'synod status --help'`},
		{name: "flag without its value", args: []string{"shard", "create", "kv", "--module"},
			want: "flag --module needs a value; see 'synod shard create --help'"},
		{name: "bad value", args: []string{"dev", "--hosts", "three"},
			want: `invalid value "three" for --hosts`},
		{name: "bad range", args: []string{"dev", "--raft-ports", "9010-9000"},
			want: "the lower first; see 'synod dev --help'"},
		{name: "bad choice, found by the command", args: []string{"query", "kv", "{}", "--consistency", "eventual"},
			want: `--consistency must be linearizable, stale or at-least-index, not "eventual"; see 'synod query --help'`},
		{name: "not a hash", args: []string{"module", "get", "xyz"},
			want: `"xyz" is not a module hash`},
		{name: "unknown shell", args: []string{"completion", "tcsh"},
			want: `no completion for shell "tcsh": use bash, zsh, fish; see 'synod completion --help'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(t.Context(), tt.args, streams{in: strings.NewReader(""), out: &out, err: &out})
			switch {
			case err == nil:
				t.Fatalf("synod %q succeeded", tt.args)
			case !isUsage(err):
				t.Errorf("synod %q: %v is not a usage error (exit status 2)", tt.args, err)
			case !strings.Contains(err.Error(), tt.want):
				t.Errorf("synod %q: %v\nwant it to contain %s", tt.args, err, tt.want)
			case strings.Contains(err.Error(), "\n") || out.Len() > 0:
				t.Errorf("synod %q printed more than one line: %q, %q", tt.args, err, out.String())
			}
		})
	}
}

// TestUnreachable checks that a refused connection names the address the
// CLI tried, wherever --addr was given, and how to set it.
func TestUnreachable(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + ln.Addr().String()
	ln.Close()
	for _, args := range [][]string{
		{"--addr", addr, "status"},
		{"shard", "list", "--addr=" + addr},
		{"--json", "propose", "kv", "{}", "--addr", addr},
	} {
		err := run(context.Background(), args, streams{in: strings.NewReader(""), out: &bytes.Buffer{}, err: &bytes.Buffer{}})
		want := "cannot reach Synod at " + addr + ": connection refused; set --addr or SYNOD_ADDR"
		if err == nil || err.Error() != want {
			t.Errorf("synod %q: %v, want %s", args, err, want)
		}
	}
	t.Setenv("SYNOD_ADDR", addr)
	if err := run(context.Background(), []string{"status"}, streams{out: &bytes.Buffer{}}); err == nil || !strings.Contains(err.Error(), addr) {
		t.Errorf("with SYNOD_ADDR: %v, want an error naming %s", err, addr)
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	cmds := []string{"dev", "host", "gateway", "module", "shard", "propose", "query", "status", "key", "namespace"}
	tests := []struct{ word, want string }{
		{"shrd", "shard"},
		{"sahrd", "shard"},
		{"modle", "module"},
		{"stauts", "status"},
		{"qeury", "query"},
		{"name", "namespace"},
		{"gate", "gateway"},
		{"x", ""},
		{"frobnicate", ""},
		{"zz", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.word, cmds); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"shard", "shard", 0},
		{"shrd", "shard", 1}, {"kitten", "sitting", 3}, {"flaw", "lawn", 2},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
