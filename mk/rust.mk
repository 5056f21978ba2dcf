# The Rust client SDK (sdk/rust): the codegen plugins, built from crates.io
# into RUST_PLUGINS (gitignored, under the SDK's target/), the code they
# generate into RUST_GEN (which holds nothing else), and its tests against a
# live synod dev, with rustup's installed stable toolchain.
RUST_SDK := sdk/rust
RUST_GEN := $(RUST_SDK)/src/gen
RUST_PLUGINS := $(RUST_SDK)/target/plugins
CARGO ?= cargo
# The plugins' crates, pinned; --locked builds each with its own published
# Cargo.lock.
RUST_PLUGIN_CRATES := protoc-gen-buffa@0.9.2 protoc-gen-buffa-packaging@0.9.2 connectrpc-codegen@0.9.0

# Cargo's target directory lives outside the clone, as Go's build cache
# does, and sdk/rust/target links to it: a fresh clone on a machine that
# built the SDK before (CI's) compiles only what changed, not every crate
# again. RUST_TARGET names another place; a clone whose sdk/rust/target
# is already a directory keeps it. Cargo locks the directory, so clones
# that build at once take turns.
RUST_TARGET ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/synod/rust-target

$(RUST_SDK)/target:
	mkdir -p $(RUST_TARGET) && ln -s $(RUST_TARGET) $@

GENERATE_TARGETS += generate-rust
CHECKGENERATE_TARGETS += checkgenerate-rust
SDK_TEST_TARGETS += sdk-rust-test

# The plugins are built once, in debug mode (a minute or so on 2 cores,
# against four in release: they run for two seconds), and kept until this
# file, which pins them, changes. They share the SDK's
# target directory (and its .cargo/config.toml: no debug info), so a crate
# both need at the same version and features builds once.
# sdk/rust/README.md has the figures.
$(RUST_PLUGINS)/.stamp: mk/rust.mk | $(RUST_SDK)/target
	cd $(RUST_SDK) && CARGO_TARGET_DIR=target $(CARGO) install --quiet --locked --debug --force --root target/plugins $(RUST_PLUGIN_CRATES)
	touch $@

# The plugins take a minute to build, so a clone without them checks the
# committed code for drift against the fingerprint make generate records
# beside it, RUST_GEN_SUM: a digest of what the code was generated from
# (the image buf builds of proto/ with its comments, the template, and the
# plugins' pinned versions) and a digest of the code. The code is stale
# when either differs: proto/ changed and nobody regenerated, or a
# generated file was edited. With the plugins built (make generate builds
# them), it also regenerates the code and compares, as the other SDKs do.
RUST_GEN_SUM := $(RUST_SDK)/gen.sha256
rust_gen_sums = \
	echo "inputs $$({ $(BUF) build proto -o -; cat $(RUST_SDK)/buf.gen.yaml; echo $(RUST_PLUGIN_CRATES); } | sha256sum | cut -d' ' -f1)" && \
	echo "code $$(cd $(RUST_GEN) && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)"

.PHONY: generate-rust
generate-rust: $(RUST_PLUGINS)/.stamp
	$(call regenerate,$(RUST_SDK)/buf.gen.yaml,$(RUST_GEN))
	@{ $(rust_gen_sums); } > $(RUST_GEN_SUM)

.PHONY: checkgenerate-rust
checkgenerate-rust:
	@if [ -e $(RUST_PLUGINS)/.stamp ]; then $(call check_generated,$(RUST_SDK)/buf.gen.yaml,$(RUST_GEN)); fi
	@{ $(rust_gen_sums); } | diff - $(RUST_GEN_SUM) >/dev/null || \
		{ echo "generated code is stale: $(RUST_GEN) does not match $(RUST_GEN_SUM) (run make generate)"; exit 1; }

.PHONY: sdk-rust-test
sdk-rust-test: | $(RUST_SDK)/target
sdk-rust-test: ## Run the Rust SDK's tests against a live synod dev (and build its conformance runner)
	cd $(RUST_SDK) && $(CARGO) test --locked

CONFORMANCE_RUNNERS += conformance-runner-rust

# The Rust runner of the client conformance scenario: the SDK's example
# conformance, at $(RUST_SDK)/target/debug/examples/conformance (already
# built, so fresh, when sdk-rust-test ran first).
.PHONY: conformance-runner-rust
conformance-runner-rust: | $(RUST_SDK)/target
	cd $(RUST_SDK) && $(CARGO) build --locked --example conformance
