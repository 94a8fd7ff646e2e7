# Thin aliases over the `mileage` CLI. `make demo` and `make test` are the README's two commands.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false

.PHONY: demo test test-slow test-all venv browser spark-env lint build app validate docs bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

venv: $(BIN)/.installed

browser:
	./scripts/install-browser.sh

## The Spark target's own environment (.venv-spark), for the Spark parity test
spark-env:
	./scripts/install-spark-env.sh

## The main job: simulate the demo organisation, build the warehouse, serve http://localhost:8501
demo: venv
	$(BIN)/mileage demo

## The fast lane, for developers (7 minutes on 2 cores): lint, then every test not
## marked slow on three pytest-xdist workers (dbt's single-threaded Python leaves a core idle
## with two), each test file on one worker (its module-scoped builds are built once)
PYTEST_FAST := -m "not slow" -n 3 --dist loadfile

test: venv browser spark-env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PYTEST_FAST)

## The slow lane: larger organisations, second seeds, Spark on the small organisation,
## incremental builds, the bench, long property runs
test-slow: venv browser spark-env
	$(BIN)/pytest -m slow -n 3 --dist loadfile

## Everything: the README's test command and what CI runs (.ci/run)
test-all: test test-slow

lint: venv
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

build: venv
	$(BIN)/mileage build

app: venv
	$(BIN)/mileage app

validate: venv
	$(BIN)/mileage validate

docs: venv
	$(BIN)/mileage docs

## Benchmark every stage at a given size, e.g. make bench ARGS="--employees 85000 --days 90 --bucket 1d"
bench: venv
	$(BIN)/mileage bench $(ARGS)

clean:
	rm -rf data target logs artifacts
