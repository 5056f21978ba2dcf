// Command synod runs Synod and talks to it.
//
// Servers:
//
//	synod dev                  a cluster of hosts and a gateway in one process, for development
//	synod host                 one host of a cluster (synod host drain|remove HOST takes one out)
//	synod gateway              a gateway: the public API, in front of the hosts
//	synod certs init|issue     a development CA and certificates for TLS
//
// Clients of a gateway:
//
//	synod module upload|list|get|delete
//	synod shard create|list|get|delete|add-replica|remove-replica|move-replica|transfer-leader|check
//	synod propose NAME DATA
//	synod query NAME DATA
//	synod status
//	synod key create|list|revoke|whoami
//	synod namespace get|set-quota
//	synod login
//
// State machines:
//
//	synod new NAME             the project of a new state machine, outside this repository
//
// And synod version, synod completion bash|zsh|fish, synod help [COMMAND].
//
// synod help COMMAND, or synod COMMAND --help, shows a command's usage,
// every flag and examples; the help is made from the same table and flag
// definitions that parse the command line.
//
// Client commands take the global flags --addr URL (default
// http://127.0.0.1:7070, or $SYNOD_ADDR), --namespace NS (default
// "default", or $SYNOD_NAMESPACE), --tls-ca FILE (or $SYNOD_TLS_CA) and
// --json, before or after the command. They send the API key in
// $SYNOD_TOKEN, or the one saved for --addr by synod login or synod dev.
// Module hashes may be shortened to any unique prefix. DATA "-" reads
// standard input.
//
// Server commands (dev, host, gateway) read each flag not given on the
// command line from the environment (SYNOD_<FLAG>) or a JSON --config
// file. Listeners on addresses other than loopback must be TLS unless
// --insecure is given.
//
// Errors go to standard error, with exit status 2 for a command line that
// does not parse and 1 for anything else.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], streams{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "synod:", err)
		if isUsage(err) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
