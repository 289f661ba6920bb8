# sprixen-engine — the two commands a fresh machine needs: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test test-all bench install install-dev lint clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

# Base install: no torch, embedded defaults only.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(PIP) install -e .
	touch $@

# Test install: the local CPU torch first (so `torch>=2.4` is satisfied without a CUDA download),
# then every extra the tests exercise.
$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -c "import torch" 2>/dev/null || $(PIP) install torch==2.13.0
	$(PIP) install -e ".[models,server,dev,bench]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: $(VENV)/.installed
	$(BIN)/sprixen showcase -o showcase
	@echo "open showcase/index.html"

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

test-all: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m "slow or not slow"

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/run.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) showcase build .pytest_cache
