# The two commands a newcomer types: `make run` and `make test`. Both install into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint schema bench clean help

help:
	@echo "make run     install, migrate, seed demo data once, serve GraphiQL on http://127.0.0.1:8000/graphql"
	@echo "make test    install and run lint, type checks and the whole test suite"
	@echo "make lint    ruff and mypy (strict)"
	@echo "make schema  regenerate schema.graphql from the code"
	@echo "make clean   remove .venv and the embedded database under .data"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# `make run` needs the gateway alone; `make test` adds the pinned test tools. Each reinstalls
# whenever pyproject.toml changes.
RUNTIME := $(VENV)/.installed-runtime
TOOLS := $(VENV)/.installed-test

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TOOLS): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(RUNTIME)

run: $(RUNTIME)
	$(BIN)/hoks-gateway serve --demo

lint: $(TOOLS)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# The GraphQL-over-HTTP audit (tests/conformance) runs graphql-http under node.
AUDIT_DEPS := tests/conformance/node_modules/.package-lock.json
$(AUDIT_DEPS): tests/conformance/package-lock.json
	cd tests/conformance && npm ci --no-audit --no-fund --silent

test: lint $(AUDIT_DEPS)
	$(BIN)/pytest

schema: $(RUNTIME)
	$(BIN)/python -m hoks_gateway.graphql.export > schema.graphql

clean:
	rm -rf $(VENV) .data
