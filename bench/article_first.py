"""Article-first retrieval (index.article_retrieval) against today's passage retrieval, on one
split of RealTime QA (all 2,914 articles, each question asked as of its quiz date), MultiHop-RAG
(its facts among the RealTime QA articles) and BEIR SciFact (the suggested dev/test halves of
the 300 test queries), over the evaluation suite's cached indexes (built if missing).

    QA_CACHE_DIR=/work/cache-retrieval nice -n 10 .venv/bin/python bench/article_first.py --split dev --grid
    QA_CACHE_DIR=/work/cache-retrieval nice -n 10 .venv/bin/python bench/article_first.py --split test \
        --weights 0.5,0.5,0.1,0.1,7

Figures per set: RealTime QA: evidence article (ev:<qid>) at rank 1 and in the top 5 articles;
the answer passage (a chunk of the evidence article holding the answer string, or any of its
chunks when none does) in the top 5 passages. MultiHop-RAG: fact recall@10 (distinct documents).
SciFact: nDCG@10. Today's retrieval ranks articles by the distinct documents of its passages.

--grid computes each question's candidate features once (`ArticleFirst.candidates`) and scores
every weight combination on them; the choice maximises the mean over the sets of each set's
figure (RealTime QA: the mean of its three). --weights A,P,B,R,DAYS runs the product retriever
(`Retriever.retrieve(mode="articles")`, diversified and copy-collapsed) with those weights.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation import benchmarks as B  # noqa: E402
from evaluation.beir import bench_dir, cache_root, load_beir, open_beir_index  # noqa: E402
from evaluation.ir_metrics import ndcg_at_k  # noqa: E402
from evaluation.suite import FOLDERS, open_bench_index  # noqa: E402
from index.article_retrieval import ArticleWeights, recency_prior  # noqa: E402

DEPTH = 50


def _bar(items, desc: str):
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="q", file=sys.stderr, mininterval=10)


def rtqa_items(index, questions, docs):
    """(question, as_of, {evidence doc}, {answer chunk ids}) per question."""
    by_id = {d.doc_id: d for d in docs}
    out = []
    for q in questions:
        chunks = index.chunker.chunk(by_id[q.evidence_doc])
        hold = {c.chunk_id for c in chunks if q.answer_text.casefold() in c.text.casefold()}
        out.append((q.question, q.as_of, {q.evidence_doc}, hold or {c.chunk_id for c in chunks}))
    return out


def prepared(question: str, as_of: str | None):
    from qa.question.analysis import analyse, merge_filters

    a = analyse(question, as_of)
    about = (a.date_from, a.date_to) if (a.date_from or a.date_to) else None
    return merge_filters(None, a), about


def figures(name: str, docs: list[str], passages: list[str], gold_docs: set[str], gold_chunks: set[str] | None,
            qrels: dict | None) -> dict:
    if name == "scifact":
        return {"ndcg@10": ndcg_at_k(docs, qrels, 10)}
    if name == "multihop":
        return {"recall@10": len(gold_docs & set(docs[:10])) / len(gold_docs)}
    return {"article@1": float(bool(gold_docs & set(docs[:1]))), "article@5": float(bool(gold_docs & set(docs[:5]))),
            "passage@5": float(bool(gold_chunks & set(passages[:5])))}


def objective(name: str, fig: dict) -> float:
    return float(np.mean(list(fig.values())))


def run_retriever(name, retriever, mode, items, weights=None) -> dict:
    tot, t0 = {}, time.perf_counter()
    for q, as_of, gold_docs, gold_chunks, qrels in _bar(items, f"{name} {mode}"):
        filters, about = prepared(q, as_of) if name != "scifact" else (None, None)
        kw = {"as_of": as_of, "about": about} if mode == "articles" else {}
        from index import Filters

        got = retriever.retrieve(q, DEPTH, mode, filters or Filters(), **kw)
        docs = list(dict.fromkeys(p.doc_id for p in got))
        for k, v in figures(name, docs, [p.chunk.chunk_id for p in got], gold_docs, gold_chunks, qrels).items():
            tot[k] = tot.get(k, 0.0) + v
    out = {k: round(v / len(items), 4) for k, v in tot.items()}
    out["ms_per_query"] = round(1000 * (time.perf_counter() - t0) / len(items), 1)
    return out


def features(name, retriever, items):
    """Per question: the candidates and what the recency prior needs."""
    feats = []
    af = retriever.articles
    records = af.index.records()
    for q, as_of, gold_docs, gold_chunks, qrels in _bar(items, f"{name} features"):
        filters, about = prepared(q, as_of) if name != "scifact" else (None, None)
        from index import Filters

        c = af.candidates(q, filters or Filters(), as_of, about)
        uniq, inv = np.unique(np.array(c.doc_ids, dtype=object), return_inverse=True) if c.doc_ids else ([], [])
        pubs = [getattr(records.get(d), "published", None) for d in uniq]
        feats.append((c, list(uniq), np.asarray(inv), pubs, af.reference(as_of), about,
                      (gold_docs, gold_chunks, qrels)))
    return feats


def grid_eval(name, feats, w: ArticleWeights, priors: dict, max_per_doc: int = 2) -> dict:
    tot = {}
    for qi, (c, uniq, inv, _, _, _, (gold_docs, gold_chunks, qrels)) in enumerate(feats):
        if not c.chunk_ids:
            docs, passages = [], []
        else:
            s = w.article * c.article + w.passage * c.cos + w.bm25 * c.bm25 + w.recency * priors[qi][inv]
            best = np.full(len(uniq), -np.inf)
            np.maximum.at(best, inv, s)
            order = np.lexsort((np.array(uniq, dtype=object).astype(str), -best))
            docs = [uniq[i] for i in order]
            passages, per = [], {}
            for i in np.argsort(-s, kind="stable"):
                d = c.doc_ids[i]
                if per.get(d, 0) < max_per_doc:
                    passages.append(c.chunk_ids[i])
                    if len(passages) == 5:
                        break
                per[d] = per.get(d, 0) + 1
        for k, v in figures(name, docs, passages, gold_docs, gold_chunks, qrels).items():
            tot[k] = tot.get(k, 0.0) + v
    return {k: round(v / len(feats), 4) for k, v in tot.items()}


GRID = {"article": (0.0, 0.2, 0.4, 0.5, 0.6, 0.8, 1.0), "bm25": (0.0, 0.05, 0.1, 0.2, 0.3),
        "recency": (0.0, 0.03, 0.1, 0.2), "days": (2.0, 7.0, 30.0, 180.0)}


def grid(sets: dict) -> list[dict]:
    rows = []
    for days in GRID["days"]:
        priors = {name: [recency_prior(f[3], f[4], f[5], days)[...] for f in feats] for name, feats in sets.items()}
        for a, b, r in itertools.product(GRID["article"], GRID["bm25"], GRID["recency"]):
            if r == 0.0 and days != GRID["days"][0]:
                continue
            w = ArticleWeights(article=a, passage=1.0 - a, bm25=b, recency=r, recency_days=days)
            res = {name: grid_eval(name, feats, w, priors[name]) for name, feats in sets.items()}
            score = float(np.mean([objective(n, f) for n, f in res.items()]))
            rows.append({"weights": [a, round(1.0 - a, 2), b, r, days], "objective": round(score, 4), **res})
    return sorted(rows, key=lambda x: -x["objective"])


def load_sets(split: str, only: list[str], settings):
    opts_cache = cache_root() / "eval-index"
    sets = {}
    rt_docs, rt_qs = B.load_realtimeqa(bench_dir() / FOLDERS["realtimeqa"], split)
    rt_index = rt_path = None
    if "realtimeqa" in only or "multihop" in only:
        rt_index, isettings = open_bench_index(settings, "realtimeqa", rt_docs, opts_cache)
        rt_path = Path(isettings.data_dir)
        rt_index.ensure_articles()
    if "realtimeqa" in only:
        sets["realtimeqa"] = (rt_index, [(*it, None) for it in rtqa_items(rt_index, rt_qs, rt_docs)])
    if "multihop" in only:
        mh_docs, mh_qs = B.load_multihop(bench_dir() / FOLDERS["multihop"], split)
        mh_index, _ = open_bench_index(settings, "multihop", mh_docs + rt_docs, opts_cache, rt_path)
        mh_index.ensure_articles()
        sets["multihop"] = (mh_index, [(q.question, None, set(q.facts), None, None) for q in mh_qs if q.facts])
    if "scifact" in only:
        from qa.components import get_embedder

        beir = load_beir(bench_dir() / "beir-scifact", "test", split)
        sf_index = open_beir_index(beir, get_embedder(settings.index.embed_model), root=cache_root())
        sf_index.ensure_articles()
        sets["scifact"] = (sf_index, [(beir.queries[qid], None, set(), None, rel) for qid, rel in beir.qrels.items()])
    return sets


def main(argv: list[str] | None = None) -> int:
    from qa.components import build_retriever
    from qa.settings import Settings

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("dev", "test"), default="dev")
    ap.add_argument("--only", default="realtimeqa,multihop,scifact")
    ap.add_argument("--grid", action="store_true", help="score the weight grid on candidate features")
    ap.add_argument("--weights", default=None, help="A,P,B,R,DAYS: run the product retriever with these")
    ap.add_argument("--baseline", action="store_true", help="also run today's retrieval (settings.retrieval)")
    ap.add_argument("--out", default=None, help="write the JSON report here too")
    args = ap.parse_args(argv)
    settings = Settings.load()
    sets = load_sets(args.split, args.only.split(","), settings)
    report = {"split": args.split, "questions": {n: len(items) for n, (_, items) in sets.items()}}
    say = lambda obj: print(json.dumps(obj), file=sys.stderr, flush=True)  # noqa: E731
    for name, (index, items) in sets.items():
        if args.baseline:
            r = settings.retrieval
            report.setdefault("today", {})[name] = run_retriever(name, build_retriever(settings, index), r.mode, items)
            say({"today": {name: report["today"][name]}})
        if args.weights:
            a, p, b, rc, days = (float(x) for x in args.weights.split(","))
            w = ArticleWeights(article=a, passage=p, bm25=b, recency=rc, recency_days=days)
            from index import Retriever

            r = settings.retrieval
            ret = Retriever(index, candidates=r.candidates, max_per_doc=r.max_per_doc, fusion=r.fusion,
                            dense_weight=r.dense_weight, bm25_weight=r.bm25_weight, article_weights=w,
                            collapse_copies=r.collapse_copies)
            report.setdefault("articles", {"weights": args.weights})[name] = run_retriever(name, ret, "articles", items)
            say({"articles": {name: report["articles"][name]}})
    if args.grid:
        from index import Retriever

        t0 = time.perf_counter()
        feats = {name: features(name, Retriever(index), items) for name, (index, items) in sets.items()}
        say({"features_s": round(time.perf_counter() - t0, 1)})
        rows = grid(feats)
        report["grid_top"] = rows[:15]
        report["grid_size"] = len(rows)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
