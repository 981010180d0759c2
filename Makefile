# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run mail test lint install clean bench loadtest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps re-run the install whenever a requirements file changes.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $@

$(VENV)/.installed-loadtest: requirements.txt requirements-loadtest.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-loadtest.txt
	touch $@

install: $(VENV)/.installed

## Install, migrate the SQLite database in data/, seed, print the demo organizer's login, serve on 127.0.0.1:8000.
run: export DJANGO_DEBUG ?= 1
run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_ceremony
	$(BIN)/python manage.py demo_organizer
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## Deliver the outbox every 30 seconds beside `make run` (in development each message is printed here); Ctrl-C stops.
mail: export DJANGO_DEBUG ?= 1
mail: $(VENV)/.installed
	$(BIN)/python manage.py deliver_mail --loop --interval 30

## Install the test tools, lint (the same as `make lint`), check migrations, run the whole suite (DATABASE_URL
## picks the database).
test: lint
	DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## ruff's rules (pyproject.toml) and its formatting, unchanged files only.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

## Time the calendar feeds at 100, 1,000 and 5,000 items (built from nothing, after a one-item edit, after a venue
## rename, cached, 304), spreadsheet imports of 1,000 and 5,000 rows, the public programme page, and the kept pages
## and the admin's programme list, each on a throw-away database (bench/feeds.py, bench/imports.py,
## bench/programme_page.py, bench/pages.py).
bench: $(VENV)/.installed
	$(BIN)/python bench/feeds.py
	$(BIN)/python bench/imports.py
	$(BIN)/python bench/programme_page.py
	$(BIN)/python bench/pages.py

## Load test: gunicorn (deploy/gunicorn.conf.py, 3 workers, production settings) on a throw-away database, under
## 50 locust clients for 60 s while an organizer edits an item every 3 s; prints requests/s, p50/p99 and errors
## per kind of request, and fails on any error or stale feed. LOADTEST_SECONDS, LOADTEST_USERS, LOADTEST_ITEMS,
## DATABASE_URL (PostgreSQL) and REDIS_URL change it (bench/README.md).
loadtest: $(VENV)/.installed-loadtest
	$(BIN)/python bench/loadtest.py
