# The two commands of the README: `make run` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
ENV := set -a; [ -f .data/env ] && . .data/env; set +a;

.PHONY: run test setup migrate demo lint bench stop-db security-doc schema-doc backup restore-drill

setup:
	@scripts/devenv.sh setup

migrate: setup
	@$(ENV) $(PY) manage.py migrate --no-input -v 0
	@$(ENV) $(PY) manage.py collectstatic --no-input -v 0

run: migrate
	@$(ENV) $(PY) manage.py load_demo --once
	@$(ENV) $(PY) manage.py demo_logins
	@echo "landreg is serving on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	@# Threads, not sync workers: with no buffering proxy in front, a phone uploading photos on a slow link holds a sync
	@# worker for the whole upload; 24 threads keep serving others (and keep connections alive for map tiles).
	@$(ENV) exec $(VENV)/bin/gunicorn config.wsgi --bind 127.0.0.1:$(PORT) --workers 3 --worker-class gthread --threads 8 --keep-alive 5 --timeout 120 --no-control-socket --access-logfile -

test: setup
	@$(VENV)/bin/ruff check --quiet .
	@# The layers of the house (pyproject.toml, docs/architecture.md): a wrong import fails here.
	@$(VENV)/bin/lint-imports --no-cache
	@$(ENV) $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: setup
	@$(VENV)/bin/ruff check .

# docs/security.md's role × action × scope tables are generated from the code (a test fails when they drift).
security-doc: setup
	@$(ENV) $(PY) scripts/security_table.py

# docs/schema.sql: the current body of every function and trigger, from a freshly migrated scratch database (a test
# fails when it drifts). Run it after adding or changing a migration's SQL.
schema-doc: setup
	@$(ENV) $(PY) scripts/schema_doc.py

bench: migrate
	@$(ENV) $(PY) bench/plot_insert.py

stop-db:
	@scripts/devenv.sh stop-db

# Backups with pgBackRest (docs/backups.md). `make backup` takes a differential (a full when there is none yet;
# TYPE=full for a full), then the media under the same label; the first one turns on WAL archiving, which restarts
# the private cluster once. `make restore-drill` restores the latest backup into a scratch cluster and checks it.
TYPE ?= diff
backup: setup
	@$(ENV) $(PY) scripts/backup.py backup $(TYPE)

restore-drill: setup
	@$(ENV) $(PY) scripts/backup.py drill
