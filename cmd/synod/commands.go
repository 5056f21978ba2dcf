package main

// commandTree returns the CLI's commands: what run dispatches, help
// describes and completion offers.
func commandTree() *command {
	root := &command{
		name:    "synod",
		summary: "Synod runs consensus as a service, with your state machine in WebAssembly, and talks to it.",
		doc: `Commands that call a gateway take the global flags before or after the
command, and send the API key in $SYNOD_TOKEN, or the one saved for --addr
by synod login or synod dev. DATA "-" reads standard input.`,
		examples: []string{
			"synod dev",
			"synod module upload examples/kv/kv.wasm",
			"synod --addr https://synod.example.com:7070 shard list",
			"synod --json propose mykv '{\"op\":\"put\",\"key\":\"a\",\"value\":\"1\"}'",
		},
		subs: []*command{
			devCommand(),
			hostCommand(),
			gatewayCommand(),
			certsCommand(),
			moduleCommand(),
			shardCommand(),
			{name: "propose", args: []string{"NAME", "DATA"}, client: propose,
				summary: "Propose a command to a shard's state machine; prints its result",
				doc: `The command is ordered by Raft and applied on a majority of the shard's
replicas before the result is printed. DATA "-" reads standard input. With
--idempotency-key, sending the command again returns the first result
instead of running it twice: retry such a command freely.`,
				examples: []string{
					"synod propose mykv '{\"op\":\"put\",\"key\":\"greeting\",\"value\":\"hello\"}'",
					"synod --json propose mykv - < command.json   # also shows the index and fuel used",
					"synod propose --idempotency-key order-42 mykv '{\"op\":\"put\",\"key\":\"order\",\"value\":\"42\"}'",
				}},
			{name: "query", args: []string{"NAME", "DATA"}, client: query,
				summary: "Query a shard's state machine; prints the result",
				doc: `A linearizable query sees every command applied before it was made; a
stale one reads any replica's state, faster. DATA "-" reads standard input.`,
				examples: []string{
					"synod query mykv '{\"op\":\"get\",\"key\":\"greeting\"}'",
					"synod query mykv '{\"op\":\"list\",\"prefix\":\"greet\"}' --consistency stale",
					"synod query mykv '{\"op\":\"get\",\"key\":\"greeting\"}' --consistency at-least-index --min-index 42",
				}},
			{name: "bench", args: []string{"SHARD"}, client: bench,
				summary: "Measure a shard of the kv example under load: calls a second and latency",
				doc:     benchDoc,
				examples: []string{
					"synod bench mykv --module examples/kv/kv.wasm",
					"synod bench mykv --op query --consistency stale --clients 256 --duration 30s",
					"synod --json bench mykv --clients 1",
				}},
			{name: "new", args: []string{"NAME"}, local: newCommand,
				summary: "Make the project of a new state machine: source, test, Makefile, README",
				doc: `The project builds NAME.wasm with make build, and tests the state machine
against the guest SDK's in-memory shard with make test. It holds a copy of
the guest SDK that its go.mod points at, so it builds offline: the module
github.com/synodhq/synod cannot be fetched with go get.`,
				examples: []string{
					"synod new tally && cd tally && make test build",
					"synod new tally --lang go --dir ~/src/tally",
				}},
			{name: "status", client: noFlags(status),
				summary:  "Show every host and shard: state, leaders, applied indexes, lag",
				examples: []string{"synod status", "synod --json status"}},
			keyCommand(),
			namespaceCommand(),
			{name: "login", client: noFlags(login),
				summary: "Save an API key's token for --addr; reads the token on standard input",
				doc: `The token is checked with the gateway, then saved in the CLI's credentials
file for the gateway's URL, readable only by you.`,
				examples: []string{"synod --addr https://synod.example.com:7070 login < admin.token"}},
			{name: "version", local: versionCommand,
				summary: "Print the version, commit and Go version of this binary"},
			{name: "completion", args: []string{"SHELL"}, choices: shells, local: completionCommand,
				summary: "Print a shell completion script: bash, zsh or fish",
				doc:     completionDoc,
				examples: []string{
					"source <(synod completion bash)",
					"synod completion fish > ~/.config/fish/completions/synod.fish",
				}},
			{name: "help", args: []string{"[COMMAND]..."}, varArgs: true,
				summary:  "Show a command's usage, flags and examples",
				examples: []string{"synod help", "synod help shard create"}},
			{name: completeCommand, varArgs: true, hidden: true, local: completeWords},
		},
	}
	root.sub("help").local = helpCommand(root)
	setParents(root)
	return root
}

func setParents(c *command) {
	for _, s := range c.subs {
		s.parent = c
		setParents(s)
	}
}

func devCommand() *command {
	return &command{name: "dev", local: runDev, settings: true,
		summary: "Run a development cluster, hosts and a gateway, in one process",
		doc: `Its data lives in --data-dir and survives restarts. It makes the cluster's
first (admin) key and saves it for the CLI. The hosts' Raft ports are
chosen on the first start (from --raft-ports if given) and kept in the data
directory.`,
		examples: []string{
			"synod dev",
			"synod dev --listen 127.0.0.1:8080 --data-dir /tmp/synod --raft-ports 9000-9010",
			"synod dev --hosts 1 --tls-cert certs/public.crt --tls-key certs/public.key",
		}}
}

func hostCommand() *command {
	return &command{name: "host", local: runHost, settings: true,
		summary: "Run one host of a cluster; drain or remove one",
		doc: `A new cluster starts from --initial-cluster, the same list in the same
order on every first host; a host joins a running one with --join.`,
		examples: []string{
			"synod host --name h1 --data-dir /var/lib/synod --listen 10.0.0.1:7171 \\\n      --initial-cluster h1=10.0.0.1:7301,h2=10.0.0.2:7301,h3=10.0.0.3:7301",
			"synod host drain h2",
		},
		subs: []*command{
			{name: "drain", args: []string{"HOST"}, client: noFlags(hostDrain),
				summary:  "Move every replica off a host; it gets no new ones",
				examples: []string{"synod host drain h2"}},
			{name: "remove", args: []string{"HOST"}, client: noFlags(hostRemove),
				summary:  "Remove a drained (or dead) host from the cluster for good",
				examples: []string{"synod host remove h2"}},
		}}
}

func gatewayCommand() *command {
	return &command{name: "gateway", local: runGateway, settings: true,
		summary: "Run a gateway: the public API, in front of a cluster's hosts",
		doc: `A gateway needs the internal API URL of at least one host; it reads the
rest of the cluster from the catalogue. It keeps no state. It runs Go's
garbage collector at GOGC=400 unless GOGC is set in its environment.`,
		examples: []string{
			"synod gateway --listen 0.0.0.0:7070 --tls-cert public.crt --tls-key public.key \\\n      --hosts https://10.0.0.1:7171,https://10.0.0.2:7171",
		}}
}

func certsCommand() *command {
	return &command{name: "certs",
		summary: "Make a development CA and certificates for TLS",
		subs: []*command{
			{name: "init", local: certsInit,
				summary:  "Make a cluster CA in a directory",
				examples: []string{"synod certs init --dir certs"}},
			{name: "issue", local: certsIssue,
				summary:  "Issue a certificate signed by the directory's CA",
				examples: []string{"synod certs issue --dir certs --name h1 --hosts h1.example,10.0.0.1"}},
		}}
}

func moduleCommand() *command {
	const prefix = "HASH is a module's hash or any unique prefix of it, as synod module list shows."
	return &command{name: "module",
		summary: "Upload, list, show and delete modules (state machines)",
		subs: []*command{
			{name: "upload", args: []string{"FILE"}, client: noFlags(moduleUpload),
				summary:  "Upload a .wasm module; prints its hash",
				examples: []string{"synod module upload examples/kv/kv.wasm"}},
			{name: "list", client: noFlags(moduleList),
				summary:  "List the namespace's modules",
				examples: []string{"synod module list", "synod --json module list   # full hashes"}},
			{name: "get", args: []string{"HASH"}, client: noFlags(moduleGet),
				summary: "Show a module", doc: prefix,
				examples: []string{"synod module get 3fa2c1"}},
			{name: "delete", args: []string{"HASH"}, client: noFlags(moduleDelete),
				summary: "Delete a module no shard runs", doc: prefix,
				examples: []string{"synod module delete 3fa2c1"}},
		}}
}

func shardCommand() *command {
	return &command{name: "shard",
		summary: "Create, list, show and delete shards; place their replicas",
		subs: []*command{
			{name: "create", args: []string{"NAME"}, client: shardCreate,
				summary: "Create a shard that runs a module",
				examples: []string{
					"synod shard create mykv --module examples/kv/kv.wasm",
					"synod shard create mykv --module 3fa2c1 --replicas 1 --fuel 50000000",
				}},
			{name: "list", client: noFlags(shardList),
				summary:  "List the namespace's shards",
				examples: []string{"synod shard list"}},
			{name: "get", args: []string{"NAME"}, client: noFlags(shardGet),
				summary:  "Show a shard: module, replicas, leader, applied index",
				examples: []string{"synod shard get mykv", "synod --json shard get mykv"}},
			{name: "delete", args: []string{"NAME"}, client: noFlags(shardDelete),
				summary:  "Delete a shard and its data",
				examples: []string{"synod shard delete mykv"}},
			{name: "add-replica", args: []string{"NAME", "HOST"}, client: noFlags(shardAddReplica),
				summary:  "Add a replica of a shard on a host (up to 5 replicas)",
				examples: []string{"synod shard add-replica mykv h4"}},
			{name: "remove-replica", args: []string{"NAME", "HOST"}, client: noFlags(shardRemoveReplica),
				summary:  "Remove a shard's replica from a host (not the last one)",
				examples: []string{"synod shard remove-replica mykv h4"}},
			{name: "move-replica", args: []string{"NAME", "FROM", "TO"}, client: noFlags(shardMoveReplica),
				summary:  "Move a shard's replica from one host to another",
				examples: []string{"synod shard move-replica mykv h2 h4"}},
			{name: "transfer-leader", args: []string{"NAME", "HOST"}, client: noFlags(shardTransferLeader),
				summary:  "Make a shard's replica on a host its leader",
				examples: []string{"synod shard transfer-leader mykv h1"}},
			{name: "check", args: []string{"NAME"}, client: noFlags(shardCheck),
				summary:  "Check that a shard's replicas hold the same state",
				examples: []string{"synod shard check mykv"}},
		}}
}

func keyCommand() *command {
	return &command{name: "key",
		summary: "Create, list and revoke API keys",
		subs: []*command{
			{name: "create", args: []string{"NAME"}, client: keyCreate,
				summary: "Create an API key; prints its token, once",
				examples: []string{
					"synod key create deploy-bot --role shop=writer",
					"synod key create ops --cluster-admin",
				}},
			{name: "list", client: noFlags(keyList),
				summary:  "List API keys: ids, names, roles; never secrets",
				examples: []string{"synod key list"}},
			{name: "revoke", args: []string{"ID"}, client: noFlags(keyRevoke),
				summary:  "Revoke an API key; every gateway refuses it within seconds",
				examples: []string{"synod key revoke 3f2a9c0d1e4b"}},
			{name: "whoami", client: noFlags(keyWhoAmI),
				summary:  "Show the key the CLI sends",
				examples: []string{"synod key whoami"}},
		}}
}

func namespaceCommand() *command {
	return &command{name: "namespace",
		summary: "Show and set a namespace's quota (--namespace)",
		subs: []*command{
			{name: "get", client: noFlags(namespaceGet),
				summary:  "Show a namespace's quota and what it uses of it",
				examples: []string{"synod namespace get --namespace shop"}},
			{name: "set-quota", client: namespaceSetQuota,
				summary:  "Set a namespace's quota; only the limits given change",
				examples: []string{"synod namespace set-quota --namespace shop --shards 500 --requests-per-second 50000"}},
		}}
}
