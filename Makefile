# One command per habit: make run, make test, make lint, make bench.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= imsclinic.config.settings.dev

.PHONY: install run test test-fast lint bench bench-pg bench-peer loadtest browser clean ha-test test-pgbouncer

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
	$(VENV)/bin/ruff check src tests bench ops
	$(VENV)/bin/ruff format --check src tests bench ops
	$(VENV)/bin/mypy src

# Quick benchmark on a throwaway SQLite file (~150k sessions).
bench: install
	$(PY) bench/run.py

# The 1M-session benchmark on a throwaway PostgreSQL cluster (bench/postgres.sh).
bench-pg: install
	eval "$$(bash bench/postgres.sh)" && $(PY) bench/run.py --patients 130000 --years 3 --reuse --http

# Beside GNU Health 5.0.6 (trytond 7.0) from PyPI, in a venv of its own, on the same
# throwaway cluster: bench/peer.py prints the side-by-side table.
PEER_VENV ?= /tmp/imsclinic-peer/venv
export PEER_VENV
bench-peer: install
	test -x $(PEER_VENV)/bin/trytond-admin || { python3 -m venv $(PEER_VENV) && \
	  $(PEER_VENV)/bin/pip install -q "gnuhealth==5.0.6" "trytond>=7.0,<7.1" gunicorn psycopg2-binary; }
	eval "$$(bash bench/postgres.sh)" && $(PY) bench/peer.py

# 50 users for 60 s against gunicorn on PostgreSQL, then checks every acknowledged write.
loadtest: install
	$(VENV)/bin/uv pip install -q --python $(PY) -e ".[dev,bench]"
	eval "$$(bash bench/postgres.sh)" && $(PY) bench/loadtest.py --reuse

# High availability (docs/deployment.md): a pg_auto_failover formation on loopback (monitor,
# primary, synchronous secondary) in a temp dir, 8 HTTP writers, SIGKILL of the primary
# mid-burst; checks every acknowledged write survived. Not part of CI (several minutes).
HA_DIR ?= /tmp/imsclinic-ha
export HA_DIR
ha-test: install
	bash ops/ha/formation.sh down
	bash ops/ha/formation.sh up
	eval "$$(bash ops/ha/formation.sh env)" && $(PY) ops/ha/failover_test.py; \
	  status=$$?; bash ops/ha/formation.sh down; exit $$status

# The whole test suite once through PgBouncer in transaction pooling mode (ops/ha/pgbouncer.sh).
test-pgbouncer: install browser
	bash ops/ha/pgbouncer.sh up
	eval "$$(bash ops/ha/pgbouncer.sh env)" && IMSCLINIC_PGBOUNCER=1 \
	  DJANGO_SETTINGS_MODULE=imsclinic.config.settings.test $(PY) -m pytest -n 2 -q --reuse-db; \
	  status=$$?; bash ops/ha/pgbouncer.sh down; exit $$status

clean:
	rm -rf $(VENV) var artifacts .pytest_cache .mypy_cache .ruff_cache
