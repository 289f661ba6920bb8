# sprixen-engine — the two commands a fresh machine needs: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test test-all bench install install-dev lint clean map-readers

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

test: $(VENV)/.installed-dev map-readers
	$(BIN)/python -m pytest

test-all: $(VENV)/.installed-dev map-readers
	$(BIN)/python -m pytest -m "slow or not slow"

# Tiled's own tmxrasterizer (Debian package `tiled`) renders the map exports in tests/test_map_export.py.
# Installed with apt when missing and apt is usable; never fails the build (the test then skips with a reason).
map-readers:
	@command -v tmxrasterizer >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else SUDO=none; fi; \
	    if [ "$$SUDO" = none ]; then \
	      echo "warning: tmxrasterizer missing and not root (no sudo): the map rasterizer test will skip"; \
	    else \
	      echo "installing Debian's tiled (tmxrasterizer) for the map export tests"; \
	      export DEBIAN_FRONTEND=noninteractive; \
	      $$SUDO apt-get install -y -q --no-install-recommends tiled >/dev/null 2>&1 \
	      || { $$SUDO apt-get update -q >/dev/null 2>&1 && $$SUDO apt-get install -y -q --no-install-recommends tiled >/dev/null 2>&1; } \
	      || echo "warning: could not install tiled with apt: the map rasterizer test will skip"; \
	    fi; \
	  else \
	    echo "warning: tmxrasterizer missing and apt-get unavailable: the map rasterizer test will skip"; \
	  fi; \
	}

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/run.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) showcase build .pytest_cache
