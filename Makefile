# Claim-check workbench — `make help` lists the targets.
.DEFAULT_GOAL := help
PY := .venv/bin/python
PORT ?= 8501
SEED := ../shared/seeds/000_7328977ade79c96d.txt

.PHONY: help setup run extract test test-fast lint eval bench clean

help: ## show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

setup: ## install Debian packages and the .venv (idempotent)
	@bash scripts/setup.sh

run: setup ## set up and open the workbench in the browser on the embedded model
	.venv/bin/workbench ui --server.port $(PORT)

extract: setup ## check the first sample article on the command line
	.venv/bin/workbench extract $(SEED) --format md

lint: setup ## ruff and mypy
	.venv/bin/ruff check workbench tests $(wildcard bench)
	.venv/bin/mypy

test: setup lint ## set up and run the whole test suite (unit, model, HTTP server, eval gate, browser)
	$(PY) -m pytest

test-fast: setup ## the inner loop: every test that needs no model and no browser (lint not included)
	$(PY) -m pytest -m "not model and not browser" -q

eval: setup ## run the eval suite on the fixtures against the committed baseline
	.venv/bin/workbench eval

bench: setup ## print the performance figures (JSON)
	$(PY) bench/run.py --json

clean: ## remove caches and build litter (not the .venv)
	rm -rf .pytest_cache .mypy_cache .ruff_cache test-artifacts
