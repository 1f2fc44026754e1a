# voicescount — the two commands a newcomer needs are `make run` and `make test`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
VOICESCOUNT_HOST ?= 127.0.0.1
VOICESCOUNT_PORT ?= 8000
export VOICESCOUNT_HOST VOICESCOUNT_PORT

.PHONY: install browser run migrate load serve test screenshots check format bench bench-publish clean opensdmx-venv

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "voicescount needs Python 3.11 or newer (set PYTHON=python3.x)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP)

## Debian's chromium for the browser tests (tests/e2e), installed with apt-get when missing.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
browser:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

## Apply database migrations (SQLite under ./var unless VOICESCOUNT_DATABASE_URL says otherwise).
migrate: install
	$(BIN)/voicescount db upgrade

## Load the SDG structures, the voicescount structures and the SDG framework into the store.
load: migrate
	$(BIN)/voicescount registry load

## Load the demo datasets of the five pilot coalitions (idempotent).
demo: load
	$(BIN)/voicescount demo load

## Set up everything and serve on $(VOICESCOUNT_HOST):$(VOICESCOUNT_PORT).
run: demo
	$(BIN)/voicescount serve

serve: install
	$(BIN)/voicescount serve

## The whole test suite, on SQLite and PostgreSQL, with the browser tests in Debian's chromium.
TEST_WORKERS ?= 2
test: install browser opensdmx-venv
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

## The browser tests, saving screenshots of the main pages to docs/screenshots/.
screenshots: install browser
	VOICESCOUNT_SCREENSHOTS=1 $(BIN)/python -m pytest tests/e2e -m browser

check: install
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/ruff format --check src tests scripts bench

format: install
	$(BIN)/ruff check --fix src tests scripts bench
	$(BIN)/ruff format src tests scripts bench

## Intake speed on SQLite and PostgreSQL beside sdmx1 (docs/performance.md); BENCH_ARGS adds options.
BENCH_ROWS ?= 1000000
bench: install
	$(BIN)/python bench/intake.py --rows $(BENCH_ROWS) $(BENCH_ARGS)

## Publishing speed (HTTP downloads, one-series queries) beside sdmx1's writers (docs/performance.md,
## "Publishing"); BENCH_PUBLISH_ARGS adds options, e.g. "--backends sqlite --requests 500".
BENCH_PUBLISH_ROWS ?= 20000
bench-publish: install
	$(BIN)/python bench/publish.py --rows $(BENCH_PUBLISH_ROWS) $(BENCH_PUBLISH_ARGS)

## opensdmx (Python 3.12+) in a virtualenv of its own, for tests/interop (the tests build it if missing).
OPENSDMX_VENV := .venv-opensdmx
OPENSDMX_SPEC ?= opensdmx==0.29.0
# The first of these that runs and is Python 3.12 or newer (a pyenv shim may exist and fail).
PYTHON312 ?= $(or $(shell for p in python3.12 python3.13 python3 /root/.pyenv/versions/3.12.1/bin/python; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && echo $$p && break; done),python3.12)

$(OPENSDMX_VENV)/.installed-stamp: Makefile
	@test -x $(OPENSDMX_VENV)/bin/python || $(PYTHON312) -m venv $(OPENSDMX_VENV)
	$(OPENSDMX_VENV)/bin/python -m pip install --quiet --disable-pip-version-check '$(OPENSDMX_SPEC)'
	@touch $@

opensdmx-venv: $(OPENSDMX_VENV)/.installed-stamp

clean:
	rm -rf $(VENV) $(OPENSDMX_VENV) var .pytest_cache .ruff_cache
