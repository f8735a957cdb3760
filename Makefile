# Claim-check workbench — `make help` lists the targets.
.DEFAULT_GOAL := help
PY := .venv/bin/python
PORT ?= 8501
SEED := ../shared/seeds/000_7328977ade79c96d.txt

.PHONY: help setup model run extract test test-fast lint eval bench clean

help: ## show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

setup: ## install the workbench into .venv (idempotent; no compiler, about a minute)
	@bash scripts/setup.sh run

model: ## add the local-model runtime: llama.cpp built portable (WORKBENCH_LLAMA_BUILD=native: this CPU only)
	@bash scripts/setup.sh model

run: setup ## set up and open the workbench in the browser on the built-in backend
	.venv/bin/workbench ui --server.port $(PORT)

extract: setup ## check the first sample article on the command line
	.venv/bin/workbench extract $(SEED) --format md

lint: ## ruff, mypy and the packages' layers (import-linter: pyproject.toml [tool.importlinter])
	@bash scripts/setup.sh dev
	.venv/bin/ruff check workbench tests $(wildcard bench)
	.venv/bin/mypy
	.venv/bin/lint-imports --no-cache

test: ## set up and run the whole test suite (lint, unit, model, HTTP server, eval gate, browser, load)
	@bash scripts/setup.sh test
	$(MAKE) --no-print-directory lint
	$(PY) -m pytest

test-fast: ## the inner loop: every test that needs no model runtime, no browser and is not slow
	@bash scripts/setup.sh dev
	$(PY) -m pytest -m "not model and not browser and not slow" -q -n 2

eval: ## run the eval suite on the fixtures against the committed baseline
	@bash scripts/setup.sh dev
	.venv/bin/workbench eval

bench: ## print the performance figures (JSON)
	@bash scripts/setup.sh test
	$(PY) bench/run.py --json

clean: ## remove caches and build litter (not the .venv)
	rm -rf .pytest_cache .mypy_cache .ruff_cache .import_linter_cache test-artifacts
