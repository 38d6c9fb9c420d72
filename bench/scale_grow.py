"""`bench/scale_grow.py` (options as bench/scale.py): one store grown in stages toward 1M chunks, measured at each.

Each stage runs in its own process (its own peak RSS): it opens the store, adds documents
until the store holds the stage's chunk count (the real base articles first, then generated
ones: bench/scale_corpus.py), then measures ingest rate (vector generation left out), MinHash
clustering time, BM25 (SQLite FTS5) vocabulary load and query latency, dense and hybrid
retrieval and quote answer latency (query vectors embedded apart), disk (all, and the
registry file with its FTS5 tables) and RSS. Results are kept in WORK/stage-SIZE.json, so a
rerun skips finished stages and resumes an interrupted one.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from scale import (base_set, bench_dir, default_embedder, dev_questions, dir_size, embed_base, embed_queries_apart,
                   make_embedder, parser, percentile)


class MemoChunker:
    """The chunker, remembering chunks made ahead (to count a stage's chunks) for ingest."""

    def __init__(self, inner):
        self.inner, self.key, self.memo = inner, getattr(inner, "key", None) or repr(inner), {}

    def chunk(self, doc):
        return self.memo.pop(doc.doc_id, None) or self.inner.chunk(doc)

    def ahead(self, doc) -> int:
        self.memo[doc.doc_id] = self.inner.chunk(doc)
        return len(self.memo[doc.doc_id])


def _rss_now_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmRSS")) / 1024


def _timed(fn, items) -> tuple[float, float]:
    fn(items[0])
    lat = []
    for x in items:
        t = time.perf_counter()
        fn(x)
        lat.append((time.perf_counter() - t) * 1000)
    return round(percentile(lat, 50), 1), round(percentile(lat, 95), 1)


def run_stage(args) -> dict:
    """One stage of `--grow`: add documents to the one store until it holds `--one-size`
    chunks (the real base articles first, then generated ones), then measure it."""
    import pickle

    from index import ChromaStore, NewsIndex, SentenceChunker, ingest_documents, split_sentences
    from index.bm25_sqlite import SqliteBM25
    from qa.components import build_retriever
    from qa.settings import Settings
    from scale_corpus import PREFIX, GeneratedEmbedder, generated_documents, sentence_vectors

    with open(args.work / "base.pkl", "rb") as fh:
        base = pickle.load(fh)
    table = dict(np.load(args.work / "vectors.npz", allow_pickle=True)["table"].item())
    inner = make_embedder(args.embedder)
    settings = Settings(data_dir=str(args.work / "grow-data"))
    s = settings.index
    chunker = MemoChunker(SentenceChunker(s.chunk_sentences, s.chunk_overlap, s.chunk_max_chars))
    store = ChromaStore(settings.data_dir, embed_model=args.embedder)
    emb = GeneratedEmbedder(inner, table, sentence_vectors(base, chunker.inner, table), args.embedder)
    index = NewsIndex(store, emb, chunker)
    records = index.records(fresh=True)
    have = store.registry.total_chunks()
    n_gen = sum(1 for d in records if d.startswith(PREFIX))
    pool = sorted({t for d in base for c in chunker.inner.chunk(d)
                   for t in (c.text[a:b] for a, b in split_sentences(c.text))})

    def stream():
        need = args.one_size - have
        for d in base:
            if d.doc_id in records:
                continue
            if need <= 0:
                return
            need -= chunker.ahead(d)
            yield d
        for d in generated_documents(pool, n_gen):
            if need <= 0:
                return
            need -= chunker.ahead(d)
            yield d

    dup_s = [0.0]
    update = index.update_duplicates

    def timed_update():
        t = time.perf_counter()
        try:
            return update()
        finally:
            dup_s[0] += time.perf_counter() - t

    index.update_duplicates = timed_update
    t0 = time.perf_counter()
    report = ingest_documents(index, stream(), batch_chunks=s.batch_chunks)
    wall = time.perf_counter() - t0
    emb.generate = False
    added = report.chunks_written
    ingest_s = wall - emb.seconds
    n_chunks = store.count_chunks()
    result = {
        "size": args.one_size, "chunks": n_chunks, "documents": len(index.records(fresh=True)),
        "added_chunks": added, "added_documents": len(report.added),
        "ingest_s": round(ingest_s, 1), "vector_generation_s": round(emb.seconds, 1),
        "ingest_chunks_per_s": round(added / ingest_s, 1) if added else None,
        "minhash_clusters_s": round(dup_s[0], 1),
    }
    t = time.perf_counter()
    vocab = SqliteBM25(store.registry).document_frequencies()
    result["bm25_vocab_load_s"] = round(time.perf_counter() - t, 2)
    result["bm25_terms"] = len(vocab)
    del vocab
    questions = dev_questions(bench_dir(args.bench_dir), args.queries)
    result["embed_query_p50_ms"] = embed_queries_apart(index, inner, questions)
    retriever = build_retriever(settings, index)  # the product's retrieval, from settings
    for mode in ("hybrid", "dense", "bm25"):
        result[f"{mode}_p50_ms"], result[f"{mode}_p95_ms"] = _timed(lambda q: retriever.retrieve(q, 5, mode), questions)
    try:
        from qa.assistant import Assistant

        assistant = Assistant.from_settings(settings, index, retriever=retriever)
        result["quote_p50_ms"], result["quote_p95_ms"] = _timed(
            lambda q: assistant.ask(q, mode="quote"), questions[: max(5, args.queries // 3)])
    except Exception as exc:  # report, don't hide: retrieval figures still stand
        result["quote_error"] = f"{type(exc).__name__}: {exc}"[:200]
    data = Path(settings.data_dir)
    registry = sum(f.stat().st_size for f in data.glob("registry-*"))
    result["disk_mb"] = round(dir_size(data) / 2**20, 1)
    result["registry_fts5_mb"] = round(registry / 2**20, 1)
    result["rss_after_mb"] = round(_rss_now_mb(), 1)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def grow(args, sizes: list[int], base, total: int, chunker) -> None:
    """`--grow`: one store, grown through `sizes` in stages (each its own process, its result
    saved in WORK/stage-SIZE.json; a rerun skips finished stages and resumes an interrupted
    one: ingest skips what is committed). `base`: the real articles (`total` chunks)."""
    import pickle

    with open(args.work / "base.pkl", "wb") as fh:
        pickle.dump(base, fh)
    embed_base(args, sorted({c.text for d in base for c in chunker.chunk(d)}))
    print(f"grow: one store in {args.work / 'grow-data'}; base {len(base)} real articles ({total} chunks), "
          "then generated articles (bench/scale_corpus.py) with generated vectors", flush=True)
    rows = []
    for size in sizes:
        saved = args.work / f"stage-{size}.json"
        if saved.is_file():
            row = json.loads(saved.read_text())
            print(f"stage {size}: done before: {json.dumps(row)}", flush=True)
        else:
            proc = subprocess.run(
                [sys.executable, str(Path(__file__)), "--one-size", str(size), "--embedder", args.embedder,
                 "--queries", str(args.queries), "--work", str(args.work)]
                + (["--bench-dir", args.bench_dir] if args.bench_dir else []),
                capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"stage {size} failed: {proc.stderr[-2000:]}", flush=True)
                break
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            saved.write_text(json.dumps(row))
            print(f"stage {size}: {json.dumps(row)}", flush=True)
        rows.append(row)
    print("\nretrieval times exclude the query embedding (embed_query_p50_ms); ingest rates exclude vector "
          "generation (no embedding model: see embedding throughput)")
    print("chunks    docs  +ch/s  minhash s  disk MB  FTS5+registry MB  vocab s  hybrid p50/p95  dense p50/p95  "
          "bm25 p50/p95  quote p50/p95  RSS after/peak MB")
    for r in rows:
        print(f"{r['chunks']:>8} {r['documents']:>7} {r['ingest_chunks_per_s'] or 0:>6} {r['minhash_clusters_s']:>9} "
              f"{r['disk_mb']:>8} {r['registry_fts5_mb']:>17} {r['bm25_vocab_load_s']:>8} "
              f"{r['hybrid_p50_ms']:>7}/{r['hybrid_p95_ms']:<7} {r['dense_p50_ms']:>6}/{r['dense_p95_ms']:<7} "
              f"{r['bm25_p50_ms']:>6}/{r['bm25_p95_ms']:<6} {r.get('quote_p50_ms', 'n/a'):>6}/"
              f"{r.get('quote_p95_ms', 'n/a'):<7} {r['rss_after_mb']:>7}/{r['peak_rss_mb']}")


def main() -> None:
    args = parser().parse_args()
    args.embedder = default_embedder(args.embedder)
    if args.one_size:
        print(json.dumps(run_stage(args)))
        return
    sizes, base, total, chunker = base_set(args)
    grow(args, sizes, base, total, chunker)
    print(f"scratch: {args.work} (delete it when done)")


if __name__ == "__main__":
    main()
