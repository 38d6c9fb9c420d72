"""Scale benchmark: ingest throughput, index size, query latency and peak RSS at 1k/10k/100k chunks.

Corpus: RealTime QA news articles (REPO/../shared/bench/realtimeqa/corpus_subset.jsonl, or
--bench-dir / QA_BENCH_DIR). When the sizes need more chunks than the articles give, the
articles are repeated under new ids ("<id>-rN"); the copies reuse the embeddings of the
originals (same text), so only the unique base chunks are embedded once. The output says so.

Each size runs in its own subprocess (its own peak RSS) over a fresh embedded Chroma store:
  * ingest: `ingest_documents` (batched Chroma writes, SQLite registry with its FTS5 BM25
    terms, MinHash duplicates), with the vectors precomputed (embedding throughput is
    reported separately);
  * retrieval latency: `Retriever.retrieve` (hybrid, dense and articles) on dev questions,
    including the query embedding;
  * quote answer latency: `qa.assistant.Assistant.ask(mode="quote")` when it is importable.

    nice -n 10 .venv/bin/python bench/scale.py --sizes 1000,10000,100000

bench/scale_grow.py instead grows ONE store through the sizes in resumable stages, with
generated articles and vectors beyond the real base set (bench/scale_corpus.py):

    nice -n 10 .venv/bin/python bench/scale_grow.py --sizes 100000,300000,1000000 \
        --embedder minilm-onnx --max-unique 2000 --work /tmp/scale-grow
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def bench_dir(arg: str | None) -> Path:
    return Path(arg or os.environ.get("QA_BENCH_DIR") or REPO.parent / "shared" / "bench") / "realtimeqa"


def load_articles(path: Path) -> list:
    from corpus import Document

    docs = []
    with open(path / "corpus_subset.jsonl", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            text = (r.get("text") or "").strip()
            if not text:
                continue
            doc_id = re.sub(r"[^A-Za-z0-9._-]+", "_", r["doc_id"]).strip("_")
            docs.append(Document(doc_id=doc_id, title=r.get("title") or None, outlet=None,
                                 published=None, text=text, url=r.get("url") or None))
    return docs


def dev_questions(path: Path, n: int) -> list[str]:
    qs = []
    with open(path / "questions.jsonl", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if r.get("split") == "dev" and r.get("in_corpus_subset"):
                qs.append(r["question"])
    return qs[:n]


class HashEmbedder:
    """A fast deterministic stand-in (`--embedder fake`): no model, for smoke runs."""

    name = "fake"
    dim = 384

    def embed_documents(self, texts):
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            for tok in t.lower().split():
                out[i, int(hashlib.md5(tok.encode()).hexdigest()[:8], 16) % self.dim] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    def embed_query(self, text):
        return self.embed_documents([text])[0]


def default_embedder(spec: str | None) -> str:
    """`spec`, or the settings' `index.embed_model` (what a default install embeds with)."""
    if spec:
        return spec
    from qa.settings import Settings

    return Settings.load().index.embed_model


def make_embedder(spec: str):
    if spec == "fake":
        return HashEmbedder()
    from qa.components import get_embedder

    return get_embedder(spec)


class LookupEmbedder:
    """Serves precomputed document vectors by text; embeds queries with the real model.
    A text served again (a chunk of a repeated article) gets its vector plus small noise
    (sigma 0.01, renormalised: cosine ~0.98), so the HNSW graph holds distinct points as a
    real corpus would, not stacks of identical vectors."""

    def __init__(self, inner, table: dict[str, np.ndarray], name: str):
        self.inner, self.table, self.name = inner, table, name
        self.served: dict[str, int] = {}

    def embed_documents(self, texts):
        missing = [t for t in dict.fromkeys(texts) if t not in self.table]
        if missing:  # e.g. sentences scored by the quote answerer
            self.table.update(zip(missing, self.inner.embed_documents(missing)))
        out = []
        for t in texts:
            v = self.table[t]
            n = self.served[t] = self.served.get(t, -1) + 1
            if n:
                rng = np.random.default_rng(int(hashlib.md5(f"{n}:{t}".encode()).hexdigest()[:8], 16))
                v = v + rng.normal(0, 0.01, v.shape).astype(np.float32)
                v = v / np.linalg.norm(v)
            out.append(v)
        return np.stack(out) if texts else np.zeros((0, 1), np.float32)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def bench_index(settings, spec: str, table: dict):
    """(index, inner model) over `settings.data_dir`, built as qa.components.build_index builds it:
    articles, sentences and questions with `spec` (documents served from `table`), passages with
    `index.passage_embed_model` (a new store: the static default; `--embedder fake`: the fake's
    own vectors). Static passage vectors are computed for real (fast), copies noised as above."""
    from index import ChromaStore, NewsIndex, SentenceChunker
    from qa.components import get_embedder, store_models

    s = settings.index
    models = {} if spec == "fake" else store_models(settings.with_overrides({"index.embed_model": spec}))
    store = ChromaStore(settings.data_dir, embed_model=spec, **models)
    inner = make_embedder(spec)
    passages = articles = None
    if store.passage_model != spec:
        passages = LookupEmbedder(get_embedder(store.passage_model), {}, store.passage_model)
    if store.article_model != spec:
        articles = LookupEmbedder(get_embedder(store.article_model), {}, store.article_model)
    chunker = SentenceChunker(s.chunk_sentences, s.chunk_overlap, s.chunk_max_chars)
    return NewsIndex(store, LookupEmbedder(inner, table, spec), chunker, passage_embedder=passages,
                     article_embedder=articles), inner


def plan(docs, chunker, sizes: list[int]):
    """Documents (with copies under new ids) whose chunk counts reach each size."""
    from corpus import Document

    per_doc = [(d, len(chunker.chunk(d))) for d in docs]
    base_total = sum(n for _, n in per_doc)
    out = {}
    for size in sizes:
        chosen, total, copy = [], 0, 0
        while total < size:
            for d, n in per_doc:
                if total >= size:
                    break
                if copy:
                    d = Document(doc_id=f"{d.doc_id}-r{copy}", title=d.title, outlet=d.outlet,
                                 published=d.published, text=d.text, url=d.url)
                chosen.append(d)
                total += n
            copy += 1
        out[size] = (chosen, total, copy - 1)
    return out, base_total


def percentile(xs: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(xs), p)) if xs else float("nan")


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def embed_queries_apart(index, inner, questions: list[str]) -> float:
    """The model's share of a query, timed apart (returns its p50 in ms); the index's
    embedder then serves these questions' vectors, so retrieval figures are the index's own
    cost (a shared, busy CPU makes model time very noisy)."""
    inner.embed_query("warm up")
    qvecs, lat = {}, []
    for q in questions:
        t = time.perf_counter()
        qvecs[q] = inner.embed_query(q)
        lat.append((time.perf_counter() - t) * 1000)
    index.embedder.embed_query = lambda text: qvecs[text] if text in qvecs else inner.embed_query(text)
    if index.article_embedder is not index.embedder:  # the article model's question vectors too
        model = index.article_embedder.inner
        avecs = {q: model.embed_query(q) for q in questions}
        index.article_embedder.embed_query = lambda text: avecs[text] if text in avecs else model.embed_query(text)
    return round(percentile(lat, 50), 1)


def run_one(args) -> dict:
    """One size in this process: ingest into a fresh store, then time queries."""
    import pickle

    from index import ingest_documents
    from qa.components import build_retriever
    from qa.settings import Settings

    with open(args.work / "plan.pkl", "rb") as fh:
        docs = pickle.load(fh)[args.one_size]
    table = dict(np.load(args.work / "vectors.npz", allow_pickle=True)["table"].item())
    settings = Settings.load(data_dir=str(args.work / f"data-{args.one_size}"))
    import shutil

    shutil.rmtree(settings.data_dir, ignore_errors=True)  # always a fresh store
    s = settings.index
    index, inner = bench_index(settings, args.embedder, table)
    store = index.store
    t0 = time.perf_counter()
    report = ingest_documents(index, docs)  # the product's batched path
    t_store = time.perf_counter() - t0
    t1 = time.perf_counter()
    index.bm25()
    t_bm25 = time.perf_counter() - t1
    n_chunks = store.count_chunks()
    result = {
        "size": args.one_size, "documents": len(docs), "chunks": n_chunks,
        "ingest_s": round(t_store + t_bm25, 2), "bm25_build_s": round(t_bm25, 2),
        "ingest_chunks_per_s": round(n_chunks / (t_store + t_bm25), 1),
        "chunks_written": report.chunks_written, "passage_model": store.passage_model,
        "article_model": store.article_model,
        "writes": f"ingest_documents, batches of {s.batch_chunks} chunks",
    }
    retriever = build_retriever(settings, index)  # the product's retrieval, from settings
    passages = getattr(retriever.articles, "passages", None)  # index.passage_matrix, where present
    if passages is not None:  # read before timing (a server's warm-up does it; else the background)
        t = time.perf_counter()
        passages.wait()
        result["passage_matrix_load_s"] = round(time.perf_counter() - t, 2)
        result["passage_matrix_mb"] = round(passages.nbytes / 2**20, 1)
    questions = dev_questions(bench_dir(args.bench_dir), args.queries)
    result["embed_query_p50_ms"] = embed_queries_apart(index, inner, questions)
    result["articles"] = store.count_articles()
    for mode in ("hybrid", "dense", "articles"):
        retriever.retrieve(questions[0], 5, mode)
        lat = []
        for q in questions:
            t = time.perf_counter()
            retriever.retrieve(q, 5, mode)
            lat.append((time.perf_counter() - t) * 1000)
        result[f"{mode}_p50_ms"] = round(percentile(lat, 50), 1)
        result[f"{mode}_p95_ms"] = round(percentile(lat, 95), 1)
    try:
        from qa.assistant import Assistant

        assistant = Assistant.from_settings(settings, index, retriever=retriever)
        assistant.ask(questions[0], mode="quote")
        lat = []
        for q in questions[: max(5, args.queries // 3)]:
            t = time.perf_counter()
            assistant.ask(q, mode="quote")
            lat.append((time.perf_counter() - t) * 1000)
        result["quote_p50_ms"] = round(percentile(lat, 50), 1)
        result["quote_p95_ms"] = round(percentile(lat, 95), 1)
    except Exception as exc:  # report, don't hide: retrieval figures still stand
        result["quote_error"] = f"{type(exc).__name__}: {exc}"[:200]
    result["disk_mb"] = round(dir_size(Path(settings.data_dir)) / 2**20, 1)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def embed_base(args, texts: list[str]) -> float:
    """Embed the base chunk texts once (kept in WORK/vectors.npz); returns seconds (nan: reused)."""
    saved = args.work / "vectors.npz"
    table = dict(np.load(saved, allow_pickle=True)["table"].item()) if saved.is_file() else {}
    if all(t in table for t in texts):
        print(f"embedding: reusing {len(texts)} vectors from {saved}")
        return float("nan")
    emb = make_embedder(args.embedder)
    emb.embed_documents(texts[:32])  # load the model before timing
    t = time.perf_counter()
    vecs = emb.embed_documents(texts)
    embed_s = time.perf_counter() - t
    print(f"embedding: {len(texts)} chunks in {embed_s:.1f}s = {len(texts) / embed_s:.1f} chunks/s ({args.embedder})")
    np.savez(saved, table=np.array(dict(zip(texts, vecs)), dtype=object))
    return embed_s


def parser() -> argparse.ArgumentParser:
    """The options of this benchmark (bench/scale_grow.py takes the same)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000", help="chunk counts, comma-separated")
    ap.add_argument("--embedder", default=None,
                    help="the question and sentence model: any get_embedder spec, or fake "
                         "(default: the settings' index.embed_model)")
    ap.add_argument("--bench-dir", help="folder holding realtimeqa/ (default REPO/../shared/bench, or QA_BENCH_DIR)")
    ap.add_argument("--queries", type=int, default=40, help="dev questions timed per size")
    ap.add_argument("--max-unique", type=int, default=10000,
                    help="embed at most this many unique chunks; larger sizes repeat articles")
    ap.add_argument("--work", type=Path, help="scratch folder (default: a temp dir)")
    ap.add_argument("--one-size", type=int, help=argparse.SUPPRESS)
    return ap


def base_set(args):
    """(sizes, base articles, their chunk count, chunker): the real articles until `max_unique`
    chunks, in a scratch folder `args.work` (created)."""
    from index import SentenceChunker
    from qa.settings import Settings

    sizes = sorted(int(x) for x in args.sizes.split(","))
    src = bench_dir(args.bench_dir)
    if not (src / "corpus_subset.jsonl").is_file():
        sys.exit(f"error: no {src}/corpus_subset.jsonl; pass --bench-dir or set QA_BENCH_DIR")
    args.work = args.work or Path(tempfile.mkdtemp(prefix="qa-scale-"))
    args.work.mkdir(parents=True, exist_ok=True)
    s = Settings.load().index
    chunker = SentenceChunker(s.chunk_sentences, s.chunk_overlap, s.chunk_max_chars)
    docs = load_articles(src)
    # The base set: articles until max_unique chunks; larger sizes repeat it with new ids
    # (or, in bench/scale_grow.py, add generated articles).
    base, total = [], 0
    for d in docs:
        if total >= min(args.max_unique, max(sizes)):
            break
        base.append(d)
        total += len(chunker.chunk(d))
    return sizes, base, total, chunker


def main() -> None:
    args = parser().parse_args()
    args.embedder = default_embedder(args.embedder)
    if args.one_size:
        print(json.dumps(run_one(args)))
        return

    import pickle

    sizes, base, total, chunker = base_set(args)
    plans, base_chunks = plan(base, chunker, sizes)
    with open(args.work / "plan.pkl", "wb") as fh:
        pickle.dump({k: v[0] for k, v in plans.items()}, fh)
    texts = sorted({c.text for d in base for c in chunker.chunk(d)})
    print(f"corpus: RealTime QA articles, base set {len(base)} articles, "
          f"{base_chunks} chunks ({len(texts)} unique texts); embedder {args.embedder}")
    embed_s = embed_base(args, texts)
    rows = []
    for size in sizes:
        chosen, n, copies = plans[size]
        note = (f" ({copies} repeat(s) of the base set with new ids, embeddings reused"
                + ", plus small noise)") if copies else ""
        print(f"size {size}: {len(chosen)} documents, {n} chunks{note}", flush=True)
        proc = subprocess.run(
            [sys.executable, __file__, "--one-size", str(size), "--embedder", args.embedder,
             "--queries", str(args.queries), "--work", str(args.work)]
            + (["--bench-dir", args.bench_dir] if args.bench_dir else []),
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            print(f"  failed: {proc.stderr[-2000:]}")
            continue
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(row)
        print("  " + json.dumps(row), flush=True)
    print("\nretrieval times exclude the query embedding (timed apart: embed_query_p50_ms above)")
    print("chunks   docs  ingest ch/s  disk MB  hybrid p50/p95 ms  dense p50/p95 ms  articles p50/p95 ms  "
          "quote p50/p95 ms  peak RSS MB")
    for r in rows:
        quote = f"{r['quote_p50_ms']:>7}/{r['quote_p95_ms']:<7}" if "quote_p50_ms" in r else "  n/a (see above)"
        print(f"{r['chunks']:>7} {r['documents']:>6} {r['ingest_chunks_per_s']:>12} {r['disk_mb']:>8} "
              f"{r['hybrid_p50_ms']:>9}/{r['hybrid_p95_ms']:<8} {r['dense_p50_ms']:>8}/{r['dense_p95_ms']:<8} "
              f"{r['articles_p50_ms']:>11}/{r['articles_p95_ms']:<8} {quote} {r['peak_rss_mb']:>10}")
    if embed_s == embed_s:  # not reused
        print(f"embedding throughput ({args.embedder}): {len(texts) / embed_s:.1f} chunks/s; "
              f"end-to-end ingest at this rate is bounded by embedding")
    print(f"scratch: {args.work} (delete it when done)")


if __name__ == "__main__":
    main()
