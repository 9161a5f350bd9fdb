# shelfsync: `make run` to try it, `make test` for every check (what CI runs).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
CHECKS = echo "== ruff"; $(BIN)/ruff check .; $(BIN)/ruff format --check .; echo "== mypy"; $(BIN)/mypy

.PHONY: help install run test check bench clean

help:
	@echo "make run     serve the demo warehouse on http://$(HOST):$(PORT)/"
	@echo "make test    ruff, mypy, pytest (tests/ and e2e/ in Chromium)"
	@echo "make check   ruff and mypy only"
	@echo "make bench   the benchmarks in tests/bench/"
	@echo "make clean   remove caches and test results (keeps .venv and data/)"

$(BIN)/python:
	@echo "== creating $(VENV)"
	$(PYTHON) -m venv $(VENV)

# Re-installed only when pyproject.toml changes.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "== installing shelfsync and its test tools into $(VENV)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

install: $(STAMP)

run: $(STAMP)
	$(BIN)/shelfsync serve --demo-if-empty --host $(HOST) --port $(PORT)

check: $(STAMP)
	@$(CHECKS)

test: $(STAMP)
	@echo "== chromium"
	@chromium="$$($(BIN)/python e2e/ensure_chromium.py)"; \
	echo "$$chromium"; \
	$(CHECKS); \
	echo "== pytest"; \
	CHROMIUM_PATH="$$chromium" $(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP)
	@shopt -s nullglob; \
	scripts=(tests/bench/[!_]*.py); \
	if [ $${#scripts[@]} -eq 0 ]; then echo "no benchmarks in tests/bench/"; exit 0; fi; \
	failed=(); \
	for script in "$${scripts[@]}"; do \
		echo "== $$script"; \
		$(BIN)/python "$$script" || failed+=("$$script"); \
	done; \
	if [ $${#failed[@]} -gt 0 ]; then echo "== failed: $${failed[*]}"; exit 1; fi

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis test-results
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
