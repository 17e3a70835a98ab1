# The two commands a new user needs: `make demo` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
PY := $(VENV)/bin/python
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(shell command -v $(PYTHON))

.PHONY: demo test lint types contracts check pytest bench loadtest audit screens messages clean help

help:
	@echo "make demo   - install, migrate, seed a demo call and serve it on http://127.0.0.1:8000"
	@echo "make test   - install if needed, then lint, types, import contracts, checks and tests"
	@echo "make bench  - performance benchmarks (prints a table)"
	@echo "make audit  - bandit and pip-audit"
	@echo "make screens - screenshots of every page per role and language at 1280 and 360 px + axe summary (var/screens/)"
	@echo "make messages - refresh the translation catalogues (locale/<lang>/LC_MESSAGES/django.po) and compile them"

# uv installs the exact versions in uv.lock in seconds; it lives in its own small venv so that
# `uv sync` never removes itself from the project environment.
$(UV):
	@$(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	@$(UV) sync --frozen --quiet
	@touch $@

install: $(VENV)/.synced

demo: install
	@$(PY) scripts/port_free.py 127.0.0.1 8000
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py seed_demo
	@echo "Serving on http://127.0.0.1:8000 (Ctrl-C stops)."
	@DJANGO_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000 --noreload

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: install
	$(VENV)/bin/mypy .

contracts: install
	$(VENV)/bin/lint-imports

check: install
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run

# The default tier runs on both cores; the services and browser tiers run on their own because
# they start a Celery worker and a live server (exit code 5 means no test was selected).
pytest: install
	$(PY) -m pytest -n 2 -m "not services and not browser"
	@$(PY) -m pytest -m "services or browser"; rc=$$?; if [ $$rc -eq 5 ]; then echo "no services or browser tests collected"; exit 0; fi; exit $$rc

test: lint types contracts check pytest

bench: install
	$(PY) bench/run_all.py

# Needs PostgreSQL and Redis on loopback (DATABASE_URL / REDIS_URL, started as in .ci/run).
loadtest: install
	$(PY) bench/loadtest.py

audit: install
	$(PY) scripts/audit.py

# Seeds a demo into a throw-away SQLite under var/screens/run, serves it, and writes PNGs of
# every page for every role plus var/screens/axe-summary.txt (needs Chromium at /usr/bin/chromium).
screens: install
	$(PY) scripts/screens.py

# One django.po per language under locale/<lang>/LC_MESSAGES/, the layout hosted translation
# platforms read (docs/translating.md). References name the file without a line number, so a
# refresh changes only what really changed; obsolete entries are dropped. The static/js files
# have no text of their own, so there is no djangojs catalogue.
LOCALES := de es fr pt_BR
messages: install
	$(PY) manage.py makemessages $(addprefix --locale=,$(LOCALES)) --add-location=file --no-obsolete \
		--ignore=.venv --ignore=.tools --ignore=var --ignore=tests --ignore=bench --ignore=scripts
	$(PY) manage.py compilemessages $(addprefix --locale=,$(LOCALES)) --ignore=.venv --ignore=.tools

clean:
	rm -rf $(VENV) $(TOOLS) var .mypy_cache .ruff_cache .pytest_cache
