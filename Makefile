# Synod's developer entry points. `make help` lists them.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help

GO ?= go
BUF := $(GO) tool -modfile=tools/go.mod buf
# The example state machines: the directories of examples/ with a Go main
# package (examples/browser is a web page).
EXAMPLES := $(notdir $(patsubst %/main.go,%,$(wildcard examples/*/main.go)))

# Each client SDK and guest kit keeps its rules in a fragment of mk/ (see
# mk/README.md), which adds its targets to these lists: generate and
# checkgenerate run GENERATE_TARGETS and CHECKGENERATE_TARGETS after the Go
# code's, test runs SDK_TEST_TARGETS after e2e, and examples runs
# EXAMPLE_TARGETS after building the Go examples, and conformance builds
# CONFORMANCE_RUNNERS (each SDK's runner of the client scenario) first.
GENERATE_TARGETS :=
CHECKGENERATE_TARGETS :=
SDK_TEST_TARGETS :=
EXAMPLE_TARGETS :=
CONFORMANCE_RUNNERS :=

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-20s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# make dev's settings; empty means synod dev's default (synod dev --help).
LISTEN ?=
DATA_DIR ?=
RAFT_PORTS ?=

.PHONY: dev
dev: ## Run a three-host cluster and the gateway in one process (synod dev); LISTEN=ADDR DATA_DIR=DIR RAFT_PORTS=FROM-TO
	$(GO) run ./cmd/synod dev $(if $(LISTEN),--listen $(LISTEN)) $(if $(DATA_DIR),--data-dir $(DATA_DIR)) $(if $(RAFT_PORTS),--raft-ports $(RAFT_PORTS))

# The unit packages: all but e2e, whose real clusters and processes take
# minutes, and conformance, which needs every example and SDK built.
UNIT_PACKAGES = $(shell $(GO) list ./... | grep -v -e '/e2e$$' -e '/conformance$$')

# The packages of the patched dragonboat (its own module) that hold
# Synod's tests of its changes (third_party/dragonboat/README.synod.md).
DRAGONBOAT_TESTED = . ./internal/raft/ ./internal/server/ ./internal/transport/

.PHONY: check
check: checkgenerate lint ## The fast subset to run before each commit: lint, checkgenerate and go test -short of all but e2e
	$(GO) test -short -count=1 $(UNIT_PACKAGES)
	cd third_party/dragonboat && $(GO) test -short -count=1 $(DRAGONBOAT_TESTED)

.PHONY: test
test: checkgenerate lint ## Run every check and test, and each fuzz target briefly (what CI runs)
	mk/gotest.sh $(GO) test -race -count=1 -timeout 8m $(UNIT_PACKAGES)
	cd third_party/dragonboat && ../../mk/gotest.sh $(GO) test -race -count=1 $(DRAGONBOAT_TESTED)
	@mk/alongside.sh "SYNOD_TEST_TIME_SCALE=3 mk/gotest.sh $(GO) test -count=1 -parallel 4 -timeout 11m ./e2e/" \
		"$(MAKE) --no-print-directory fuzz FUZZTIME=3s"
	@for t in $(SDK_TEST_TARGETS); do $(MAKE) --no-print-directory $$t || exit 1; done
	@$(MAKE) --no-print-directory conformance
	@$(MAKE) --no-print-directory bench-smoke

# make test runs the unit packages under the race detector, then e2e
# without it, its deadlines tripled (internal/testtime) for busy machines:
# e2e's clusters and processes take 17 minutes under the detector on 2
# cores, past CI's budget, and its hosts' code runs under the detector in
# the unit packages. make e2e-race runs e2e under it too. The e2e tests
# that mostly wait for timers (t.Parallel) run four at a time, not two
# (one a core): they wait together. The fuzz targets run beside e2e,
# which leaves some 45% of the two cores idle as it waits for elections,
# processes and hibernation; of its files they share only the tests'
# compiled-module cache (internal/testwasm), keyed by content. e2e's
# timeout, 11 minutes (it takes 7 to 8 on 2 cores), ends a hung run
# within CI's 20, with the tests it caught running named last.
.PHONY: e2e-race
e2e-race: ## Run the end-to-end tests under the race detector (about 17 minutes on 2 cores)
	$(GO) test -race -count=1 -timeout 25m ./e2e/

# Every fuzz target, as package:Function.
FUZZ_TARGETS := ./host/internal/wasm:FuzzPrecheck ./host/internal/wasm:FuzzValidate ./host/internal/wasm:FuzzHostCalls \
	./host/internal/wasm:FuzzInstrument \
	./host/internal/store:FuzzRecover ./examples/kv:FuzzDecode ./examples/kv:FuzzEncode \
	./sdk/guest:FuzzScan ./internal/raftnet:FuzzInbound ./internal/access:FuzzParseToken \
	./internal/link:FuzzServeConn
FUZZTIME ?= 1m

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME each (default 1m; make test runs 3s)
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; echo "fuzz $$fn in $$pkg for $(FUZZTIME)"; \
		out=$$($(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$pkg 2>&1); status=$$?; echo "$$out"; \
		if [ $$status -ne 0 ] && echo "$$out" | grep -q '^    context deadline exceeded$$' && ! echo "$$out" | grep -q 'Failing input written'; then \
			echo "fuzz $$fn: Go's fuzzing engine missed its own -fuzztime deadline, with no failing input (golang/go#75804, fixed in Go 1.27): once more"; \
			$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		elif [ $$status -ne 0 ]; then exit 1; fi; \
	done

.PHONY: lint
lint: ## gofmt, go vet and buf lint
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=wasip1 GOARCH=wasm $(GO) vet ./sdk/guest/... ./examples/...
	cd bench && $(GO) vet ./...
	$(BUF) lint

.PHONY: generate
generate: ## Regenerate code from proto/
	$(BUF) generate
	@for t in $(GENERATE_TARGETS); do $(MAKE) --no-print-directory $$t || exit 1; done

.PHONY: checkgenerate
checkgenerate: ## Fail if generated code differs from what proto/ generates
	@tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && \
	$(BUF) generate -o $$tmp && \
	for f in $$(cd $$tmp && find . -name '*.go'); do \
		cmp -s $$tmp/$$f $$f || { echo "generated code is stale: $$f (run make generate)"; exit 1; }; \
	done
	@for t in $(CHECKGENERATE_TARGETS); do $(MAKE) --no-print-directory $$t || exit 1; done

.PHONY: examples
examples: ## Build every example state machine to examples/<name>/<name>.wasm
	@for e in $(EXAMPLES); do \
		echo "building examples/$$e/$$e.wasm"; \
		GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -o examples/$$e/$$e.wasm ./examples/$$e || exit 1; \
	done
	@for t in $(EXAMPLE_TARGETS); do $(MAKE) --no-print-directory $$t || exit 1; done

.PHONY: bench
bench: examples ## Benchmark Propose and Query through the gateway over HTTP, and the guest languages' kv examples (docs/benchmarks.md)
	$(GO) test -run '^$$' -bench . -benchtime 10000x -timeout 30m ./e2e/
	$(GO) test -run '^$$' -bench . ./host/internal/wasm/

include $(wildcard mk/*.mk)
