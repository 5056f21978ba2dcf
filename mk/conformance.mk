# The cross-language conformance suites (conformance/README.md): every kv
# example against the vectors on live shards, and every client SDK's
# runner of the client scenario. (The runners are built in the recipe, not
# as prerequisites: the fragments that add them are included after this
# one.)
.PHONY: conformance
conformance: examples ## Build every kv example and SDK runner, and run the conformance suites
	@for t in $(CONFORMANCE_RUNNERS); do $(MAKE) --no-print-directory $$t || exit 1; done
	$(GO) test -count=1 -timeout 10m ./conformance/
