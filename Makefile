# The README's two commands: `make demo` (ingest the replay corpus into Postgres through the real
# queue) and `make test` (the whole suite). Both build their own virtual environment first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv services test demo lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

services:
	./scripts/services.sh

test: venv services
	$(BIN)/pytest

lint: venv
	$(BIN)/ruff check workers schedules tests bench
	$(BIN)/mypy

demo: venv services
	$(BIN)/silkwire demo

bench: venv services
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
