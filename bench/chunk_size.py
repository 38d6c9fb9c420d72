"""Chunk size on news, by measurement: RealTime QA corpus subset, evidence recall@5.

For each chunker setting (max_sentences/overlap/max_chars) the corpus subset is ingested
through the product's JSONL path (field map id=doc_id) into a fresh store, and each dev
question of the subset retrieves 5 passages; a hit is a passage from its gold evidence
document `ev:<qid>`. Also printed: chunks, chunks per article and (with a real model) the
embedding cost. Vectors are cached by text under $QA_CACHE_DIR so reruns embed nothing new.

    nice -n 10 .venv/bin/python bench/chunk_size.py --modes bm25            # no model
    nice -n 10 .venv/bin/python bench/chunk_size.py --model minilm-onnx-int8 --modes dense,hybrid
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
CONFIGS = ["2,0,400", "4,1,800", "4,0,800", "6,1,1200", "8,1,1600", "12,0,2400"]


def bench_dir(arg: str | None) -> Path:
    return Path(arg or os.environ.get("QA_BENCH_DIR") or REPO.parent / "shared" / "bench") / "realtimeqa"


class ZeroEmbedder:
    """For BM25-only runs: constant vectors, nothing computed."""

    name = "zero"

    def embed_documents(self, texts):
        return np.ones((len(texts), 8), dtype=np.float32) / np.sqrt(8)

    def embed_query(self, text):
        return np.ones(8, dtype=np.float32) / np.sqrt(8)


class CachedEmbedder:
    """Vectors cached by text hash in an .npz beside the other benchmark caches."""

    def __init__(self, inner, path: Path):
        self.inner, self.path, self.name = inner, path, inner.name
        self.cache: dict[str, np.ndarray] = {}
        if path.is_file():
            data = np.load(path)
            self.cache = dict(zip(data["keys"].tolist(), data["vecs"]))
        self.embedded = 0
        self.seconds = 0.0

    def embed_documents(self, texts):
        keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
        todo = sorted({k: t for k, t in zip(keys, texts) if k not in self.cache}.items())
        if todo:
            t0 = time.perf_counter()
            vecs = self.inner.embed_documents([t for _, t in todo])
            self.seconds += time.perf_counter() - t0
            self.embedded += len(todo)
            self.cache.update({k: v for (k, _), v in zip(todo, vecs)})
        return np.stack([self.cache[k] for k in keys]) if keys else np.zeros((0, 384), np.float32)

    def embed_query(self, text):
        return self.inner.embed_query(text)

    def save(self) -> None:
        keys = list(self.cache)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(keys), vecs=np.stack([self.cache[k] for k in keys]))
        tmp.replace(self.path)


def dev_questions(folder: Path, split: str) -> list[dict]:
    splits = dict(line.rstrip("\n").split("\t") for line in open(folder / "splits.tsv", encoding="utf-8"))
    out = []
    with open(folder / "questions.jsonl", encoding="utf-8") as fh:
        for line in fh:
            q = json.loads(line)
            if q.get("in_corpus_subset") and splits.get(q["id"]) == split:
                out.append(q)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench-dir", default=None)
    ap.add_argument("--configs", default=",".join(c.replace(",", "/") for c in CONFIGS),
                    help="max_sentences/overlap/max_chars, comma-separated (default: %(default)s)")
    ap.add_argument("--model", default=None, help="embedding model (default: none, BM25 only)")
    ap.add_argument("--modes", default="bm25", help="comma-separated: bm25, dense, hybrid")
    ap.add_argument("--split", default="dev", choices=("dev", "test"))
    ap.add_argument("--k", type=int, default=5)
    args = ap.parse_args(argv)
    from corpus import FieldMap, safe_doc_id
    from index import ChromaStore, NewsIndex, Retriever, SentenceChunker, ingest_paths
    from qa.settings import Settings

    folder = bench_dir(args.bench_dir)
    questions = dev_questions(folder, args.split)
    r = Settings().retrieval
    if args.model:
        from index.embedders import make_embedder

        cache = Path(os.environ.get("QA_CACHE_DIR") or Path.home() / ".cache" / "news-qa")
        embedder = CachedEmbedder(make_embedder(args.model), cache / f"chunk-bench-{args.model}.npz")
    else:
        embedder = ZeroEmbedder()
    modes = [m for m in args.modes.split(",") if m]
    print(f"RealTime QA corpus subset, {args.split} questions n={len(questions)}, recall@{args.k} of ev:<qid>, "
          f"model={args.model or '-'}")
    print(f"{'chunker':<12} {'chunks':>7} {'per art':>7} " + " ".join(f"{m:>7}" for m in modes) + f" {'embed s':>8}")
    for spec in args.configs.split(","):
        chunker = SentenceChunker(*[int(x) for x in spec.split("/")])
        with tempfile.TemporaryDirectory(prefix="chunk-bench-") as tmp:
            index = NewsIndex(ChromaStore(tmp, embed_model=embedder.name), embedder, chunker)
            before = getattr(embedder, "seconds", 0.0)
            t0 = time.perf_counter()
            report = ingest_paths(index, [folder / "corpus_subset.jsonl"], fields=FieldMap.parse(["id=doc_id"]))
            ingest_s = time.perf_counter() - t0
            n_docs = len(report.added)
            stats = index.store.registry.stats()
            import resource

            notes = [(index.get_document(d).extra.get("notes") or {}).get("published")
                     for d, r in index.records(fresh=True).items() if r.published]
            print(f"  ingest: {n_docs} articles ({len(report.errors)} records rejected), {report.chunks_written} chunks "
                  f"in {ingest_s:.0f}s = {report.chunks_written / ingest_s:.1f} chunks/s "
                  f"(embedding {'none' if not args.model else 'included'}), load avg {os.getloadavg()[0]:.1f}; "
                  f"dated {1 - stats['undated'] / max(n_docs, 1):.3f} "
                  f"(from {dict((k, notes.count(k)) for k in set(notes))}); "
                  f"near-duplicate clusters {stats['duplicate_clusters']} ({stats['duplicate_copies']} later copies); "
                  f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB", flush=True)
            retriever = Retriever(index, candidates=r.candidates, rrf_k=r.rrf_k, dense_weight=r.dense_weight,
                                  bm25_weight=r.bm25_weight, max_per_doc=r.max_per_doc, fusion=r.fusion,
                                  collapse_copies=r.collapse_copies)
            row = []
            for mode in modes:
                hits = 0
                for q in questions:
                    gold = safe_doc_id(f"ev:{q['id']}")
                    got = retriever.retrieve(q["question"], args.k, mode)
                    hits += any(p.doc_id == gold for p in got)
                row.append(hits / len(questions))
            n_chunks = index.store.count_chunks()
            cost = getattr(embedder, "seconds", 0.0) - before
            print(f"{spec:<12} {n_chunks:>7} {n_chunks / n_docs:>7.2f} " + " ".join(f"{x:>7.3f}" for x in row)
                  + f" {cost:>8.1f}", flush=True)
        if isinstance(embedder, CachedEmbedder):
            embedder.save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
