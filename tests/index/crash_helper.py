"""Helpers for the crash-safety and Chroma-server tests (not a test module).

Run as a script it ingests a folder with a fast deterministic embedder, printing one
line per document, so a test can kill it (kill -9) at any point of an ingest:

    python tests/index/crash_helper.py DATA_DIR CORPUS_DIR [--chroma-url URL] [--sleep S]
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # also when run as a script

from fakes import FakeEmbedder  # noqa: E402
CHROMA_BIN = Path(sys.executable).with_name("chroma")


class HashEmbedder(FakeEmbedder):
    """The shared fake embedder, plus `sleep_s` per call (so kills land in the middle of an
    ingest) and an `on_call` hook called with the call number before embedding."""

    def __init__(self, dim: int = 64, sleep_s: float = 0.0, on_call=None):
        super().__init__(dim)
        self.sleep_s = sleep_s
        self.on_call = on_call
        self.calls = 0

    def embed_documents(self, texts):
        self.calls += 1
        if self.on_call:
            self.on_call(self.calls)
        if self.sleep_s:
            time.sleep(self.sleep_s)
        return super().embed_documents(texts)


def make_corpus(dst: Path, n_docs: int) -> Path:
    """`n_docs` distinct articles built from the repo's sample articles (each gets its own
    id and a distinct first line, so every document has its own content hash)."""
    dst.mkdir(parents=True, exist_ok=True)
    sources = sorted((REPO / "corpus").glob("*.txt"))
    for i in range(n_docs):
        body = sources[i % len(sources)].read_text(encoding="utf-8")
        (dst / f"doc{i:03d}.txt").write_text(f"Copy {i} of a sample article.\n\n{body}", encoding="utf-8")
    return dst


def snapshot(data_dir: Path, chroma_url: str | None = None) -> dict:
    """Everything that must match a clean build: committed documents (hash, chunk count),
    chunk ids, and whether the chunks, the records and the BM25 index agree."""
    from index import ChromaStore, NewsIndex

    store = ChromaStore(data_dir, chroma_url=chroma_url, embed_model="fake")
    index = NewsIndex(store, HashEmbedder())
    records = index.records(fresh=True)
    chunk_meta = list(store.iter_chunk_meta())
    chunk_ids = [cid for cid, _ in chunk_meta]
    per_doc: dict[str, int] = {}
    orphans = []
    for cid, meta in chunk_meta:
        rec = records.get(meta["doc_id"])
        if rec is None or rec.content_hash != meta.get("doc_hash"):
            orphans.append(cid)
        per_doc[meta["doc_id"]] = per_doc.get(meta["doc_id"], 0) + 1
    return {
        "docs": {d: (r.content_hash, r.n_chunks) for d, r in sorted(records.items())},
        "chunk_ids": sorted(chunk_ids),
        "n_chunks": store.count_chunks(),
        "duplicates": len(chunk_ids) - len(set(chunk_ids)),
        "orphans": orphans,
        "count_mismatch": {d: (r.n_chunks, per_doc.get(d, 0)) for d, r in records.items() if r.n_chunks != per_doc.get(d, 0)},
        "bm25_ids": sorted(index.bm25().chunk_ids()),
        # one article vector per committed document, of its current text
        "articles": sorted((a, m.get("doc_hash")) for a, m in store.iter_article_meta()),
    }


# -- a real Chroma server ------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    """`chroma run` on a free loopback port; `kill()` is kill -9, `start()` restarts it on
    the same path and port."""

    def __init__(self, path: Path, port: int | None = None):
        self.path = Path(path)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = self.path.parent / f"chroma-{self.port}.log"

    def start(self, timeout: float = 60.0) -> "ChromaServer":
        if not CHROMA_BIN.exists():
            raise RuntimeError(f"the chroma CLI is not at {CHROMA_BIN}; pip install chromadb")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [str(CHROMA_BIN), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.proc.returncode}; see {self.log}")
            if self.alive():
                return self
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"chroma run did not answer on {self.url} within {timeout}s; see {self.log}")

    def alive(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self.proc = None


def main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir")
    ap.add_argument("corpus")
    ap.add_argument("--chroma-url")
    ap.add_argument("--sleep", type=float, default=0.0)
    args = ap.parse_args(argv)
    from index import ChromaStore, NewsIndex, StoreError, ingest_paths

    def progress(i, n, doc_id):
        print(f"doc {i}/{n} {doc_id}", flush=True)

    try:
        store = ChromaStore(args.data_dir, chroma_url=args.chroma_url, embed_model="fake")
        print("ready", flush=True)
        report = ingest_paths(NewsIndex(store, HashEmbedder(sleep_s=args.sleep)), [args.corpus], progress=progress)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 3
    print(f"done added={len(report.added)} updated={len(report.updated)} "
          f"unchanged={len(report.unchanged)} repaired={report.repaired_chunks}", flush=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


__all__ = ["ChromaServer", "HashEmbedder", "free_port", "make_corpus", "snapshot"]
