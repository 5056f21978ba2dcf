package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Shell completion works as cobra's does: the shell's script is a small
// shim that asks the binary, through the hidden command __complete, what
// may complete the word being typed, so that completion follows the same
// command table as parsing and help, and every shell gets the same answers.
// A line of the answer is a word, a tab and what it is. With no answer,
// the shells complete file names.

// completeCommand is the hidden command the completion scripts call:
// synod __complete -- WORD... CURRENT.
const completeCommand = "__complete"

// shells are the shells synod completion writes a script for.
var shells = []string{"bash", "zsh", "fish"}

const completionDoc = `To load completions in every new shell:
  bash: add to ~/.bashrc:                  source <(synod completion bash)
  zsh:  add to ~/.zshrc, after compinit:   source <(synod completion zsh)
  fish: synod completion fish > ~/.config/fish/completions/synod.fish`

var completionScripts = map[string]string{
	"bash": `# bash completion for synod; load it with: source <(synod completion bash)
_synod() {
	local IFS=$'\n' word
	COMPREPLY=()
	for word in $("${COMP_WORDS[0]}" __complete -- "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null); do
		COMPREPLY+=("${word%%$'\t'*}")
	done
}
complete -o default -F _synod synod
`,
	"zsh": `# zsh completion for synod; load it, after compinit, with: source <(synod completion zsh)
_synod() {
	local -a lines described
	local line
	lines=("${(@f)$("${words[1]}" __complete -- "${(@)words[2,CURRENT]}" 2>/dev/null)}")
	for line in $lines; do
		[[ -n $line ]] && described+=("${${line%%$'\t'*}//:/\\:}:${line#*$'\t'}")
	done
	if (( ${#described} )); then
		_describe -t synod synod described
	else
		_files
	fi
}
compdef _synod synod
`,
	"fish": `# fish completion for synod; load it with: synod completion fish | source
function __synod_complete
	set -l words (commandline -opc)
	set -l current (commandline -ct)
	$words[1] __complete -- $words[2..-1] "$current" 2>/dev/null
end
function __synod_no_completion
	test (count (__synod_complete)) -eq 0
end
complete -c synod -f -a '(__synod_complete)'
complete -c synod -F -n __synod_no_completion
`,
}

// completionCommand is the setup of synod completion SHELL.
func completionCommand(*flag.FlagSet) runner {
	return func(_ context.Context, s streams, pos []string) error {
		script, ok := completionScripts[pos[0]]
		if !ok {
			return usagef("no completion for shell %q: use %s", pos[0], strings.Join(shells, ", "))
		}
		_, err := io.WriteString(s.out, script)
		return err
	}
}

// completeWords is the setup of synod __complete, which prints what may
// complete the last of its arguments.
func completeWords(*flag.FlagSet) runner {
	return func(_ context.Context, s streams, pos []string) error {
		for _, c := range completions(commandTree(), pos) {
			if _, err := fmt.Fprintln(s.out, c); err != nil {
				return err
			}
		}
		return nil
	}
}

// completions returns what may complete the last of words, the words after
// "synod" on a command line being typed: each a word, a tab and what it
// is. A flag's value, or an argument other than a command or a choice,
// gets none.
func completions(root *command, words []string) []string {
	if len(words) == 0 {
		words = []string{""}
	}
	current := words[len(words)-1]
	cmd, rest, _, err := resolve(root, words[:len(words)-1])
	if err != nil {
		return nil
	}
	if cmd.parent == root && cmd.name == "help" {
		if cmd, rest, _, err = resolve(root, rest); err != nil || len(rest) > 0 {
			return nil
		}
	}
	fs, _ := cmd.flagSet()
	if !cmd.runs() && cmd.takesGlobals() {
		addClientFlags(fs)
	}
	var out []string
	if strings.HasPrefix(current, "-") {
		fs.VisitAll(func(f *flag.Flag) {
			_, usage := flag.UnquoteUsage(f)
			out = append(out, "--"+f.Name+"\t"+brief(usage))
		})
		return withPrefix(append(out, "--help\tshow this help"), current)
	}
	pos, _, err := parseFlags(fs, rest)
	if err != nil || len(pos) > 0 {
		return nil // a flag's value is being typed, or a later argument
	}
	for _, s := range cmd.visibleSubs() {
		out = append(out, s.name+"\t"+s.summary)
	}
	for _, c := range cmd.choices {
		out = append(out, c+"\t")
	}
	return withPrefix(out, current)
}

// withPrefix returns the completions whose word begins with prefix.
func withPrefix(completions []string, prefix string) []string {
	var out []string
	for _, c := range completions {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// brief returns the start of a flag's usage, up to its first parenthesis,
// for the shells that show what a completion is.
func brief(usage string) string {
	usage, _, _ = strings.Cut(usage, " (")
	return usage
}
