# The Python client SDK (sdk/python): its virtual environment, made from
# requirements.txt by the machine's python3; the code protoc-gen-py and
# protoc-gen-connectrpc generate into PY_GEN (which holds nothing else);
# its type check and tests against a live synod dev; and the venv its
# conformance runner needs.
PY_SDK := sdk/python
PY_GEN := $(PY_SDK)/src/synod/_gen
PY_VENV := $(PY_SDK)/.venv
PYTHON3 ?= python3

GENERATE_TARGETS += generate-python
CHECKGENERATE_TARGETS += checkgenerate-python
SDK_TEST_TARGETS += sdk-python-test
CONFORMANCE_RUNNERS += conformance-runner-python

# The stamp is written last, so its presence and age say whether the venv
# holds exactly what requirements.txt pins (--no-deps: it pins every
# dependency, and pip check proves none is missing). synod.pth puts the
# SDK's source on the venv's path, as an editable install would, without
# a build backend to fetch.
$(PY_VENV)/.installed: $(PY_SDK)/requirements.txt
	rm -rf $(PY_VENV)
	$(PYTHON3) -m venv $(PY_VENV)
	$(PY_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -r $(PY_SDK)/requirements.txt
	$(PY_VENV)/bin/pip check --disable-pip-version-check
	echo "$(abspath $(PY_SDK)/src)" > $$($(PY_VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/synod.pth
	touch $@

.PHONY: generate-python
generate-python: $(PY_VENV)/.installed
	$(call regenerate,$(PY_SDK)/buf.gen.yaml,$(PY_GEN))

.PHONY: checkgenerate-python
checkgenerate-python: $(PY_VENV)/.installed
	@$(call check_generated,$(PY_SDK)/buf.gen.yaml,$(PY_GEN))

.PHONY: sdk-python-test
sdk-python-test: $(PY_VENV)/.installed ## Type-check the Python SDK (mypy --strict) and run its tests against a live synod dev
	cd $(PY_SDK) && .venv/bin/mypy && .venv/bin/pytest

# The Python runner of the client conformance scenario,
# $(PY_SDK)/conformance/client.py, needs only the venv, whose path has the
# SDK on it.
.PHONY: conformance-runner-python
conformance-runner-python: $(PY_VENV)/.installed
