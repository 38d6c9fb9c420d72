"""Fusion weights chosen on news: evidence recall of dense, BM25 and hybrid retrieval on the
RealTime QA corpus (all 2,914 articles; recall of each question's evidence article) and on
MultiHop-RAG (its facts among the RealTime QA articles; fact recall), for a grid of dense
weights, on one split. Retrieval only (no answering), over the evaluation suite's cached
indexes (built by `qa eval --suite` without --quick; this script builds them if missing).

    nice -n 10 .venv/bin/python bench/fusion_news.py --split dev     # choose here
    nice -n 10 .venv/bin/python bench/fusion_news.py --split test    # report here

Questions are asked as of their question date, as the suite does (date windows become filters).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation import benchmarks as B  # noqa: E402
from evaluation.beir import bench_dir, cache_root  # noqa: E402
from evaluation.suite import FOLDERS, SuiteOptions, open_bench_index  # noqa: E402


def recall_at(ranked_docs: list[str], gold: set[str], k: int) -> float:
    seen = list(dict.fromkeys(ranked_docs))[:k]
    return sum(d in gold for d in seen) / len(gold) if gold else 0.0


def sweep(index, settings, items: list[tuple[str, str | None, set[str]]], grid: list[tuple[str, str, float]],
          k: int, ks=(1, 3, 5, 10)) -> dict:
    from index import Retriever
    from qa.analysis import analyse, merge_filters

    prepared = [(q, merge_filters(None, analyse(q, as_of))) for q, as_of, _ in items]
    out = {}
    for name, mode, w in grid:
        r = settings.retrieval
        retriever = Retriever(index, candidates=r.candidates, rrf_k=r.rrf_k, dense_weight=w, bm25_weight=1.0 - w,
                              max_per_doc=r.max_per_doc, fusion=r.fusion)
        t0 = time.perf_counter()
        rec = {kk: 0.0 for kk in ks}
        for (q, filters), (_, _, gold) in zip(prepared, items):
            docs = [p.doc_id for p in retriever.retrieve(q, max(max(ks), k), mode, filters)]
            for kk in ks:
                rec[kk] += recall_at(docs, gold, kk)
        out[name] = {f"recall@{kk}": round(v / len(items), 4) for kk, v in rec.items()}
        out[name]["ms_per_query"] = round(1000 * (time.perf_counter() - t0) / len(items), 1)
    return out


def main(argv: list[str] | None = None) -> int:
    from qa.settings import Settings

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("dev", "test"), default="dev")
    ap.add_argument("--weights", default="0.2,0.3,0.4,0.5,0.6,0.7,0.8", help="dense weights of the convex fusion")
    ap.add_argument("--limit", type=int, default=None, help="only the first N questions per benchmark")
    args = ap.parse_args(argv)
    settings = Settings.load()
    opts = SuiteOptions(bench_dir(), split=args.split, cache_dir=cache_root() / "eval-index")
    grid = [("dense", "dense", 1.0), ("bm25", "bm25", 0.0)] + [
        (f"hybrid w_dense={w}", "hybrid", float(w)) for w in args.weights.split(",")]
    rt_docs, rt_qs = B.load_realtimeqa(opts.bench_dir / FOLDERS["realtimeqa"], args.split)
    mh_docs, mh_qs = B.load_multihop(opts.bench_dir / FOLDERS["multihop"], args.split)
    rt_index, isettings = open_bench_index(settings, "realtimeqa", rt_docs, opts.cache_dir)
    mh_index, _ = open_bench_index(settings, "multihop", mh_docs + rt_docs, opts.cache_dir,
                                   Path(isettings.data_dir))
    rt_items = [(q.question, q.as_of, {q.evidence_doc}) for q in rt_qs][: args.limit]
    mh_items = [(q.question, None, set(q.facts)) for q in mh_qs if q.facts][: args.limit]
    report = {"split": args.split, "settings": {"fusion": settings.retrieval.fusion,
                                                "candidates": settings.retrieval.candidates},
              "realtimeqa": {"questions": len(rt_items), **sweep(rt_index, settings, rt_items, grid, 10)},
              "multihop": {"questions": len(mh_items), **sweep(mh_index, settings, mh_items, grid, 10)}}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
