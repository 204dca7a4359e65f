# The README's two commands: `make demo` and `make test`. Every step is idempotent: a stamp file
# records what is installed, so a second run installs nothing that is already there.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CACHE := .cache
CHP := $(CACHE)/node/node_modules/.bin/configurable-http-proxy
INSTALLED := $(VENV)/.installed
LAB_SOURCES := $(wildcard labextension/src/* labextension/style/*) labextension/package.json \
	labextension/tsconfig.json labextension/yarn.lock

export PATH := $(CURDIR)/$(BIN):$(CURDIR)/$(CACHE)/node/node_modules/.bin:$(PATH)
export NBLAUNCH_CHP := $(CURDIR)/$(CHP)

.PHONY: setup demo test test-fast test-js lint chromium proxy postgres clean

setup: $(INSTALLED) $(CHP) chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(INSTALLED): $(BIN)/python pyproject.toml $(LAB_SOURCES)
	$(BIN)/pip install -q -e '.[test]'
	touch $@

$(CHP):
	npm install --silent --no-fund --no-audit --prefix $(CACHE)/node configurable-http-proxy@5

chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

postgres:
	@command -v pg_ctl >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# The front end's dev tools (eslint, prettier, vitest). `pip install -e` runs `jlpm install` only
# when hatch-jupyter-builder rebuilds the labextension: this installs them whenever the lock changed.
LAB_MODULES := labextension/node_modules/.nblaunch-installed

$(LAB_MODULES): $(INSTALLED) labextension/package.json labextension/yarn.lock
	cd labextension && jlpm install
	touch $@

lint: $(INSTALLED) $(LAB_MODULES)
	$(BIN)/ruff check nblaunch tests benchmarks
	$(BIN)/ruff format --check nblaunch tests benchmarks
	$(BIN)/mypy
	cd labextension && jlpm lint

# The front end's unit tests: vitest in Node and jsdom, no browser and no server.
test-js: $(LAB_MODULES)
	cd labextension && jlpm test

test: setup postgres lint test-js
	$(BIN)/python -m pytest

test-fast: $(INSTALLED) lint test-js
	$(BIN)/python -m pytest -m "not integration and not browser"

# Reliability at full size (issue 11). stress-fuzz: tests/fuzz, the code `make test` runs small,
# with STRESS_EXAMPLES examples per generated test (about 23 requests each: 500 sends some
# 11,500, and the run fails under 10,000); the summary counts the requests sent per server.
# NBLAUNCH_FUZZ_SEED=<n> replays another seeded run. Some 15 to 30 minutes on 2 cores.
# stress-load: benchmarks/load.py, 30 users launching at once, then 5 minutes of 100 host saves a
# minute while launches go on; fails on a lost save or any 5xx. Some 8 minutes; not a test.
STRESS_EXAMPLES ?= 500
.PHONY: stress stress-fuzz stress-load
stress: stress-fuzz stress-load

stress-fuzz: setup
	NBLAUNCH_FUZZ_EXAMPLES=$(STRESS_EXAMPLES) NBLAUNCH_FUZZ_MIN_REQUESTS=10000 \
		$(BIN)/python -m pytest tests/fuzz --timeout=3600 --session-timeout=7200 -p no:cacheprovider --tb=native

stress-load: $(INSTALLED) $(CHP)
	$(BIN)/python benchmarks/load.py

# issue 12's table: every figure a ratio measured side by side in one run, on real Hubs started
# here; prints the folder (.cache/bench/<time>/) holding the JSON and the plot. Not a test.
.PHONY: bench
bench: $(INSTALLED) $(CHP)
	$(BIN)/python benchmarks/run.py

# The demo needs no browser of its own: the person running it brings one.
demo: $(INSTALLED) $(CHP)
	$(BIN)/nblaunch demo

clean:
	rm -rf $(VENV) $(CACHE) labextension/node_modules labextension/lib nblaunch/labextension

# tests/hub and tests/deploy on the JupyterHub that the Zero to JupyterHub chart ships
# (docs/deploy.md), in a venv of its own so .venv keeps the newest one. A test checks COMPAT_HUB
# against the chart's pins.
COMPAT := .venv-compat
COMPAT_HUB := 5.5.0

$(COMPAT)/.installed: pyproject.toml $(LAB_SOURCES) | $(INSTALLED)
	$(PYTHON) -m venv $(COMPAT)
	$(COMPAT)/bin/pip install -q --upgrade pip
	$(COMPAT)/bin/pip install -q -e '.[test]' 'jupyterhub==$(COMPAT_HUB)'
	touch $@

.PHONY: test-compat
test-compat: $(COMPAT)/.installed $(CHP) chromium
	$(COMPAT)/bin/python -m pytest tests/hub tests/deploy
