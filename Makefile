# The README's two commands: `make demo` (ingest the replay corpus into Postgres through the real
# queue) and `make test` (the whole suite). Both build their own virtual environment first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv services test demo lint bench clean wheel-check docker compose-test

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

# The wheel, installed non-editable into a fresh venv outside the tree, run end to end (issue 13).
wheel-check: venv services
	./scripts/wheel-check.sh

# A Docker engine (dockerd 20.10 from Debian), and stand-ins for base images Docker Hub cannot serve.
docker:
	./scripts/docker-engine.sh
	./deploy/standins/build.sh

# The shipped compose stack for real: tests/compose/run.py prints a table of its steps.
compose-test: venv services docker
	$(BIN)/python tests/compose/run.py

bench: venv services
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
