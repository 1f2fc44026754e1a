# voicescount — the two commands a newcomer needs are `make run` and `make test`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
VOICESCOUNT_HOST ?= 127.0.0.1
VOICESCOUNT_PORT ?= 8000
export VOICESCOUNT_HOST VOICESCOUNT_PORT

.PHONY: install run migrate load serve test check format bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "voicescount needs Python 3.11 or newer (set PYTHON=python3.x)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP)

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

## The whole test suite, on SQLite and PostgreSQL.
test: install
	$(BIN)/python -m pytest

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

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
