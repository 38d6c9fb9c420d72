"""Benchmark: cold ingest of a corpus folder (default corpus/) with the real embedding model.

Prints, each into a fresh temporary data dir:
  * cold ingest, model load included (a new embedder whose model loads during the ingest;
    in a fresh process this includes importing torch and sentence-transformers),
  * cold ingest, model load excluded (the model is loaded explicitly first),
  * chunks per second for the latter, the number of chunks,
  * a second, no-op ingest of the same folder (nothing to embed),
  * peak RSS of the process (resource.getrusage ru_maxrss).

and, for the index built: the share of articles with a publication date (and where the dates
came from), the near-duplicate clusters, and the size of the data dir. `--noop-articles N`
adds a separate check: N small generated articles in one JSONL export are ingested (no model:
constant vectors), then the unchanged export again; that second run is timed.

Usage:  nice -n 10 .venv/bin/python bench/ingest.py [--corpus DIR|FILE] [--field text=body ...]
            [--model minilm|minilm-onnx-int8|bge-small-int8] [--limit N] [--noop-articles 10000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return kb / 1024 if sys.platform != "darwin" else kb / (1024 * 1024)


def corpus_figures(index) -> dict:
    """Dated share (and where dates came from) and duplicate clusters of an ingested index."""
    from collections import Counter

    records = index.records(fresh=True)
    origins: Counter = Counter()
    for doc_id, rec in records.items():
        if rec.published:
            doc = index.get_document(doc_id)
            notes = doc.extra.get("notes") if doc else None
            origins[(notes or {}).get("published", "other") if isinstance(notes, dict) else "manifest"] += 1
    stats = index.store.registry.stats()
    return {
        "dated_share": (len(records) - stats["undated"]) / max(len(records), 1),
        "date_origins": dict(origins),
        "duplicate_clusters": stats["duplicate_clusters"], "duplicate_copies": stats["duplicate_copies"],
    }


def noop_check(folder: Path, n: int) -> dict:
    """Ingest `n` generated one-paragraph articles (constant vectors), then time the no-op rerun."""
    import json as _json
    import random

    import numpy as np

    from index import ChromaStore, NewsIndex, ingest_paths

    class Constant:
        name = "constant"

        def embed_documents(self, texts):
            return np.ones((len(texts), 8), np.float32) / np.sqrt(8)

        def embed_query(self, text):
            return np.ones(8, np.float32) / np.sqrt(8)

    rng = random.Random(0)
    words = "storm council minister market river election talks bridge court budget".split()
    folder.mkdir(parents=True, exist_ok=True)
    export = folder / "articles.jsonl"
    with open(export, "w", encoding="utf-8") as fh:
        for i in range(n):
            text = " ".join(rng.choice(words) for _ in range(60)) + f". Article {i}."
            fh.write(_json.dumps({"id": f"a{i}", "text": text, "published": "2024-01-01"}) + "\n")
    index = NewsIndex(ChromaStore(folder / "data", embed_model="constant"), Constant())
    t0 = time.perf_counter()
    first = ingest_paths(index, [export])
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = ingest_paths(NewsIndex(ChromaStore(folder / "data", embed_model="constant"), Constant()), [export])
    noop_s = time.perf_counter() - t0
    assert len(again.unchanged) == n and again.chunks_written == 0, again.to_json()["errors"][:3]
    return {"noop_articles": n, "noop_build_s": build_s, "noop_build_chunks": first.chunks_written,
            "noop_large_s": noop_s}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(REPO / "corpus"), help="folder to ingest (default corpus/)")
    ap.add_argument("--model", default="minilm", help="embedding model spec (default minilm)")
    ap.add_argument("--field", action="append", default=[], metavar="ROLE=NAME",
                    help="field mapping for JSONL/CSV exports, as `qa ingest --field`")
    ap.add_argument("--limit", type=int, default=0, help="ingest only the first N records of a JSONL export")
    ap.add_argument("--noop-articles", type=int, default=0, help="also time a no-op re-ingest of N articles")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = ap.parse_args(argv)

    t_import = time.perf_counter()
    from corpus import FieldMap
    from index import ChromaStore, NewsIndex, ingest_paths
    from index.embedders import make_embedder

    fields = FieldMap.parse(args.field)

    import_s = time.perf_counter() - t_import
    out: dict[str, float | int | str] = {"corpus": args.corpus, "model": args.model, "import_s": import_s}

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        if args.limit and args.corpus.endswith((".jsonl", ".ndjson")):
            head = Path(tmp) / "head.jsonl"
            with open(args.corpus, "rb") as src, open(head, "wb") as dst:
                for i, line in enumerate(src):
                    if i >= args.limit:
                        break
                    dst.write(line)
            args.corpus = str(head)
        # 1. model load included: the embedder's model is loaded lazily by the ingest itself
        t0, c0 = time.perf_counter(), time.process_time()
        emb = make_embedder(args.model)
        index = NewsIndex(ChromaStore(Path(tmp) / "a", embed_model=args.model), emb)
        report = ingest_paths(index, [args.corpus], fields=fields)
        out["cold_incl_load_s"] = time.perf_counter() - t0
        out["cold_incl_load_cpu_s"] = time.process_time() - c0
        if report.errors:
            print("\n".join(f"error: {e}" for e in report.errors[:20]), file=sys.stderr)
            print(f"{len(report.errors)} records not ingested (the others were)", file=sys.stderr)
        out["errors"] = len(report.errors)
        out["chunks"] = report.chunks_written
        out["documents"] = len(report.added)

        # 2. model load excluded: load a fresh embedder's model first, then a fresh data dir
        emb2 = make_embedder(args.model)
        t0 = time.perf_counter()
        emb2.embed_documents(["load the model"])
        emb2.texts_embedded = 0
        out["model_load_s"] = time.perf_counter() - t0
        t0, c0 = time.perf_counter(), time.process_time()
        index2 = NewsIndex(ChromaStore(Path(tmp) / "b", embed_model=args.model), emb2)
        report2 = ingest_paths(index2, [args.corpus], fields=fields)
        out["cold_excl_load_s"] = time.perf_counter() - t0
        out["cold_excl_load_cpu_s"] = time.process_time() - c0
        assert report2.chunks_written == out["chunks"], "the two cold ingests disagree"
        out["chunks_per_s"] = report2.chunks_written / out["cold_excl_load_s"]

        # 3. a second ingest of the same folder: everything unchanged, nothing embedded
        before = emb2.texts_embedded
        t0 = time.perf_counter()
        report3 = ingest_paths(index2, [args.corpus], fields=fields)
        out["noop_s"] = time.perf_counter() - t0
        out["noop_embedded"] = emb2.texts_embedded - before
        assert report3.chunks_written == 0 and len(report3.unchanged) == out["documents"]
        out.update(corpus_figures(index2))
        out["data_dir_mb"] = sum(f.stat().st_size for f in (Path(tmp) / "b").rglob("*") if f.is_file()) / 2**20
        if args.noop_articles:
            out.update(noop_check(Path(tmp) / "noop", args.noop_articles))

    out["peak_rss_mb"] = peak_rss_mb()
    out["loadavg_1m"] = os.getloadavg()[0]
    if args.json:
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}))
        return 0
    print(f"corpus {out['corpus']}: {out['documents']} documents, {out['chunks']} chunks, model {out['model']}")
    print(f"import of index package        {out['import_s']:8.2f} s")
    print(f"load average (1 min)           {os.getloadavg()[0]:8.2f}    on {os.cpu_count()} CPUs")
    print(f"cold ingest, model load incl.  {out['cold_incl_load_s']:8.2f} s  (CPU {out['cold_incl_load_cpu_s']:.2f} s)")
    print(f"model load alone               {out['model_load_s']:8.2f} s  (second load, files cached)")
    print(f"cold ingest, model load excl.  {out['cold_excl_load_s']:8.2f} s  (CPU {out['cold_excl_load_cpu_s']:.2f} s)")
    print(f"chunks per second (excl.)      {out['chunks_per_s']:8.1f}")
    print(f"second ingest (no-op)          {out['noop_s']:8.3f} s  ({out['noop_embedded']} texts embedded)")
    print(f"peak RSS                       {out['peak_rss_mb']:8.0f} MiB")
    print(f"data dir                       {out['data_dir_mb']:8.1f} MiB")
    print(f"articles with a date           {out['dated_share']:8.3f}    ({out['date_origins']})")
    print(f"near-duplicate clusters        {out['duplicate_clusters']:8d}    ({out['duplicate_copies']} later copies)")
    if args.noop_articles:
        print(f"no-op re-ingest of {out['noop_articles']:,} articles {out['noop_large_s']:8.2f} s  "
              f"(first build {out['noop_build_s']:.1f} s, constant vectors)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
