# make bench-compare: Synod as users deploy it (3 synod host processes and
# a synod gateway process) beside a 3-member etcd cluster (Debian's
# etcd-server), under the same loads from separate load-generator
# processes, interleaved round by round (bench/cmd/compare), and a Connect
# server that does nothing (bench/cmd/floor), the most any gateway could
# serve the same hour. The etcd side lives in the bench/ module, so that
# etcd's client stays out of Synod's go.mod.
BENCH_BIN := .bench
ROUNDS ?= 3
DURATION ?= 10s
WARMUP ?= 2s
# The kv module Synod runs in bench-compare: any kv example (they agree
# byte for byte, make conformance), e.g. examples/kv-c/kv-c.wasm.
KV ?= examples/kv/kv.wasm

.PHONY: bench-compare
bench-compare: examples ## Compare Synod's deployed shape with etcd, same loads, interleaved (ROUNDS=3 DURATION=10s WARMUP=2s KV=examples/kv/kv.wasm)
	@$(call apt_install,etcd,etcd-server)
	$(GO) build -o $(BENCH_BIN)/synod ./cmd/synod
	cd bench && $(GO) build -o ../$(BENCH_BIN)/etcdbench ./cmd/etcdbench && $(GO) build -o ../$(BENCH_BIN)/compare ./cmd/compare \
		&& $(GO) build -o ../$(BENCH_BIN)/floor ./cmd/floor
	$(BENCH_BIN)/compare --synod $(BENCH_BIN)/synod --etcd $$(command -v etcd) --etcdbench $(BENCH_BIN)/etcdbench --floor $(BENCH_BIN)/floor \
		--kv $(KV) --rounds $(ROUNDS) --duration $(DURATION) --warmup $(WARMUP)

# make bench-floor: what Connect over HTTP/1.1 costs on this machine with
# nothing behind it (bench/cmd/floor): the floor under the gateway's cost
# in make bench-compare.
.PHONY: bench-floor
bench-floor: ## Measure a Connect server that does nothing, driven by synod bench: the floor under a gateway (DURATION=10s WARMUP=2s)
	$(GO) build -o $(BENCH_BIN)/synod ./cmd/synod
	cd bench && $(GO) build -o ../$(BENCH_BIN)/floor ./cmd/floor
	$(BENCH_BIN)/floor --synod $(BENCH_BIN)/synod --duration $(DURATION) --warmup $(WARMUP)

# make bench-smoke: every bench target in a short mode (one round of 1 s
# a load; ten idle shards; one step of each of bench-scale's sweeps): what
# make test runs, so that the tools keep working end to end. Its figures
# mean nothing. One make runs them all, so that the examples are built
# once.
.PHONY: bench-smoke
bench-smoke: ## Run bench-compare, bench-floor, bench-idle and bench-scale briefly, as CI does (the figures mean nothing)
	@$(MAKE) --no-print-directory bench-compare bench-floor bench-idle bench-scale \
		ROUNDS=1 DURATION=1s WARMUP=0s SHARDS=0,10 HIBERNATE_AFTER=1s SETTLE=3s WINDOW=2s \
		CLIENTS=2 SIZES=1024 SCALE_SHARDS=3 HOSTS=3,5

SHARDS ?= 0,100,1000
# The hosts' --hibernate-after, and how long shards idle before the
# measurement: by default long enough for them to hibernate.
HIBERNATE_AFTER ?= 10s
SETTLE ?= 40s
# How long bench-idle measures the idle hosts.
WINDOW ?= 30s

# make bench-idle: what idle shards cost (bench/cmd/idle).
.PHONY: bench-idle
bench-idle: examples ## Measure idle shards' CPU and memory on 3 host processes, and a cold shard's first call (SHARDS=0,100,1000 HIBERNATE_AFTER=10s SETTLE=40s WINDOW=30s)
	$(GO) build -o $(BENCH_BIN)/synod ./cmd/synod
	cd bench && $(GO) build -o ../$(BENCH_BIN)/idle ./cmd/idle
	$(BENCH_BIN)/idle --synod $(BENCH_BIN)/synod --kv examples/kv/kv.wasm --shards $(SHARDS) \
		--hibernate-after $(HIBERNATE_AFTER) --settle $(SETTLE) --window $(WINDOW)

# make bench-scale: how throughput and latency change as clients, value
# sizes, shards and hosts grow (bench/cmd/scale), one sweep at a time.
CLIENTS ?= 1,16,64,256,1024
SIZES ?= 64,1024,16384,65536
SCALE_SHARDS ?= 1,10,100,1000
HOSTS ?= 3,5
.PHONY: bench-scale
bench-scale: examples ## Measure proposes as clients, value sizes, shards and hosts grow, one at a time, on host processes (CLIENTS SIZES SCALE_SHARDS HOSTS DURATION WARMUP)
	$(GO) build -o $(BENCH_BIN)/synod ./cmd/synod
	cd bench && $(GO) build -o ../$(BENCH_BIN)/scale ./cmd/scale
	$(BENCH_BIN)/scale --synod $(BENCH_BIN)/synod --kv examples/kv/kv.wasm --clients $(CLIENTS) --sizes $(SIZES) \
		--shards $(SCALE_SHARDS) --hosts $(HOSTS) --duration $(DURATION) --warmup $(WARMUP)
