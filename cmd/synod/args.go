package main

import (
	"cmp"
	"flag"
	"fmt"
	"os"
)

// parseArgs parses flags that may come before, between or after positional
// arguments, and checks that exactly want positional arguments remain.
func parseArgs(fs *flag.FlagSet, args []string, want int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%w: %w", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) != want {
		return nil, fmt.Errorf("%w: %s takes %d argument(s), got %d", errUsage, fs.Name(), want, len(pos))
	}
	return pos, nil
}

// clientFlags are the flags of every client command.
type clientFlags struct {
	addr      string
	namespace string
	ca        string
	json      bool
}

func addClientFlags(fs *flag.FlagSet) *clientFlags {
	cf := &clientFlags{}
	fs.StringVar(&cf.addr, "addr", cmp.Or(os.Getenv("SYNOD_ADDR"), "http://127.0.0.1:7070"), "gateway URL (env SYNOD_ADDR)")
	fs.StringVar(&cf.namespace, "namespace", cmp.Or(os.Getenv("SYNOD_NAMESPACE"), "default"), "namespace of the modules and shards named (env SYNOD_NAMESPACE)")
	fs.StringVar(&cf.ca, "tls-ca", os.Getenv("SYNOD_TLS_CA"), "PEM CA bundle to verify an https:// gateway with, instead of the system's (env SYNOD_TLS_CA)")
	fs.BoolVar(&cf.json, "json", false, "print JSON for scripts")
	return cf
}
