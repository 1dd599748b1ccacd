# Hindsight — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run` is a development server: DEBUG on unless you say otherwise; links in emails and
# calendar files point where it serves unless SITE_URL says otherwise.
RUN_ENV := DEBUG=$${DEBUG:-true} HOST=$(HOST) PORT=$(PORT)

.PHONY: install run test lint format bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

# A development checkout's settings, so `manage.py` works without exported variables (the
# environment still wins; production installs have no such file).
.env:
	@printf '# Development settings for this checkout (read by config/settings.py; the\n# environment wins). Production sets its variables itself and has no such file.\nDEBUG=true\n' > $@
	@printf '# The key that encrypts secrets at rest (identity-provider client secrets).\nFIELD_ENCRYPTION_KEY=%s\n' "$$($(PYTHON) -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" >> $@

# The tests' npm counterparts, each pinned by its package-lock.json and installed when missing
# or when the lock changes: the real OpenID Connect provider the SSO tests log in through
# (tests/counterparts/oidc), and vendors' published webhook schemas and examples
# (tests/counterparts/vendor).
NPM_COUNTERPARTS := tests/counterparts/oidc tests/counterparts/vendor
%/node_modules: %/package-lock.json
	npm ci --prefix $* --no-audit --no-fund
	touch $@

install: $(VENV)/.installed .env $(addsuffix /node_modules,$(NPM_COUNTERPARTS))

# Serving needs no node: only the tests do.
run: $(VENV)/.installed .env
	$(RUN_ENV) $(MANAGE) migrate --noinput
	$(RUN_ENV) $(MANAGE) seed_demo
	@echo
	@echo "  Hindsight is serving at http://$(HOST):$(PORT)/"
	@if [ -n "$$DATABASE_URL" ]; then echo "  database: $$DATABASE_URL"; else echo "  database: SQLite (db.sqlite3)"; fi
	@if [ -n "$$REDIS_URL" ]; then echo "  tasks: Celery worker + beat on $$REDIS_URL"; else echo "  tasks: run in-process"; fi
	@echo
	@if [ -n "$$REDIS_URL" ]; then \
		$(RUN_ENV) $(VENV)/bin/celery -A config worker --beat --loglevel=warning & \
		trap "kill $$! 2>/dev/null" EXIT INT TERM; \
	fi; \
	$(RUN_ENV) $(MANAGE) runserver $(HOST):$(PORT)

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) -m hindsight_bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache .import_linter_cache .grimp_cache *.egg-info $(addsuffix /node_modules,$(NPM_COUNTERPARTS))
