// Command synod runs Synod and talks to it.
//
//	synod dev [--data-dir DIR] [--listen ADDR] [--hosts N] [--tls-cert FILE --tls-key FILE] [--insecure]
//	synod host --name NAME --data-dir DIR --listen ADDR [--raft-addr ADDR]
//	      (--initial-cluster NAME=RAFTADDR,... | --join URL,...) [--gateway-listen ADDR]
//	      [--tls-cert FILE --tls-key FILE] [--cluster-ca FILE --cluster-cert FILE --cluster-key FILE] [--insecure]
//	synod host drain NAME | remove NAME
//	synod gateway --listen ADDR --hosts URL,... [--tls-cert FILE --tls-key FILE]
//	      [--cluster-ca FILE --cluster-cert FILE --cluster-key FILE] [--insecure]
//	synod certs init --dir DIR | issue --dir DIR --name NAME [--hosts NAME,IP,...]
//	synod module upload FILE | list | get HASH | delete HASH
//	synod shard create NAME --module HASH|FILE [--replicas N] [--fuel N] | list | get NAME | delete NAME
//	synod shard add-replica NAME HOST | remove-replica NAME HOST | move-replica NAME FROM TO
//	      | transfer-leader NAME HOST | check NAME
//	synod propose NAME DATA
//	synod query NAME DATA [--consistency linearizable|stale]
//	synod status
//	synod key create NAME [--cluster-admin] [--role NAMESPACE=reader|writer|admin,...] | list | revoke ID | whoami
//	synod namespace get | set-quota [--shards N] [--module-bytes N] [--requests-per-second N] [--fuel-per-second N] [--keys N]
//	synod login   (reads a token on standard input and saves it for --addr)
//
// Client commands take --addr URL (default http://127.0.0.1:7070, or
// $SYNOD_ADDR), --namespace NS (default "default", or $SYNOD_NAMESPACE),
// --tls-ca FILE (or $SYNOD_TLS_CA) to trust an https:// gateway's CA, and
// --json. They send the API key in $SYNOD_TOKEN, or the one saved for
// --addr by synod login or synod dev. DATA "-" reads standard input.
// Errors go to standard error with a non-zero exit status.
//
// Listeners on addresses other than loopback must be TLS: the public API
// with --tls-cert and --tls-key, a host's internal API and Raft with
// --cluster-ca, --cluster-cert and --cluster-key (mutual TLS, which
// gateways need too to reach such hosts), unless --insecure is given.
//
// Server commands (dev, host, gateway) take limits on each HTTP listener's
// clients: --max-conns N, --read-header-timeout D, --read-timeout D,
// --idle-timeout D, --max-request-bytes SIZE and --calls-per-key N, and every flag also from
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
  synod dev [--data-dir DIR] [--listen ADDR] [--hosts N] [--tls-cert FILE --tls-key FILE] [--insecure]
  synod host --name NAME --data-dir DIR --listen ADDR [--raft-addr ADDR]
        (--initial-cluster NAME=RAFTADDR,... | --join URL,...) [--gateway-listen ADDR]
        [--tls-cert FILE --tls-key FILE] [--cluster-ca FILE --cluster-cert FILE --cluster-key FILE] [--insecure]
  synod host drain NAME | remove NAME
  synod gateway --listen ADDR --hosts URL,... [--tls-cert FILE --tls-key FILE]
        [--cluster-ca FILE --cluster-cert FILE --cluster-key FILE] [--insecure]
  synod certs init --dir DIR | issue --dir DIR --name NAME [--hosts NAME,IP,...]
  synod module upload FILE | list | get HASH | delete HASH
  synod shard create NAME --module HASH|FILE [--replicas N] [--fuel N] | list | get NAME | delete NAME
  synod shard add-replica NAME HOST | remove-replica NAME HOST | move-replica NAME FROM TO
        | transfer-leader NAME HOST | check NAME
  synod propose NAME DATA
  synod query NAME DATA [--consistency linearizable|stale]
  synod status
  synod key create NAME [--cluster-admin] [--role NAMESPACE=reader|writer|admin,...] | list | revoke ID | whoami
  synod namespace get | set-quota [--shards N] [--module-bytes N] [--requests-per-second N] [--fuel-per-second N] [--keys N]
  synod login   (reads a token on standard input and saves it for --addr)

Client commands take --addr URL (default http://127.0.0.1:7070, or $SYNOD_ADDR),
--namespace NS (default "default", or $SYNOD_NAMESPACE), --tls-ca FILE (or
$SYNOD_TLS_CA) to trust an https:// gateway's CA, and --json for
machine-readable output. They send the API key in $SYNOD_TOKEN, or the one
saved for --addr by synod login or synod dev. DATA "-" reads standard input.

TLS: --tls-cert/--tls-key serve the public API over HTTPS. --cluster-ca,
--cluster-cert and --cluster-key make a host's internal API and Raft mutual
TLS (internal URLs become https://), and let a gateway reach such hosts. A
listener on an address other than loopback must use TLS unless --insecure is
given. Certificate files are reloaded when they change (Raft's at restart).
synod certs makes a development CA and certificates.

Server commands (dev, host, gateway) take limits on each HTTP listener's clients:
  --max-conns N              connections held at once (default: an eighth of the
                             file-descriptor limit, at most 10000)
  --read-header-timeout D    to send request headers, or a first request (default 10s)
  --read-timeout D           to send a whole request, body included (default 2m)
  --idle-timeout D           a keep-alive connection may stay unused (default 2m)
  --max-request-bytes SIZE   largest request message, e.g. 20MiB (default 20MiB)
  --calls-per-key N          calls a second the gateway admits per API key (default: no limit)
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
	case "certs":
		return runCerts(rest, stdout, stderr)
	case "module", "shard", "key", "namespace":
		if len(rest) == 0 {
			return fmt.Errorf("%w: %s needs a subcommand", errUsage, cmd)
		}
		return runClient(ctx, cmd+" "+rest[0], rest[1:], stdin, stdout)
	case "propose", "query", "status", "login":
		return runClient(ctx, cmd, rest, stdin, stdout)
	case "help", "-h", "--help":
		_, err := fmt.Fprint(stdout, usage)
		return err
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
}
