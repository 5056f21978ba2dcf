# How a client SDK's fragment regenerates its code and checks it for drift,
# from its own buf template into a folder that holds generated code only:
#   generate-LANG:      $(call regenerate,TEMPLATE,FOLDER)
#   checkgenerate-LANG: $(call check_generated,TEMPLATE,FOLDER)
# The check generates into a temporary folder and compares it with the
# committed one (ignoring the __pycache__ folders Python may leave).
regenerate = rm -rf $(2) && $(BUF) generate --template $(1)
check_generated = tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && \
	$(BUF) generate --template $(1) -o $$tmp && \
	{ diff -r -x __pycache__ $$tmp/$(2) $(2) >/dev/null || \
	{ diff -rq -x __pycache__ $$tmp/$(2) $(2); echo "generated code is stale: $(2) (run make generate)"; exit 1; }; }
