# The C guest kit (sdk/guest-c) and its kv example (examples/kv-c): the
# Debian toolchain they build with, the example's module, and the native
# unit tests of the kit and of the example's JSON codec.
GUEST_C := sdk/guest-c
KV_C := examples/kv-c
# Debian 12's LLVM 14 (guest-c-toolchain installs it): clang and wasm-ld,
# WASI's libc (with the reactor start file, crt1-reactor.o) and the
# compiler's runtime for wasm32.
GUEST_C_CLANG ?= clang-14
# A reactor (docs/abi.md): the host calls _initialize, then the synod_*
# entry points; there is no _start. wasm-ld exports the memory, and the
# kit's export_name attributes the entry points; --strip-all drops the
# names section, which the host does not need.
GUEST_C_CFLAGS := --target=wasm32-wasi -mexec-model=reactor -O2 -std=c11 -Wall -Wextra -Werror -I$(GUEST_C)
GUEST_C_LDFLAGS := -Wl,--strip-all
GUEST_C_SRC := $(wildcard $(GUEST_C)/*.c) $(wildcard $(GUEST_C)/*.h)
KV_C_SRC := $(wildcard $(KV_C)/*.c) $(wildcard $(KV_C)/*.h)
# The native unit tests, built with the sanitizers on: the kit's, against
# a fake host, and the kv example's JSON codec's.
NATIVE_CC ?= cc
NATIVE_CFLAGS := -std=c11 -Wall -Wextra -Werror -g -fsanitize=address,undefined -I$(GUEST_C)
GUEST_C_TEST := $(GUEST_C)/build/kit_test
KV_C_TEST := $(KV_C)/build/codec_test
KV_C_CODEC := $(addprefix $(KV_C)/,decode.c encode.c plain.c utf8.c)

EXAMPLE_TARGETS += example-kv-c

# guest-c-toolchain installs each package of the toolchain that is
# missing (mk/apt.mk), telling it by a file it installs.
.PHONY: guest-c-toolchain
guest-c-toolchain:
	@$(call apt_install,clang-14,clang-14)
	@$(call apt_install,/usr/lib/llvm-14/bin/wasm-ld,lld-14)
	@$(call apt_install,/usr/lib/wasm32-wasi/crt1-reactor.o,wasi-libc)
	@$(call apt_install,/usr/lib/llvm-14/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a,libclang-rt-14-dev-wasm32)

$(GUEST_C_TEST): $(wildcard $(GUEST_C)/test/*) $(GUEST_C_SRC)
	@mkdir -p $(@D)
	$(NATIVE_CC) $(NATIVE_CFLAGS) -o $@ $(wildcard $(GUEST_C)/test/*.c) $(filter %.c,$(GUEST_C_SRC))

$(KV_C_TEST): $(KV_C)/test/codec_test.c $(KV_C_SRC) $(GUEST_C)/synod_buf.c $(GUEST_C)/synod.h
	@mkdir -p $(@D)
	$(NATIVE_CC) $(NATIVE_CFLAGS) -o $@ $(KV_C)/test/codec_test.c $(KV_C_CODEC) $(GUEST_C)/synod_buf.c

.PHONY: test-guest-c
test-guest-c: $(GUEST_C_TEST) $(KV_C_TEST) ## Run the C guest kit's and the C kv example's unit tests, natively
	$(GUEST_C_TEST)
	$(KV_C_TEST)

# The module is built once the kit and its codec have passed their tests,
# which take a second.
$(KV_C)/kv-c.wasm: $(GUEST_C_SRC) $(KV_C_SRC) $(GUEST_C_TEST) $(KV_C_TEST) | guest-c-toolchain
	$(GUEST_C_TEST)
	$(KV_C_TEST)
	$(GUEST_C_CLANG) $(GUEST_C_CFLAGS) $(GUEST_C_LDFLAGS) -o $@ $(filter %.c,$(GUEST_C_SRC) $(KV_C_SRC))

.PHONY: example-kv-c
example-kv-c: $(KV_C)/kv-c.wasm ## Build the C kv example to examples/kv-c/kv-c.wasm
