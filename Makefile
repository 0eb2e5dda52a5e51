# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv when missing
# and install the project with its dev extras; `make test` also installs Debian's chromium for
# the browser tests (as root, via apt-get) when it is not there.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
PROMTOOL := /usr/bin/promtool

.PHONY: demo test test-fast lint bench docs clean install browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium (browser tests) and prometheus (promtool checks the /metrics exposition).
browser:
	@if [ ! -x $(CHROMIUM) ] || [ ! -x $(PROMTOOL) ]; then \
	  echo "installing Debian's chromium and prometheus (promtool) for the tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium prometheus >/dev/null; \
	fi

demo: $(STAMP)
	$(BIN)/tracker demo

test: $(STAMP) browser
	$(BIN)/ruff check tracker collectors dashboards tests bench
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not browser and not slow"

lint: $(STAMP)
	$(BIN)/ruff check tracker collectors dashboards tests bench
	$(BIN)/ruff format --check tracker collectors dashboards tests bench
	$(BIN)/mypy tracker collectors dashboards

bench: $(STAMP)
	$(BIN)/python bench/write_throughput.py
	$(BIN)/python bench/query_latency.py
	$(BIN)/python bench/hn_replay.py

docs: $(STAMP)
	$(BIN)/python -m tracker.clidocs > docs/cli.md
	$(BIN)/python -m tracker.metrics docs/sql.md

clean:
	rm -rf $(VENV) data .pytest_cache
