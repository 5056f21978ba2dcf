# The AssemblyScript guest kit (sdk/guest-assemblyscript): its codec's
# tests, and the kv example built on it (examples/kv-assemblyscript). Both
# take the AssemblyScript compiler from npm, pinned in their lockfiles.
GAS_KIT := sdk/guest-assemblyscript
GAS_KV := examples/kv-assemblyscript
NPM ?= npm

EXAMPLE_TARGETS += example-kv-assemblyscript
SDK_TEST_TARGETS += guest-assemblyscript-test

# npm ci installs exactly what each lockfile says; npm writes
# node_modules/.package-lock.json last, so its presence and age say whether
# node_modules matches the lockfile.
$(GAS_KIT)/node_modules/.package-lock.json: $(GAS_KIT)/package-lock.json $(GAS_KIT)/package.json
	$(NPM) ci --prefix $(GAS_KIT) --no-audit --no-fund

$(GAS_KV)/node_modules/.package-lock.json: $(GAS_KV)/package-lock.json $(GAS_KV)/package.json
	$(NPM) ci --prefix $(GAS_KV) --no-audit --no-fund

.PHONY: example-kv-assemblyscript
example-kv-assemblyscript: $(GAS_KV)/node_modules/.package-lock.json ## Build examples/kv-assemblyscript/kv-assemblyscript.wasm
	@echo "building $(GAS_KV)/kv-assemblyscript.wasm"
	$(NPM) --prefix $(GAS_KV) run --silent build

.PHONY: guest-assemblyscript-test
guest-assemblyscript-test: $(GAS_KIT)/node_modules/.package-lock.json ## Test the AssemblyScript guest kit's JSON codec under node
	$(NPM) --prefix $(GAS_KIT) test
