# Each target sets up what it needs on a fresh machine: `make demo` and `make test` are one command each.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHAPE ?= council directorate national

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/qmr demo demo

test: $(STAMP)
	$(BIN)/ruff check toolkit tests bench macros
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check toolkit tests bench macros

bench: $(STAMP)
	$(BIN)/python bench/bench.py $(addprefix --shape ,$(SHAPE))

clean:
	rm -rf $(VENV) demo build tests/artefacts .pytest_cache
