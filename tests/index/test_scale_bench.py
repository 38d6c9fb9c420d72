"""bench/scale_grow.py on a tiny benchmark folder (fake embedder, real Chroma + SQLite):
stages grow one store, each stage's figures are saved, and a rerun resumes instead of
starting over."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "evaluation"))

from bench_fixtures import write_bench  # noqa: E402


def _run(bench: Path, work: Path, sizes: str) -> str:
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "scale_grow.py"), "--sizes", sizes, "--embedder", "fake",
         "--bench-dir", str(bench), "--queries", "3", "--max-unique", "20", "--work", str(work)],
        capture_output=True, text=True, timeout=600, cwd=REPO, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.slow
def test_grow_in_stages_and_resume(tmp_path):
    bench = write_bench(tmp_path / "bench")
    work = tmp_path / "work"
    out = _run(bench, work, "40")
    first = json.loads((work / "stage-40.json").read_text())
    assert first["chunks"] >= 40 and first["added_chunks"] == first["chunks"]
    for key in ("ingest_chunks_per_s", "hybrid_p95_ms", "bm25_p95_ms", "dense_p50_ms", "disk_mb",
                "registry_fts5_mb", "peak_rss_mb", "bm25_vocab_load_s", "quote_p50_ms"):
        assert first[key] is not None and first[key] >= 0, key
    assert "stage 40:" in out
    out = _run(bench, work, "40,120")
    assert "stage 40: done before" in out  # resumed, not redone
    second = json.loads((work / "stage-120.json").read_text())
    assert second["chunks"] >= 120
    assert second["added_chunks"] == second["chunks"] - first["chunks"]  # only the new documents
    assert second["documents"] > first["documents"]
