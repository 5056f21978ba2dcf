// Command synod runs Synod and talks to it.
//
//	synod dev [--data-dir DIR] [--listen ADDR] [--hosts N]
//	synod host --name NAME --data-dir DIR --listen ADDR [--raft-addr ADDR]
//	      (--initial-cluster NAME=RAFTADDR,... | --join URL,...) [--gateway-listen ADDR]
//	synod host drain NAME | remove NAME
//	synod gateway --listen ADDR --hosts URL,...
//	synod module upload FILE | list | get HASH | delete HASH
//	synod shard create NAME --module HASH|FILE [--replicas N] [--fuel N] | list | get NAME | delete NAME
//	synod shard add-replica NAME HOST | remove-replica NAME HOST | move-replica NAME FROM TO
//	      | transfer-leader NAME HOST | check NAME
//	synod propose NAME DATA
//	synod query NAME DATA [--consistency linearizable|stale]
//	synod status
//
// Client commands take --addr URL (default http://127.0.0.1:7070, or
// $SYNOD_ADDR) and --json. DATA "-" reads standard input. Errors go to
// standard error with a non-zero exit status.
//
// Server commands (dev, host, gateway) take limits on each HTTP listener's
// clients: --max-conns N, --read-header-timeout D, --read-timeout D,
// --idle-timeout D and --max-request-bytes SIZE, and every flag also from
// the environment (SYNOD_<FLAG>) or a JSON --config file.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage:
  synod dev [--data-dir DIR] [--listen ADDR] [--hosts N]
  synod host --name NAME --data-dir DIR --listen ADDR [--raft-addr ADDR]
        (--initial-cluster NAME=RAFTADDR,... | --join URL,...) [--gateway-listen ADDR]
  synod host drain NAME | remove NAME
  synod gateway --listen ADDR --hosts URL,...
  synod module upload FILE | list | get HASH | delete HASH
  synod shard create NAME --module HASH|FILE [--replicas N] [--fuel N] | list | get NAME | delete NAME
  synod shard add-replica NAME HOST | remove-replica NAME HOST | move-replica NAME FROM TO
        | transfer-leader NAME HOST | check NAME
  synod propose NAME DATA
  synod query NAME DATA [--consistency linearizable|stale]
  synod status

Client commands take --addr URL (default http://127.0.0.1:7070, or $SYNOD_ADDR)
and --json for machine-readable output. DATA "-" reads standard input.

Server commands (dev, host, gateway) take limits on each HTTP listener's clients:
  --max-conns N              connections held at once (default: an eighth of the
                             file-descriptor limit, at most 10000)
  --read-header-timeout D    to send request headers, or a first request (default 10s)
  --read-timeout D           to send a whole request, body included (default 2m)
  --idle-timeout D           a keep-alive connection may stay unused (default 2m)
  --max-request-bytes SIZE   largest request message, e.g. 20MiB (default 20MiB)
Each server flag can also be set as SYNOD_<FLAG> (e.g. SYNOD_MAX_CONNS) or in
a JSON file given by --config.
`

// errUsage reports a command line that does not parse; the usage is shown.
var errUsage = errors.New("bad usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if errors.Is(err, errUsage) {
			fmt.Fprint(os.Stderr, usage)
		}
		fmt.Fprintln(os.Stderr, "synod:", err)
		os.Exit(1)
	}
}

// run dispatches one command line.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: no command", errUsage)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "dev":
		return runDev(ctx, rest, stdout, stderr)
	case "host":
		if len(rest) > 0 && (rest[0] == "drain" || rest[0] == "remove") {
			return runClient(ctx, cmd+" "+rest[0], rest[1:], stdin, stdout)
		}
		return runHost(ctx, rest, stdout, stderr)
	case "gateway":
		return runGateway(ctx, rest, stdout, stderr)
	case "module", "shard":
		if len(rest) == 0 {
			return fmt.Errorf("%w: %s needs a subcommand", errUsage, cmd)
		}
		return runClient(ctx, cmd+" "+rest[0], rest[1:], stdin, stdout)
	case "propose", "query", "status":
		return runClient(ctx, cmd, rest, stdin, stdout)
	case "help", "-h", "--help":
		_, err := fmt.Fprint(stdout, usage)
		return err
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
}
