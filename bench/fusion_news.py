"""Fusion weights chosen on news: evidence recall of dense, BM25 and hybrid retrieval on the
RealTime QA corpus (all 2,914 articles; recall of each question's evidence article) and on
MultiHop-RAG (its facts among the RealTime QA articles; fact recall), for a grid of dense
weights, on one split. Retrieval only (no answering), over the evaluation suite's cached
indexes (built by `qa eval --suite` without --quick; this script builds them if missing).

    nice -n 10 .venv/bin/python bench/fusion_news.py --split dev     # choose here
    nice -n 10 .venv/bin/python bench/fusion_news.py --split test    # report here
    nice -n 10 .venv/bin/python bench/fusion_news.py --split dev --rerank --weights 0.5 \
        --depths 20,30,50 --ce-weights 1,0.7,0.5,0.3 --max-lengths 256,512   # cross-encoder 2nd stage

With --rerank, the product's fused list (convex fusion at each --weights dense weight, before
diversifying) is computed once per question and re-ordered by `index.cross_encoder.
CrossEncoderReranker` for every depth x CE weight x max length (the cross-encoder's logits
are memoised per (question, passage), so each pair is read once per max length), then
diversified exactly as `Retriever.hybrid` does; the row "no second stage" is the same list
without it.

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
    from qa.question.analysis import analyse, merge_filters

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


class MemoScorer:
    """Wraps a cross-encoder: each (query, text) pair is scored once; counts what it read."""

    def __init__(self, inner):
        self.inner, self.memo, self.pairs, self.seconds = inner, {}, 0, 0.0

    def score(self, query: str, texts: list[str]):
        import numpy as np

        todo = list(dict.fromkeys(t for t in texts if (query, t) not in self.memo))
        if todo:
            t0 = time.perf_counter()
            for t, s in zip(todo, self.inner.score(query, todo)):
                self.memo[(query, t)] = float(s)
            self.seconds += time.perf_counter() - t0
            self.pairs += len(todo)
        return np.array([self.memo[(query, t)] for t in texts], dtype=np.float32)


def rerank_sweep(index, settings, items, w: float, depths, ce_weights, max_lengths, with_title: bool,
                 ks=(1, 3, 5, 10)) -> dict:
    import copy

    from index import Retriever
    from index.cross_encoder import CrossEncoderReranker, OnnxCrossEncoder
    from index.retrieval import diversify
    from qa.question.analysis import analyse, merge_filters

    class Capture:  # the fused list as the product's second stage would receive it
        def rerank(self, query, passages):
            self.last = copy.deepcopy(passages)
            return passages

    r = settings.retrieval
    cap = Capture()
    retriever = Retriever(index, candidates=r.candidates, rrf_k=r.rrf_k, dense_weight=w, bm25_weight=1.0 - w,
                          max_per_doc=r.max_per_doc, fusion=r.fusion, reranker=cap)
    fused = []
    for q, as_of, _ in items:
        retriever.retrieve(q, max(ks), "hybrid", merge_filters(None, analyse(q, as_of)))
        fused.append(cap.last)
    configs = [("no second stage", None, None, None)] + [
        (f"ce depth={d} weight={cw} max_length={ml}", d, cw, ml)
        for ml in max_lengths for d in depths for cw in ce_weights]
    scorers = {ml: MemoScorer(OnnxCrossEncoder(max_length=ml)) for ml in max_lengths}
    out = {}
    for name, d, cw, ml in configs:
        rec = {kk: 0.0 for kk in ks}
        for (q, _, gold), cands in zip(items, fused):
            ranked = copy.deepcopy(cands)
            if d is not None:
                ranked = CrossEncoderReranker(scorers[ml], depth=d, weight=cw, with_title=with_title).rerank(q, ranked)
            docs = [p.doc_id for p in diversify(ranked, max(ks), r.max_per_doc)]
            for kk in ks:
                rec[kk] += recall_at(docs, gold, kk)
        out[name] = {f"recall@{kk}": round(v / len(items), 4) for kk, v in rec.items()}
    for ml, sc in scorers.items():
        out[f"cross-encoder max_length={ml}"] = {"pairs": sc.pairs, "ms_per_pair": round(1000 * sc.seconds / max(sc.pairs, 1), 1)}
    return out


def main(argv: list[str] | None = None) -> int:
    from qa.settings import Settings

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("dev", "test"), default="dev")
    ap.add_argument("--weights", default="0.2,0.3,0.4,0.5,0.6,0.7,0.8", help="dense weights of the convex fusion")
    ap.add_argument("--limit", type=int, default=None, help="only the first N questions per benchmark")
    ap.add_argument("--rerank", action="store_true", help="sweep the cross-encoder second stage instead")
    ap.add_argument("--depths", default="20,30,50", help="--rerank: candidates the cross-encoder reads")
    ap.add_argument("--ce-weights", default="1,0.7,0.5,0.3", help="--rerank: share of the cross-encoder score")
    ap.add_argument("--max-lengths", default="256", help="--rerank: cross-encoder truncation, tokens")
    ap.add_argument("--no-title", action="store_true", help="--rerank: passage text without its title")
    ap.add_argument("--only", choices=("realtimeqa", "multihop"), default=None, help="one benchmark only")
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
                                                "candidates": settings.retrieval.candidates}}
    ints = lambda text: [int(x) for x in text.split(",")]  # noqa: E731
    for name, index, items in (("realtimeqa", rt_index, rt_items), ("multihop", mh_index, mh_items)):
        if args.only and name != args.only:
            continue
        if args.rerank:
            res = {f"w_dense={w}": rerank_sweep(index, settings, items, float(w), ints(args.depths),
                                                [float(x) for x in args.ce_weights.split(",")],
                                                ints(args.max_lengths), not args.no_title)
                   for w in args.weights.split(",")}
        else:
            res = sweep(index, settings, items, grid, 10)
        report[name] = {"questions": len(items), **res}
        print(json.dumps({name: report[name]}), file=sys.stderr, flush=True)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
