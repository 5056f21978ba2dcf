# The Rust guest kit (sdk/guest-rust) and its kv example (examples/kv-rust),
# built with Debian's Rust 1.63 and its wasm32 standard library: rustup's
# toolchain has no wasm32 target and cannot fetch one (sdk/guest-rust's
# README says why 1.63).
GUEST_RUST := sdk/guest-rust
KV_RUST := examples/kv-rust
RUST_WASM_TARGET := wasm32-unknown-unknown
# One Cargo target directory for the kit and the example, in the kit's
# folder: e2e's TestDocs copies examples/ (make examples writes into it) and
# links sdk/, so a target directory under examples/ would be copied too.
RUST_TARGET_DIR := $(GUEST_RUST)/target
# Debian's tools by their full paths, so that rustup's, earlier on PATH,
# are not picked. The checkout's path is left out of the module (panic
# locations name files from the root). Clones in other paths still build
# other bytes: Cargo hashes the packages' paths into their symbols'
# names, which changes their order.
DEBIAN_CARGO := RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTFLAGS=--remap-path-prefix=$(CURDIR)/= /usr/bin/cargo

EXAMPLE_TARGETS += example-kv-rust
SDK_TEST_TARGETS += guest-rust-test

# Installs Debian's cargo, rustc and wasm32 standard library when they are
# missing (mk/apt.mk).
.PHONY: rust-wasm-toolchain
rust-wasm-toolchain:
	@$(call apt_install,/usr/bin/cargo,cargo)
	@$(call apt_install,/usr/lib/rustlib/$(RUST_WASM_TARGET)/lib,rustc libstd-rust-dev-wasm32)

.PHONY: example-kv-rust
example-kv-rust: rust-wasm-toolchain ## Build examples/kv-rust/kv-rust.wasm, the kv example in Rust
	@echo "building $(KV_RUST)/kv-rust.wasm"
	$(DEBIAN_CARGO) build --quiet --locked --release --target $(RUST_WASM_TARGET) --target-dir $(RUST_TARGET_DIR) --manifest-path $(KV_RUST)/Cargo.toml
	cp $(RUST_TARGET_DIR)/$(RUST_WASM_TARGET)/release/kv_rust.wasm $(KV_RUST)/kv-rust.wasm

.PHONY: guest-rust-test
guest-rust-test: rust-wasm-toolchain ## Run the Rust guest kit's and kv-rust's native tests (the live ones are make conformance's)
	$(DEBIAN_CARGO) test --quiet --locked --target-dir $(RUST_TARGET_DIR) --manifest-path $(GUEST_RUST)/Cargo.toml
	$(DEBIAN_CARGO) test --quiet --locked --target-dir $(RUST_TARGET_DIR) --manifest-path $(KV_RUST)/Cargo.toml
