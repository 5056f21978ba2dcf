# The TypeScript client SDK (sdk/typescript): its npm dependencies, the
# code protoc-gen-es generates into TS_GEN (which holds nothing else), and
# its tests against a live synod dev.
TS_SDK := sdk/typescript
TS_GEN := $(TS_SDK)/src/gen
NPM ?= npm

GENERATE_TARGETS += generate-typescript
CHECKGENERATE_TARGETS += checkgenerate-typescript
SDK_TEST_TARGETS += sdk-typescript-test

# npm ci installs the SDK's dependencies exactly as its lockfile says; npm
# writes node_modules/.package-lock.json last, so its presence and age say
# whether node_modules matches the lockfile.
$(TS_SDK)/node_modules/.package-lock.json: $(TS_SDK)/package-lock.json $(TS_SDK)/package.json
	$(NPM) ci --prefix $(TS_SDK) --no-audit --no-fund

.PHONY: generate-typescript
generate-typescript: $(TS_SDK)/node_modules/.package-lock.json
	$(call regenerate,$(TS_SDK)/buf.gen.yaml,$(TS_GEN))

.PHONY: checkgenerate-typescript
checkgenerate-typescript: $(TS_SDK)/node_modules/.package-lock.json
	@$(call check_generated,$(TS_SDK)/buf.gen.yaml,$(TS_GEN))

.PHONY: sdk-typescript-test
sdk-typescript-test: $(TS_SDK)/node_modules/.package-lock.json ## Type-check the TypeScript SDK and run its tests against a live synod dev
	$(NPM) --prefix $(TS_SDK) test

CONFORMANCE_RUNNERS += conformance-runner-typescript

# The TypeScript runner of the client conformance scenario, compiled with
# the tests to $(TS_SDK)/build/conformance/client.js.
.PHONY: conformance-runner-typescript
conformance-runner-typescript: $(TS_SDK)/node_modules/.package-lock.json
	$(NPM) --prefix $(TS_SDK) run build:test
