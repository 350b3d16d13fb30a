# quietlegs — the two commands: `make run` (the main job) and `make test` (every check).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck pytest bench kb-check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## The main job: the interview in the terminal, then the report.
run: $(STAMP)
	$(BIN)/quietlegs assess

## Every check: knowledge base, lint, types, tests, then the benchmarks.
test: $(STAMP) kb-check lint typecheck pytest bench

kb-check: $(STAMP)
	$(BIN)/quietlegs kb check

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python benchmarks/vignettes.py
	$(BIN)/python benchmarks/assess_speed.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
