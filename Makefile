# Ankle Load Lab. Every target creates .venv (python3 -m venv + pip, from requirements.lock) when it is
# missing or the lock / pyproject changed, and does nothing more when nothing changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pip reads these from the environment too; kept quiet and offline-friendly
PIP := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: all reproduce test lint lab bench clean lock help env
all: help

help:
	@echo "make reproduce  build the demo study if absent and render every report into reports/"
	@echo "make test       lint gate, then unit, property, real-data, CLI tests and nbval over every notebook"
	@echo "make lint       ruff check, ruff format --check, mypy (part of make test)"
	@echo "make lab        JupyterLab on notebooks/"
	@echo "make bench      speed and memory benchmarks (ratios against a same-run baseline)"
	@echo "make lock       re-pin requirements.lock from pyproject.toml (needs the package registry)"
	@echo "make clean      remove the environment, rendered reports and derived data"

env: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade "pip==25.3" "setuptools==80.9.0" "wheel==0.45.1"
	$(PIP) install --quiet --requirement requirements.lock
	$(PIP) install --quiet --no-deps --no-build-isolation --editable .
	@touch $(STAMP)

reproduce: $(STAMP)
	$(BIN)/anklelab reproduce

# the lint gate runs first: ruff over the package and the tests, mypy over analysis/ (config in pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check analysis tests
	$(BIN)/ruff format --check analysis tests
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

lab: $(STAMP)
	$(PIP) install --quiet --requirement requirements-lab.lock
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	$(BIN)/anklelab bench

lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/python -m pip install --quiet --upgrade "pip==25.3" "setuptools==80.9.0" "wheel==0.45.1"
	.lockenv/bin/python -m pip install --quiet ".[test]"
	{ echo "# Exact versions of every package in the analysis+test environment (Python 3.11)."; \
	  echo "# Regenerate with: make lock   (never edit by hand; tests/test_environment_sync.py checks it)"; \
	  .lockenv/bin/python -m pip freeze --exclude-editable | grep -v -i '^anklelab'; } > requirements.lock
	.lockenv/bin/python -m pip install --quiet ".[lab]"
	{ echo "# requirements.lock plus JupyterLab and everything it pulls in (make lab). Regenerate with: make lock"; \
	  .lockenv/bin/python -m pip freeze --exclude-editable | grep -v -i '^anklelab'; } > requirements-lab.lock
	rm -rf .lockenv

clean:
	rm -rf $(VENV) reports/*.html reports/*.ipynb reports/*.json reports/*.csv data/demo data/*/derived
