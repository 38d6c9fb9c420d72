# Two entry points: `make run` (set up, index corpus/, start the app) and `make test`.
# Both are idempotent: a stamp file per step records what is done.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMPS  := $(VENV)/.stamps
PIP     := $(BIN)/python -m pip

.PHONY: setup setup-dev run test ingest clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# torch first, pinned: this machine serves a local CPU wheel for exactly 2.13.0.
$(STAMPS)/torch: | $(BIN)/python
	$(PIP) install -q torch==2.13.0
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/base: pyproject.toml $(STAMPS)/torch
	$(PIP) install -q -e '.[ui,eval]'
	@touch $@

$(STAMPS)/dev: pyproject.toml $(STAMPS)/base
	$(PIP) install -q -e '.[ui,eval,dev]'
	@touch $@

setup: $(STAMPS)/base
setup-dev: $(STAMPS)/dev

ingest: setup
	$(BIN)/qa ingest corpus

run: ingest
	$(BIN)/qa ask

test: setup-dev
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .qa-data
