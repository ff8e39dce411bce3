# Kaizala Portal. `make run` runs the portal, `make test` runs the whole test suite.
# Both set up what they need first: a virtualenv with the pinned requirements, and the
# Debian packages the portal and its tests use (redis-server, chromium).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test test-postgres lint bench load load-open redis-server chromium clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed redis-server
	$(PY) -m kaizala_portal.devserver

test: $(VENV)/.installed redis-server chromium
	$(PY) -m pytest $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed redis-server chromium
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/test $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(PY) -m ruff check .

# Installed only when missing; needs root (or sudo) the first time.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
redis-server:
	@command -v redis-server >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq redis-server)

chromium:
	@command -v chromium >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium)

clean:
	rm -rf $(VENV) var .pytest_cache

# Import and export benchmark (several minutes; not part of `make test`). BENCH_QUICK=1 for small sizes,
# BENCH_ONLY=import or BENCH_ONLY=export for one half, BENCH_ONLY=groups for the group uploads.
.venv/.bench-installed: $(VENV)/.installed requirements-bench.txt
	$(PY) -m pip install --quiet -r requirements-bench.txt
	touch $@

bench: .venv/.bench-installed redis-server
	$(PY) -m benchmarks.run

# Load test (a minute or two; not part of `make test`): admins browse a 100k-user organization on
# gunicorn and PostgreSQL while imports run. LOAD_SECONDS, LOAD_USERS, LOAD_DATABASE_URL override.
load: .venv/.bench-installed redis-server
	$(PY) -m loadtest.run

# Open-loop load (tens of minutes; see README): the highest rate of the admin mix with p95 under 200 ms,
# for 100k and 1M users, with and without an import. LOAD_SCENARIOS, LOAD_STEP_SECONDS, LOAD_RATES override.
load-open: .venv/.bench-installed redis-server
	LOAD_MODE=open $(PY) -m loadtest.run
