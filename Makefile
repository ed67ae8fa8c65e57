# The README's two set-up commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# `make run DEMO_FLAGS=--keep-demo-passwords`: demo accounts skip the change at first sign-in.
DEMO_FLAGS ?=

# WeasyPrint needs pango; libharfbuzz-subset0 keeps font subsetting fast (BASELINES.md);
# WenQuanYi Micro Hei covers every GBK character, and HanaMin (fonts-hanazono) the rarer ones
# beyond it (CJK Extensions A-F) that some names hold, so any Chinese name renders.
RUN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-microhei \
	fonts-hanazono fonts-dejavu-core
# PDF checks (pdftotext, pdffonts, qpdf), QR decoding, the real browser for journey tests, and
# pg_dump/pg_restore for the backup tests on PostgreSQL.
TEST_PACKAGES := poppler-utils qpdf zbar-tools chromium postgresql-client

.PHONY: run test lint format serve translations compile-translations clean system-run \
	system-test python-check

run: system-run $(VENV)/.installed compile-translations
	$(BIN)/trainer db upgrade
	TRAINER_HOST=$(HOST) TRAINER_PORT=$(PORT) $(BIN)/trainer demo $(DEMO_FLAGS)
	TRAINER_HOST=$(HOST) TRAINER_PORT=$(PORT) $(BIN)/trainer serve

test: system-run system-test $(VENV)/.installed-test node_modules/.installed compile-translations
	$(BIN)/ruff check .
	$(BIN)/pytest -n auto

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

translations: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o trainer/translations/messages.pot .
	$(BIN)/pybabel update -i trainer/translations/messages.pot -d trainer/translations --no-fuzzy-matching \
	  --ignore-obsolete
	$(BIN)/pybabel compile -d trainer/translations

# The compiled catalogue (.mo) is built, not committed: the .po file is the source.
compile-translations: $(VENV)/.installed
	@$(BIN)/pybabel compile -d trainer/translations

system-run: python-check
	@scripts/system-packages.sh $(RUN_PACKAGES)

system-test:
	@scripts/system-packages.sh $(TEST_PACKAGES)

python-check:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "trainer needs Python 3.11 or newer ($(PYTHON) is $$($(PYTHON) --version))." >&2; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || scripts/system-packages.sh python3-venv

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e '.[postgres,redis]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

# axe-core (npm) checks the pages the browser tests open. Debian's npm is only installed when
# there is no npm at all: a Node.js from elsewhere that brings its own npm stays as it is.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || scripts/system-packages.sh nodejs npm
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache node_modules
