# Kazan: `make run` sets everything up and starts it; `make test` runs the whole suite.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT
# honcho gives every process its own PORT (web, worker, scheduler); links the worker writes into
# SMS must point at the web server, so every process learns the web server's port once.
KAZAN_WEB_PORT ?= $(PORT)
export KAZAN_WEB_PORT

.PHONY: run test install messages migrate demo lint format chromium bench clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $$(bin/find-python) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

# Compiled translations (.mo) are build output: made from the committed .po files.
messages: install
	@command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext)
	@$(PY) manage.py compilemessages --ignore '.venv' -v0

migrate: messages
	$(PY) manage.py migrate --no-input -v0

demo: migrate
	$(PY) manage.py demo_load

run: demo
	DEBUG=$${DEBUG:-1} $(PY) manage.py collectstatic --no-input -v0
	DEBUG=$${DEBUG:-1} $(VENV)/bin/honcho -f Procfile start

# Debian's chromium for the browser tests (Playwright's own download does not work here).
chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

test: messages chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run -v0
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Benchmarks on PostgreSQL (DATABASE_URL, default database kazan_bench); wrk makes the load.
bench: messages
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var test-artifacts
