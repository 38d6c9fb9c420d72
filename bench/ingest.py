"""Benchmark: cold ingest of a corpus folder (default corpus/) with the real embedding model.

Prints, each into a fresh temporary data dir:
  * cold ingest, model load included (a new embedder whose model loads during the ingest;
    in a fresh process this includes importing torch and sentence-transformers),
  * cold ingest, model load excluded (the model is loaded explicitly first),
  * chunks per second for the latter, the number of chunks,
  * a second, no-op ingest of the same folder (nothing to embed),
  * peak RSS of the process (resource.getrusage ru_maxrss).

Usage:  nice -n 10 .venv/bin/python bench/ingest.py [--corpus DIR] [--model minilm] [--json]
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(REPO / "corpus"), help="folder to ingest (default corpus/)")
    ap.add_argument("--model", default="minilm", help="embedding model spec (default minilm)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = ap.parse_args(argv)

    t_import = time.perf_counter()
    from index import ChromaStore, NewsIndex, SentenceTransformerEmbedder, ingest_paths

    import_s = time.perf_counter() - t_import
    out: dict[str, float | int | str] = {"corpus": args.corpus, "model": args.model, "import_s": import_s}

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        # 1. model load included: the embedder's model is loaded lazily by the ingest itself
        t0, c0 = time.perf_counter(), time.process_time()
        emb = SentenceTransformerEmbedder(args.model)
        index = NewsIndex(ChromaStore(Path(tmp) / "a", embed_model=args.model), emb)
        report = ingest_paths(index, [args.corpus])
        out["cold_incl_load_s"] = time.perf_counter() - t0
        out["cold_incl_load_cpu_s"] = time.process_time() - c0
        if report.errors:
            print("\n".join(f"error: {e}" for e in report.errors), file=sys.stderr)
            return 1
        out["chunks"] = report.chunks_written
        out["documents"] = len(report.added)

        # 2. model load excluded: load a fresh embedder's model first, then a fresh data dir
        emb2 = SentenceTransformerEmbedder(args.model)
        t0 = time.perf_counter()
        _ = emb2.model
        out["model_load_s"] = time.perf_counter() - t0
        t0, c0 = time.perf_counter(), time.process_time()
        index2 = NewsIndex(ChromaStore(Path(tmp) / "b", embed_model=args.model), emb2)
        report2 = ingest_paths(index2, [args.corpus])
        out["cold_excl_load_s"] = time.perf_counter() - t0
        out["cold_excl_load_cpu_s"] = time.process_time() - c0
        assert report2.chunks_written == out["chunks"], "the two cold ingests disagree"
        out["chunks_per_s"] = report2.chunks_written / out["cold_excl_load_s"]

        # 3. a second ingest of the same folder: everything unchanged, nothing embedded
        before = emb2.texts_embedded
        t0 = time.perf_counter()
        report3 = ingest_paths(index2, [args.corpus])
        out["noop_s"] = time.perf_counter() - t0
        out["noop_embedded"] = emb2.texts_embedded - before
        assert report3.chunks_written == 0 and len(report3.unchanged) == out["documents"]

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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
