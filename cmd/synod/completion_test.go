package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCompletions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		words []string
		want  []string // the words offered, without what they are
	}{
		{name: "commands", words: []string{"s"}, want: []string{"shard", "status"}},
		{name: "every command", words: []string{""}, want: commandTree().subNames()},
		{name: "subcommands", words: []string{"shard", "m"}, want: []string{"move-replica"}},
		{name: "after a global flag", words: []string{"--addr", "http://gw:1", "sh"}, want: []string{"shard"}},
		{name: "host's subcommands", words: []string{"host", ""}, want: []string{"drain", "remove"}},
		{name: "a command's flags", words: []string{"shard", "create", "kv", "--re"}, want: []string{"--replicas"}},
		{name: "global flags too", words: []string{"status", "--"}, want: []string{"--addr", "--json", "--namespace", "--tls-ca", "--help"}},
		{name: "a group's global flags", words: []string{"module", "--n"}, want: []string{"--namespace"}},
		{name: "a server's flags", words: []string{"dev", "--raft"}, want: []string{"--raft-ports"}},
		{name: "a flag's value", words: []string{"shard", "create", "--module", ""}, want: nil},
		{name: "a global flag's value", words: []string{"--addr", ""}, want: nil},
		{name: "an argument", words: []string{"module", "upload", ""}, want: nil},
		{name: "choices", words: []string{"completion", ""}, want: shells},
		{name: "after the choice", words: []string{"completion", "bash", ""}, want: nil},
		{name: "help's commands", words: []string{"help", "shard", "tr"}, want: []string{"transfer-leader"}},
		{name: "unknown command", words: []string{"shrd", ""}, want: nil},
		{name: "nothing hidden", words: []string{"__"}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, c := range completions(commandTree(), tt.words) {
				word, _, ok := strings.Cut(c, "\t")
				if !ok {
					t.Errorf("completion %q has no tab", c)
				}
				got = append(got, word)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("completions(%q) = %q, want %q", tt.words, got, tt.want)
			}
		})
	}
}

// TestBashCompletion loads the bash script into a real bash and completes
// with it, the script calling this test binary as synod.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatalf("bash, which the Makefile and CI run under, is not on PATH: %v", err)
	}
	t.Setenv("SYNOD_TEST_AS_SYNOD", "1")
	script, err := exec.Command(os.Args[0], "completion", "bash").Output()
	if err != nil {
		t.Fatalf("synod completion bash: %v", err)
	}
	tests := []struct {
		line string // COMP_WORDS after the program, the last being completed
		want string
	}{
		{line: "sh", want: "shard"},
		{line: "shard cr", want: "create"},
		{line: "--json shard create kv --mod", want: "--module"},
		{line: "completion ", want: "bash zsh fish"},
	}
	for _, tt := range tests {
		words := strings.Split(tt.line, " ")
		prog := script
		prog = append(prog, []byte(`
COMP_WORDS=("$SYNOD" "$@"); COMP_CWORD=$#
_synod
echo "${COMPREPLY[*]}"
`)...)
		cmd := exec.Command(bash, append([]string{"-c", string(prog), "bash"}, words...)...)
		cmd.Env = append(os.Environ(), "SYNOD="+os.Args[0])
		out, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != tt.want {
			t.Errorf("completing %q in bash: %q, %v; want %q", tt.line, out, err, tt.want)
		}
	}
}

// TestCompletionScripts checks that each shell's script calls the hidden
// command that completes, and completes the synod command.
func TestCompletionScripts(t *testing.T) {
	t.Parallel()
	for _, sh := range shells {
		s := completionScripts[sh]
		if !strings.Contains(s, completeCommand+" --") || !strings.Contains(s, "synod") {
			t.Errorf("the %s script does not call synod %s --:\n%s", sh, completeCommand, s)
		}
	}
}

// TestFishCompletion loads the fish script into a real fish and completes
// with it, synod being this test binary. fish is not among what the project
// installs, so on a machine without it the test skips: the completions it
// would offer are TestCompletions', which every shell's script asks for
// (TestCompletionScripts), and bash runs them for real (TestBashCompletion).
func TestFishCompletion(t *testing.T) {
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Skip("no fish")
	}
	bin := t.TempDir()
	if err := os.Symlink(os.Args[0], filepath.Join(bin, "synod")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("SYNOD_TEST_AS_SYNOD", "1")
	t.Setenv("HOME", t.TempDir())
	out, err := exec.Command(fish, "-c", `synod completion fish | source; complete -C "synod sh"; complete -C "synod --json shard create kv --mod"`).CombinedOutput()
	want := "shard\tCreate, list, show and delete shards; place their replicas\n--module\t"
	if err != nil || !strings.HasPrefix(string(out), want) {
		t.Errorf("completing in fish: %q, %v; want it to begin %q", out, err, want)
	}
}
