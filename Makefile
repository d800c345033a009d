# ElderCare: `make run` serves the demo on http://127.0.0.1:8000; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements/lock.txt
HOST ?= $(or $(ELDERCARE_HOST),127.0.0.1)
PORT ?= $(or $(ELDERCARE_PORT),8000)
FRONTEND_SOURCES := $(shell find frontend/src frontend/index.html frontend/vite.config.ts -type f 2>/dev/null)

.PHONY: run setup lock test lint test-sqlite test-postgres test-frontend openapi migration bench bench-data frontend clean

run: setup frontend
	$(BIN)/eldercare db upgrade
	$(BIN)/eldercare demo seed
	ELDERCARE_HOST=$(HOST) ELDERCARE_PORT=$(PORT) $(BIN)/eldercare serve

setup: $(VENV)/.installed

# Every package comes from the lock (pinned, with hashes; pip and setuptools too), the project
# last and without dependencies: a fresh clone installs exactly what CI ran. After a change to
# pyproject.toml's dependencies, `make lock` pins them again.
$(VENV)/.installed: pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

# Re-pins the lock from pyproject.toml (runtime and dev) and requirements/tools.in, keeping
# every version already pinned that still fits; `make lock UPGRADE=1` moves all to the newest.
lock: setup
	$(BIN)/uv pip compile pyproject.toml requirements/tools.in --extra dev --universal \
		--python-version 3.11 --generate-hashes $(if $(UPGRADE),--upgrade,) \
		--custom-compile-command 'make lock' --quiet --output-file $(LOCK)

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

frontend/dist/index.html: frontend/node_modules/.installed $(FRONTEND_SOURCES)
	cd frontend && npm run build

# The SPA is optional for the API: without Node the server still runs (API and /docs).
frontend:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory frontend/dist/index.html; \
	else echo "npm not found: skipping the frontend build (the API still runs)"; fi

# Vitest unit tests of the SPA's stores and helpers.
test-frontend:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory frontend/node_modules/.installed && cd frontend && npm test -- --run; \
	else echo "npm not found: skipping the frontend unit tests"; fi

lint: setup
	$(BIN)/ruff check backend tests migrations bench
	$(BIN)/ruff format --check backend tests migrations bench
	$(BIN)/mypy

test-sqlite: setup
	TEST_DB_BACKEND=sqlite $(BIN)/pytest -q

test-postgres: setup
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		TEST_DB_BACKEND=postgresql $(BIN)/pytest -q; \
	else echo "TEST_DATABASE_URL not set: skipping the PostgreSQL run"; fi

# The browser tests (tests/e2e) need frontend/dist, hence frontend before the pytest runs.
test: lint test-frontend frontend test-sqlite test-postgres

openapi: setup frontend/node_modules/.installed
	$(BIN)/eldercare openapi --out openapi/openapi.json
	$(BIN)/eldercare labels --out frontend/src/i18n/labels.generated.ts
	cd frontend && npm run --silent gen:api

migration: setup
	@test -n "$(m)" || { echo 'usage: make migration m="what changed"'; exit 2; }
	$(BIN)/python -c 'import sys; from alembic import command; from eldercare.migrate import alembic_config; from eldercare.config import get_settings; command.revision(alembic_config(get_settings().database_url), message=sys.argv[1], autogenerate=True)' "$(m)"

bench: setup
	cd bench && ../$(BIN)/python run.py $(if $(DB),--database-url $(DB),)

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist .pytest_cache .mypy_cache .ruff_cache
