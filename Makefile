# Two commands on a fresh machine:  `make serve` (the site)  and  `make test` (everything).
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Select a backend or a slice of the suite, e.g. `make test PYTEST_ARGS="-m docker"`.
PYTEST_ARGS ?=
# What `make test` prepares (apt packages, dockerd, offline images): any of docker browser lab.
PREPARE ?= docker browser lab
export NO_MKDOCS_2_WARNING := 1

.PHONY: setup serve build test outputs l10n-status lint lab-up lab-down lab-status bench lighthouse clean

.venv/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
	  || python3 -m pip install --quiet uv
	$(UV) sync --frozen --quiet --compile-bytecode
	@touch $@

setup: .venv/.synced

serve: setup  ## build the site and serve it on http://127.0.0.1:8000/
	$(PY) -m tools.prepare docker
	.venv/bin/mkdocs serve --dirty --dev-addr $(HOST):$(PORT)

build: setup  ## build the site into site/ (strict)
	$(PY) -m tools.prepare docker
	.venv/bin/mkdocs build --strict

test: setup  ## prepare the local services and run the whole suite
	$(PY) -m tools.prepare $(PREPARE)
	$(PY) -m pytest $(PYTEST_ARGS)

outputs: setup  ## re-run the examples and rewrite the outputs the pages show
	$(PY) -m tools.prepare $(PREPARE)
	$(PY) -m pytest tests/test_examples --update-outputs $(PYTEST_ARGS)

l10n-status: setup  ## pages behind their twin in the other language (from git history)
	$(PY) -m tools.l10n

lint: setup
	.venv/bin/ruff check .

lab-up: setup
	$(PY) -m lab up
lab-down: setup
	$(PY) -m lab down
lab-status: setup
	$(PY) -m lab status

bench: setup  ## the lab's install time, cold start and memory (PSS)
	$(PY) -m tools.prepare lab
	$(PY) -m lab bench

lighthouse: setup  ## Lighthouse on every page of site/ (both palettes; needs node, npm)
	$(PY) -m tools.lighthouse site

clean:
	rm -rf site .cache .pytest_cache
