package e2e

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/synodhq/synod/internal/testport"
	"github.com/synodhq/synod/internal/testtime"
)

// The docs' shell blocks are run by TestDocs, so that a command the code
// no longer accepts, or output it no longer prints, fails CI. The
// convention, also described in README.md ("Docs that run"):
//
//   - Every ```sh block of a file TestDocs names runs, in order, in one
//     bash session per file (variables and cd carry over), from a scratch
//     copy of the repository's root. Other blocks (```go, ```json, bare
//     ```) do not run.
//   - A block whose first line is `# no-run: REASON` does not run; the
//     reason is there for readers and reviewers to see.
//   - A line `# → TEXT`, after a command or at the end of its last line,
//     is output the command must print: some line of its output (stdout
//     and stderr), trimmed, matches TEXT, where `…` stands for any text.
//     Several such lines match lines of the output in order.
//   - A command fails the test if it exits other than 0, naming the file,
//     the line and the command.
//   - A loopback address, 127.0.0.1:PORT, in a command or its expected
//     output stands for a free port the test picks when a command first
//     names it, the same one throughout the file (docPorts), so that a
//     document can start processes on the ports a reader would use. The
//     CLI's default address is not rewritten: a document that runs its
//     own gateway sets SYNOD_ADDR.
//   - TMPDIR is a directory of the test's, where `mktemp` makes what a
//     document asks of it. Processes a command starts in the background
//     are killed when the file's commands end, stopped by the document or
//     not. When a command fails, the test shows the end of every *.log
//     file in a directory `mktemp -d` made: a document sends its
//     processes' output there.
//
// The test stands in for a few commands (docCommandsProvided): `make
// test` and `make check` are not run (the test is part of them); `make
// dev` is the test's own `synod dev` process, whose address (SYNOD_ADDR,
// and 127.0.0.1:7070 in README.md's commands) and data directory (.synod)
// README.md's commands get; `./synod` is the binary the e2e tests build.
// docs/operations.md runs a cluster of its own.

// docCommandsProvided are the commands of the docs that the test does not
// run, with what stands in for each.
var docCommandsProvided = map[string]string{
	"make dev":                      "the test's synod dev process",
	"make test":                     "the suite this test is part of",
	"make check":                    "a subset of make test, which runs this test",
	"go build -o synod ./cmd/synod": "./synod, the binary the e2e tests build",
}

// docBlock is a ```sh block of a document.
type docBlock struct {
	line  int    // the opening fence's
	noRun string // why the block does not run, if it does not
	cmds  []docCommand
}

// docCommand is one command of a block, its continuation lines joined.
type docCommand struct {
	line int      // where it starts
	text string   // what the shell runs
	want []string // the `# →` lines' patterns, in order
}

// docFenceSh opens a block that may run; the info string is exactly sh.
const docFenceSh = "```sh"

// parseDocBlocks returns the ```sh blocks of a Markdown document.
func parseDocBlocks(doc string) ([]docBlock, error) {
	var blocks []docBlock
	var cur *docBlock
	var pending []string // a command's lines so far, while they continue
	for i, line := range strings.Split(doc, "\n") {
		n := i + 1
		trimmed := strings.TrimSpace(line)
		if cur == nil {
			if trimmed == docFenceSh {
				blocks = append(blocks, docBlock{line: n})
				cur = &blocks[len(blocks)-1]
			}
			continue
		}
		switch {
		case trimmed == "```":
			if pending != nil {
				return nil, fmt.Errorf("line %d: the block ends inside a command continued with \\", n)
			}
			cur = nil
		case pending != nil:
			pending = append(pending, line)
			if !strings.HasSuffix(trimmed, `\`) {
				cur.addCommand(n-len(pending)+1, pending)
				pending = nil
			}
		case len(cur.cmds) == 0 && cur.noRun == "" && strings.HasPrefix(trimmed, "# no-run:") && n == cur.line+1:
			if cur.noRun = strings.TrimSpace(strings.TrimPrefix(trimmed, "# no-run:")); cur.noRun == "" {
				return nil, fmt.Errorf("line %d: # no-run: gives no reason", n)
			}
		case strings.HasPrefix(trimmed, "# →"):
			if len(cur.cmds) == 0 {
				return nil, fmt.Errorf("line %d: expected output before any command", n)
			}
			last := &cur.cmds[len(cur.cmds)-1]
			last.want = append(last.want, strings.TrimSpace(strings.TrimPrefix(trimmed, "# →")))
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
		case strings.HasSuffix(trimmed, `\`):
			pending = []string{line}
		default:
			cur.addCommand(n, []string{line})
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("line %d: the block is not closed", cur.line)
	}
	return blocks, nil
}

// addCommand adds the command made of lines, which starts at line n,
// taking the expected output its last line may end with.
func (b *docBlock) addCommand(n int, lines []string) {
	c := docCommand{line: n}
	last := lines[len(lines)-1]
	if i := strings.Index(last, "# →"); i >= 0 {
		c.want = append(c.want, strings.TrimSpace(last[i+len("# →"):]))
		lines[len(lines)-1] = strings.TrimRight(last[:i], " ")
	}
	c.text = strings.Join(lines, "\n")
	b.cmds = append(b.cmds, c)
}

// name is how a failure names the command: its first line.
func (c docCommand) name() string {
	first, _, _ := strings.Cut(c.text, "\n")
	return strings.TrimSpace(first)
}

// provided returns what stands in for the command, if the test provides it.
func (c docCommand) provided() (string, bool) {
	text := c.text
	if i := strings.Index(text, " #"); i >= 0 {
		text = text[:i]
	}
	what, ok := docCommandsProvided[strings.TrimSpace(text)]
	return what, ok
}

// matchOutput reports whether out has lines that match want's patterns in
// order; if not, it returns the first pattern that no line matches.
func matchOutput(out string, want []string) (missing string, ok bool) {
	lines := strings.Split(out, "\n")
	next := 0
	for _, w := range want {
		re := regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(w), "…", ".*") + "$")
		for next < len(lines) && !re.MatchString(strings.TrimSpace(lines[next])) {
			next++
		}
		if next == len(lines) {
			return w, false
		}
		next++
	}
	return "", true
}

// docShell is a bash session that runs a document's commands one at a
// time, each one's output in a file of its own.
type docShell struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	done  chan string // the lines bash prints after each command
	dir   string      // where commands' output goes
	tmp   string      // the session's TMPDIR
	count int
}

// docShellDone starts the line bash prints when a command has ended.
const docShellDone = "synod-docs-test-done "

// startDocShell starts bash in dir with env as its whole environment, and
// TMPDIR a directory of the test's. Bash runs in a process group of its
// own, which the processes the commands start in the background share (a
// shell without job control does not give them groups of their own): when
// the test ends, the whole group is killed, and the test waits until it
// is gone, so that no process outlives the test or writes to its
// directories as they are deleted.
func startDocShell(t *testing.T, dir string, env []string) *docShell {
	t.Helper()
	tmp := t.TempDir()
	cmd := exec.Command("bash", "--noprofile", "--norc")
	cmd.Dir, cmd.Env, cmd.Stderr = dir, append(slices.Clip(env), "TMPDIR="+tmp), os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start bash: %v", err)
	}
	s := &docShell{cmd: cmd, in: in, done: make(chan string), dir: t.TempDir(), tmp: tmp}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), docShellDone); ok {
				s.done <- rest
			}
		}
		close(s.done)
	}()
	t.Cleanup(func() { _ = in.Close(); killGroup(t, cmd) })
	if _, err := io.WriteString(in, "set -o pipefail\n"); err != nil {
		t.Fatal(err)
	}
	return s
}

// killGroup kills the process group cmd leads and waits until none of its
// processes is left: cmd is reaped here, the others (bash's children, now
// orphans) by init.
func killGroup(t *testing.T, cmd *exec.Cmd) {
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	_ = cmd.Wait()
	deadline := time.Now().Add(testtime.Scaled(10 * time.Second))
	for syscall.Kill(-pgid, 0) == nil {
		if time.Now().After(deadline) {
			t.Errorf("process group %d of the docs' shell still has processes after SIGKILL", pgid)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// run runs text in the session and returns its output and exit status.
// It fails the test if the command has not ended within d.
func (s *docShell) run(t *testing.T, text string, d time.Duration) (out string, status int) {
	t.Helper()
	s.count++
	file := filepath.Join(s.dir, strconv.Itoa(s.count))
	script := fmt.Sprintf("{ %s\n} >%q 2>&1 </dev/null; echo \"%s$?\"\n", text, file, docShellDone)
	if _, err := io.WriteString(s.in, script); err != nil {
		t.Fatalf("write to bash: %v", err)
	}
	select {
	case rest, ok := <-s.done:
		if !ok {
			t.Fatal("bash ended")
		}
		status, _ = strconv.Atoi(rest)
	case <-time.After(d):
		t.Fatalf("still running after %v%s", d, s.logs())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), status
}

// logs returns the end of each log file (*.log) in a directory that
// mktemp made in the session's TMPDIR (not deeper, where a host's own
// files are): what the processes the commands started there said, for a
// failure's message.
func (s *docShell) logs() string {
	paths, _ := filepath.Glob(filepath.Join(s.tmp, "*", "*.log"))
	var b strings.Builder
	for _, path := range paths {
		data, _ := os.ReadFile(path)
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		fmt.Fprintf(&b, "\n--- the end of %s:\n%s\n", path, strings.Join(lines[max(0, len(lines)-20):], "\n"))
	}
	return b.String()
}

// docLoopback is a loopback address in a document's command.
var docLoopback = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)

// docPorts maps the loopback addresses of a document to those that stand
// for them when its commands run.
type docPorts map[string]string

// rewrite returns s with each loopback address replaced by the one that
// stands for it: a free one, picked when a command first names it, unless
// p has one already.
func (p docPorts) rewrite(t *testing.T, s string) string {
	return docLoopback.ReplaceAllStringFunc(s, func(addr string) string {
		if p[addr] == "" {
			p[addr] = testport.Addr(t)
		}
		return p[addr]
	})
}

// runDoc runs the ```sh blocks of the document at path (relative to the
// repository's root) in sh, with the loopback addresses of its commands
// and their expected output rewritten by ports.
func runDoc(t *testing.T, root, path string, sh *docShell, ports docPorts) {
	doc, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := parseDocBlocks(string(doc))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, b := range blocks {
		if b.noRun != "" {
			t.Logf("%s:%d: not run: %s", path, b.line, b.noRun)
			continue
		}
		for _, c := range b.cmds {
			if what, ok := c.provided(); ok {
				t.Logf("%s:%d: %s: provided by the test: %s", path, c.line, c.name(), what)
				continue
			}
			want := make([]string, len(c.want))
			for i, w := range c.want {
				want[i] = ports.rewrite(t, w)
			}
			out, status := sh.run(t, ports.rewrite(t, c.text), testtime.Scaled(3*time.Minute))
			if status != 0 {
				t.Fatalf("%s:%d: %s: exit status %d\n%s%s", path, c.line, c.name(), status, out, sh.logs())
			}
			if missing, ok := matchOutput(out, want); !ok {
				t.Fatalf("%s:%d: %s: no line of the output matches %q\n%s%s", path, c.line, c.name(), missing, out, sh.logs())
			}
		}
	}
}

// docWorkDir returns a scratch copy of the repository's root for the
// docs' commands: the root's entries linked, but examples/ copied (make
// examples writes into it) and ./synod, the binary the e2e tests build.
func docWorkDir(t *testing.T, root string) string {
	dir := filepath.Join(t.TempDir(), "synod")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasPrefix(name, ".") || name == "synod":
		case name == "examples":
			if err := os.CopyFS(filepath.Join(dir, name), os.DirFS(filepath.Join(root, name))); err != nil {
				t.Fatalf("copy examples: %v", err)
			}
		default:
			if err := os.Symlink(filepath.Join(root, name), filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.Symlink(synodBinary(t), filepath.Join(dir, "synod")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// environWithout returns the environment without the variables whose
// names start with prefix.
func environWithout(prefix string) []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, prefix) })
}

// TestDocs runs the shell blocks of README.md, against a `synod dev`
// process, and of docs/operations.md, which starts its own cluster (see
// the convention above), with `synod` on the PATH the binary the e2e
// tests build.
func TestDocs(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	work := docWorkDir(t, root)
	env := append(environWithout("SYNOD_"), "XDG_CONFIG_HOME="+t.TempDir(),
		"PATH="+filepath.Dir(synodBinary(t))+string(filepath.ListSeparator)+os.Getenv("PATH"))

	t.Run("README.md", func(t *testing.T) {
		listen, dataDir := testport.Addr(t), filepath.Join(work, ".synod")
		dev := startSynod(t, env, "serving on ", "dev", "--data-dir", dataDir, "--listen", listen)
		sh := startDocShell(t, work, append(slices.Clip(env), "SYNOD_ADDR="+dev.addr))
		runDoc(t, root, "README.md", sh, docPorts{"127.0.0.1:7070": listen})
	})
	t.Run("docs/operations.md", func(t *testing.T) {
		runDoc(t, root, "docs/operations.md", startDocShell(t, work, env), docPorts{})
	})
}

// TestDocConvention checks the parsing of the docs' convention on small
// documents, so that a block TestDocs skips is skipped for the stated
// reason and not by accident.
func TestDocConvention(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		doc     string
		want    []docBlock
		wantErr string
	}{
		{
			name: "commands, continuations and expected output",
			doc:  "```sh\n# a comment\na x   # → one\nb \\\n  c\n# → two\n# → three\n```\n```go\nnot run\n```\n",
			want: []docBlock{{line: 1, cmds: []docCommand{
				{line: 3, text: "a x", want: []string{"one"}},
				{line: 4, text: "b \\\n  c", want: []string{"two", "three"}},
			}}},
		},
		{
			name: "no-run with a reason",
			doc:  "```sh\n# no-run: needs a machine\nx\n```\n",
			want: []docBlock{{line: 1, noRun: "needs a machine", cmds: []docCommand{{line: 3, text: "x"}}}},
		},
		{name: "no-run without a reason", doc: "```sh\n# no-run:\nx\n```\n", wantErr: "gives no reason"},
		{name: "unclosed block", doc: "```sh\nx\n", wantErr: "not closed"},
		{name: "expected output first", doc: "```sh\n# → x\n```\n", wantErr: "before any command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseDocBlocks(tt.doc)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parse = %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("parse = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	if _, ok := matchOutput("HTTP/1.1 200 OK\nSynod-Index: 7\n\n{\"ok\":true}", []string{"HTTP/1.1 200 OK", "Synod-Index: …", "{\"ok\":true}"}); !ok {
		t.Error("matchOutput missed lines in order")
	}
	if missing, ok := matchOutput("b\na", []string{"a", "b"}); ok || missing != "b" {
		t.Errorf("matchOutput of lines out of order = %q, %v; want b missing", missing, ok)
	}
}
