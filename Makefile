# quietlegs — the two commands: `make run` (the main job) and `make test` (every check).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Tests use throw-away data folders; PostgreSQL is the machine's service (trust auth).
TEST_DATA_DIR ?= $(CURDIR)/.quietlegs/test
POSTGRES_URL  ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: run test lint typecheck pytest pytest-sqlite pytest-postgres bench kb-check \
        browser-deps clean messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## The main job: the clinic web app on SQLite with demo data (logins printed).
run: $(STAMP)
	$(BIN)/quietlegs serve --host $(HOST) --port $(PORT)

## Every check: knowledge base, lint, types, tests (SQLite and PostgreSQL), benchmarks.
test: $(STAMP) browser-deps kb-check lint typecheck pytest bench

kb-check: $(STAMP)
	$(BIN)/quietlegs kb check

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	QUIETLEGS_DATA_DIR=$(TEST_DATA_DIR) $(BIN)/mypy

pytest: pytest-sqlite pytest-postgres

## Everything but the browser tests, on the embedded SQLite default.
pytest-sqlite: $(STAMP)
	QUIETLEGS_DATA_DIR=$(TEST_DATA_DIR) $(BIN)/python -m pytest -p no:cacheprovider -m "not browser"

## The web app's tests, browser tests included, on PostgreSQL as in production.
pytest-postgres: $(STAMP) browser-deps
	QUIETLEGS_DATA_DIR=$(TEST_DATA_DIR) DATABASE_URL=$(POSTGRES_URL) \
		$(BIN)/python -m pytest -p no:cacheprovider tests/web

## Debian's chromium for Playwright, axe-core from npm for the accessibility checks, and
## the DejaVu fonts the PDFs are set in (their Cyrillic glyphs).
browser-deps: node_modules/axe-core/axe.min.js
	@{ command -v chromium >/dev/null && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; } || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
		else echo "chromium or fonts-dejavu-core is missing: run 'sudo apt-get install chromium fonts-dejavu-core'" >&2; exit 1; fi; }

node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

bench: $(STAMP)
	$(BIN)/python benchmarks/vignettes.py
	$(BIN)/python benchmarks/assess_speed.py
	$(BIN)/python benchmarks/web_load.py
	$(BIN)/python benchmarks/plm_accuracy.py
	$(BIN)/python benchmarks/tremor_speed.py
	$(BIN)/python benchmarks/plm_speed.py
	$(BIN)/python benchmarks/plm_cli.py
	$(BIN)/python benchmarks/diary_stats.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis node_modules .quietlegs/test

## The Russian UI translation: extract every UI string of the web app (Python, templates,
## e-mail .txt templates) into locale/ru/LC_MESSAGES/django.po, then compile django.mo
## (both committed). Clinical texts come from the knowledge base, not from these files.
WEB_DIR := src/quietlegs/web
messages: $(STAMP)
	cd $(WEB_DIR) && PYTHONPATH=$(CURDIR)/src QUIETLEGS_DATA_DIR=$(TEST_DATA_DIR) \
		$(abspath $(BIN))/python -m quietlegs.web makemessages -l ru --no-obsolete \
		--add-location file -e html,txt,py
	cd $(WEB_DIR) && PYTHONPATH=$(CURDIR)/src QUIETLEGS_DATA_DIR=$(TEST_DATA_DIR) \
		$(abspath $(BIN))/python -m quietlegs.web compilemessages -l ru

## Refresh docs/screenshots/ (the browser tests, saving a PNG of each main page); look at them.
.PHONY: screenshots
screenshots: $(STAMP) browser-deps
	QUIETLEGS_DATA_DIR=$(TEST_DATA_DIR) QUIETLEGS_SCREENSHOTS=docs/screenshots \
		$(BIN)/python -m pytest -p no:cacheprovider -m browser tests/web/browser
