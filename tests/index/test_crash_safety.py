"""kill -9 at random points of an ingest, restart, re-ingest: the index ends identical to a
clean build (same documents, chunk ids and counts; BM25 holds exactly Chroma's chunks)."""

from __future__ import annotations

import importlib.util
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

HELPER = Path(__file__).with_name("crash_helper.py")
N_DOCS = 12
SEEDS = [1, 2, 3]


def _helper():
    if "crash_helper" not in sys.modules:
        spec = importlib.util.spec_from_file_location("crash_helper", HELPER)
        module = importlib.util.module_from_spec(spec)
        sys.modules["crash_helper"] = module
        spec.loader.exec_module(module)
    return sys.modules["crash_helper"]


def _start(data: Path, corpus: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    return subprocess.Popen(
        [sys.executable, str(HELPER), str(data), str(corpus), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def _kill_during_ingest(data: Path, corpus: Path, rng: random.Random, *extra: str) -> str:
    """Start an ingest and kill -9 it after a random number of documents plus a random delay.
    Returns where it was (the last progress line)."""
    proc = _start(data, corpus, "--sleep", "0.05", *extra)
    target = rng.randrange(0, N_DOCS)
    last = ""
    for line in proc.stdout:  # wait for the chosen document to start
        last = line.strip()
        if last.startswith(f"doc {target}/") or last.startswith("done"):
            break
    time.sleep(rng.uniform(0.0, 0.12))  # lands in embedding, the chunk write, the record or BM25
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()
    return last


def _ingest_here(data: Path, corpus: Path, chroma_url: str | None = None):
    from index import ChromaStore, NewsIndex, ingest_paths

    store = ChromaStore(data, chroma_url=chroma_url, embed_model="fake")
    return ingest_paths(NewsIndex(store, _helper().HashEmbedder()), [corpus])


@pytest.fixture(scope="module")
def clean_build(tmp_path_factory):
    h = _helper()
    root = tmp_path_factory.mktemp("crash-clean")
    corpus = h.make_corpus(root / "corpus", N_DOCS)
    _ingest_here(root / "data", corpus)
    return corpus, h.snapshot(root / "data")


def _comparable(snap: dict) -> dict:
    return {k: snap[k] for k in ("docs", "chunk_ids", "n_chunks")}


def test_clean_build_is_self_consistent(clean_build):
    _, snap = clean_build
    assert len(snap["docs"]) == N_DOCS and snap["n_chunks"] == len(snap["chunk_ids"]) > N_DOCS
    assert snap["orphans"] == [] and snap["duplicates"] == 0 and snap["count_mismatch"] == {}
    assert snap["bm25_ids"] == snap["chunk_ids"]


@pytest.mark.parametrize("seed", SEEDS)
def test_kill9_then_reingest_equals_clean_build(seed, clean_build, tmp_path):
    h = _helper()
    corpus, expected = clean_build
    rng = random.Random(seed)
    data = tmp_path / "data"
    where = [_kill_during_ingest(data, corpus, rng)]
    if seed % 2 == 0:  # a second crash on top of the first one's debris
        where.append(_kill_during_ingest(data, corpus, rng))
    report = _ingest_here(data, corpus)  # the restart: a fresh client over what is on disk
    assert report.ok and len(report.added) + len(report.updated) + len(report.unchanged) == N_DOCS
    got = h.snapshot(data)
    assert got["orphans"] == [] and got["duplicates"] == 0 and got["count_mismatch"] == {}, where
    assert _comparable(got) == _comparable(expected), where
    assert got["bm25_ids"] == got["chunk_ids"], where
    again = _ingest_here(data, corpus)  # and one more ingest changes nothing
    assert len(again.unchanged) == N_DOCS and again.chunks_written == 0 and again.repaired_chunks == 0


def test_kill9_with_chroma_server(clean_build, tmp_path):
    """The same against a Chroma server: the client dies, the server keeps the debris, the
    next ingest cleans it up."""
    h = _helper()
    corpus, expected = clean_build
    srv = h.ChromaServer(tmp_path / "chroma").start()
    try:
        data = tmp_path / "data"
        where = _kill_during_ingest(data, corpus, random.Random(7), "--chroma-url", srv.url)
        _ingest_here(data, corpus, srv.url)
        got = h.snapshot(data, srv.url)
        assert got["orphans"] == [] and got["count_mismatch"] == {}, where
        assert _comparable(got) == _comparable(expected), where
        assert got["bm25_ids"] == got["chunk_ids"]
    finally:
        srv.kill()
