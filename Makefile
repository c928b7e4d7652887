# One command per habit: make run, make test, make lint, make bench.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= imsclinic.config.settings.dev

.PHONY: install run test test-fast lint bench bench-pg loadtest browser clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip uv
	$(VENV)/bin/uv pip install -q --python $(PY) -e ".[dev]"
	touch $@

# Debian's Chromium drives the browser tests (never `playwright install`: no downloads).
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Install Debian's chromium (sudo apt-get install chromium) for the browser tests"; exit 1; fi; }

# Links in the e-mails the demo prints to the console point at this server.
run: export IMSCLINIC_PUBLIC_URL ?= http://127.0.0.1:$(PORT)
run: install
	$(PY) -m imsclinic.cli migrate --noinput -v0
	$(PY) -m imsclinic.cli demo --if-empty
	$(PY) -m imsclinic.cli runserver 127.0.0.1:$(PORT)

# The test settings (pyproject's pytest section) must win over the dev default exported above.
test: install browser
	DJANGO_SETTINGS_MODULE=imsclinic.config.settings.test $(PY) -m pytest -n 2 -q

test-fast: install
	DJANGO_SETTINGS_MODULE=imsclinic.config.settings.test $(PY) -m pytest -q -m "not browser"

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy src

# Quick benchmark on a throwaway SQLite file (~150k sessions).
bench: install
	$(PY) bench/run.py

# The 1M-session benchmark on a throwaway PostgreSQL cluster (bench/postgres.sh).
bench-pg: install
	eval "$$(bash bench/postgres.sh)" && $(PY) bench/run.py --patients 130000 --years 3 --reuse

# 50 users for 60 s against gunicorn on PostgreSQL, then checks every acknowledged write.
loadtest: install
	$(VENV)/bin/uv pip install -q --python $(PY) -e ".[dev,bench]"
	eval "$$(bash bench/postgres.sh)" && $(PY) bench/loadtest.py --reuse

clean:
	rm -rf $(VENV) var artifacts .pytest_cache .mypy_cache .ruff_cache
