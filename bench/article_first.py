"""Article-first retrieval (index.article_retrieval) against today's passage retrieval, on one
split of RealTime QA (all 2,914 articles, each question asked as of its quiz date), MultiHop-RAG
(its facts among the RealTime QA articles) and BEIR SciFact (the suggested dev/test halves of
the 300 test queries), over the evaluation suite's cached indexes (built if missing).

    QA_CACHE_DIR=/work/cache-retrieval nice -n 10 .venv/bin/python bench/article_first.py --split dev --grid
    QA_CACHE_DIR=/work/cache-retrieval nice -n 10 .venv/bin/python bench/article_first.py --split test \
        --articles --baseline

Figures per set: RealTime QA: evidence article (ev:<qid>) at rank 1 and in the top 5 articles;
the answer passage (a chunk of the evidence article holding the answer string, or any of its
chunks when none does) in the top 5 passages. MultiHop-RAG: fact recall@10 (distinct documents).
SciFact: nDCG@10. Today's retrieval ranks articles by the distinct documents of its passages.

--grid scores every committed article of each question exactly (ArticleFirst.article_scores:
its cosine once, then each prior shape) and chooses the prior's shape (flat days, decay days,
undated value) and its weights with and without an explicit as_of (RealTime QA questions carry
their quiz date, MultiHop-RAG's none) by the mean over the sets of each set's article figure
(RealTime QA: the mean of article@1 and article@5; MultiHop-RAG: recall@10 of articles).
--articles runs the product retriever (`Retriever.retrieve(mode="articles")`, diversified and
copy-collapsed) with the settings' weights, or those of --weights key=value,... (ArticleWeights
fields: article, passage, bm25, recency, recency_days, recency_flat, recency_no_as_of,
recency_undated (none: the mean)).
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
from index.article_retrieval import ArticleWeights, query_vectors, recency_prior  # noqa: E402

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
    """Per question: every article's cosine, the articles it may see, the prior's inputs."""
    from index.article_matrix import day_number

    af = retriever.articles
    m = af.matrices.get()
    feats = []
    chunk_vecs, chunk_row = _chunk_matrix(af.index, m)
    pairs = [query_vectors(af.index, it[0]) for it in items]  # (article, passage) question vectors
    for (vec, pvec), (q, as_of, gold_docs, gold_chunks, qrels) in zip(pairs, _bar(items, f"{name} features")):
        filters, about = prepared(q, as_of) if name != "scifact" else (None, None)
        from index import Filters

        allowed = m.mask(af.index, filters or Filters(), before=as_of)
        ref = af.reference(as_of)
        about_days = None if not about else tuple(day_number(d) if d else (-np.inf if i == 0 else np.inf)
                                                  for i, d in enumerate(about))
        gold = np.array([m.row[d] for d in (gold_docs or ()) if d in m.row], dtype=int)
        if name == "scifact":
            gold = np.array([m.row[d] for d in qrels if d in m.row], dtype=int)
        bm = _article_bm25(af.index, m, q, allowed)
        best = np.full(len(m), -1.0, dtype=np.float32)  # each article's best passage cosine
        np.maximum.at(best, chunk_row, chunk_vecs @ pvec)
        feats.append((m.vectors @ vec, allowed, day_number(ref) if ref else None, about_days, bool(as_of), gold, qrels,
                      bm, af.index.bm25().rarity(q), best))
    return m, feats


def _chunk_matrix(index, m):
    """Every passage vector and the matrix row of its article."""
    vecs, rows, offset = [], [], 0
    while True:
        res = index.store.chunks.get(include=["embeddings", "metadatas"], limit=5000, offset=offset)
        if not res["ids"]:
            break
        for v, meta in zip(res["embeddings"], res["metadatas"]):
            if meta.get("doc_id") in m.row:
                vecs.append(v)
                rows.append(m.row[meta["doc_id"]])
        offset += len(res["ids"])
    return np.asarray(vecs, dtype=np.float32), np.asarray(rows, dtype=int)


def _article_bm25(index, m, query: str, allowed) -> np.ndarray:
    """Per article: its best passage's BM25 among the top 200 / the best (0 below them)."""
    out = np.zeros(len(m), dtype=np.float32)
    ok = {m.doc_ids[i] for i in np.flatnonzero(allowed)}
    hits = index.bm25().search(query, 200, allowed_docs=ok if len(ok) < len(m) else None)
    top = max((s for _, s in hits), default=0.0)
    for cid, sc in hits:
        i = m.row.get(cid.rsplit("#", 1)[0])
        if i is not None and top > 0:
            out[i] = max(out[i], sc / top)
    return out


def grid_eval(name, m, feats, w: ArticleWeights) -> dict:
    tot = {}
    for cos, allowed, ref, about, dated, gold, qrels, bm, rarity, best in feats:
        prior = recency_prior(m.days, ref, about, w, allowed)
        r = w.recency if dated else w.recency_no_as_of
        s = np.where(allowed, w.article * cos + w.passage * best + r * prior + w.bm25_for(rarity) * bm, -np.inf)
        top = np.argpartition(-s, 10)[:10] if len(s) > 10 else np.arange(len(s))
        docs = [m.doc_ids[i] for i in top[np.argsort(-s[top], kind="stable")]]
        g = {m.doc_ids[i] for i in gold}
        fig = (figures(name, docs, [], set(), None, qrels) if name == "scifact"
               else {"recall@10": len(g & set(docs[:10])) / max(1, len(g))} if name == "multihop"
               else {"article@1": float(bool(g & set(docs[:1]))), "article@5": float(bool(g & set(docs[:5])))})
        for k, v in fig.items():
            tot[k] = tot.get(k, 0.0) + v
    return {k: round(v / len(feats), 4) for k, v in tot.items()}


GRID = {"recency": (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0), "flat": (0.0, 3.0, 7.0, 14.0),
        "days": (1.0, 3.0, 7.0, 30.0, 90.0), "undated": (None, 0.5, 1.0)}


def grid(sets: dict) -> list[dict]:
    """The prior's shape and its two weights; the article weight stays 1 (passage 0, BM25 0: the
    dev choice of the passage and BM25 weights, docs/measurements.md)."""
    rows = []
    for flat, days, und in itertools.product(GRID["flat"], GRID["days"], GRID["undated"]):
        best = {}
        for r in GRID["recency"]:
            w = ArticleWeights(article=1.0, passage=0.0, recency=r, recency_no_as_of=r, recency_days=days,
                               recency_flat=flat, recency_undated=und)
            for name, (m, feats) in sets.items():
                res = grid_eval(name, m, feats, w)
                if name not in best or objective(name, res) > objective(name, best[name][1]):
                    best[name] = (r, res)
        # the dated sets choose `recency`, the undated ones `recency_no_as_of`
        dated = [n for n, (_, f) in sets.items() if f and f[0][4]]
        undated = [n for n in sets if n not in dated]
        score = float(np.mean([objective(n, best[n][1]) for n in sets]))
        rows.append({"recency_flat": flat, "recency_days": days, "recency_undated": und,
                     "recency": {n: best[n][0] for n in dated}, "recency_no_as_of": {n: best[n][0] for n in undated},
                     "objective": round(score, 4), **{n: best[n][1] for n in sets}})
    return sorted(rows, key=lambda x: -x["objective"])


BM25_GRID = {"bm25": (0.1, 0.2, 0.3, 0.5, 1.0), "slope": (0.0, 10.0, 30.0),
             "center": (0.3, 0.4, 0.5, 0.6, 0.7), "passage": (0.0, 0.2, 0.5)}


def grid_bm25(sets: dict, base: ArticleWeights) -> list[dict]:
    """BM25's weight as a function of the query's rarity, and the passage weight (each article
    by its best passage's cosine), the prior held at `base`."""
    from dataclasses import replace

    rows = []
    g = BM25_GRID
    combos = [(0.0, 0.0, 0.5, p) for p in g["passage"]] + [
        (b, sl, c, p) for b, sl, c, p in itertools.product(g["bm25"], g["slope"], g["center"], g["passage"])
        if sl or c == 0.5]
    for b, slope, center, p in combos:
        w = replace(base, bm25=b, bm25_slope=slope, bm25_center=center, passage=p)
        res = {name: grid_eval(name, m, feats, w) for name, (m, feats) in sets.items()}
        score = float(np.mean([objective(n, f) for n, f in res.items()]))
        rows.append({"bm25": b, "bm25_slope": slope, "bm25_center": center, "passage": p,
                     "objective": round(score, 4), **res})
    return sorted(rows, key=lambda x: -x["objective"])


def article_weights(spec: str | None, settings) -> ArticleWeights:
    from dataclasses import replace

    r = settings.retrieval
    w = ArticleWeights(article=r.article_weight, passage=r.passage_weight, bm25=r.article_bm25_weight,
                       recency=r.recency_weight, recency_days=r.recency_days, recency_flat=r.recency_flat_days,
                       recency_no_as_of=r.recency_weight_no_as_of, recency_undated=r.recency_undated,
                       candidates=r.candidates, articles=r.articles_read, bm25_slope=r.article_bm25_slope,
                       bm25_center=r.article_bm25_center)
    for part in (spec or "").split(","):
        if part.strip():
            key, value = part.split("=", 1)
            w = replace(w, **{key.strip(): None if value.strip() == "none" else float(value)})
    return w


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
        from qa.components import article_embedder_for, get_embedder, passage_embedder_for

        beir = load_beir(bench_dir() / "beir-scifact", "test", split)
        sf_index = open_beir_index(beir, get_embedder(settings.index.embed_model), root=cache_root(),
                                   passage_embedder=passage_embedder_for(settings),
                                   article_embedder=article_embedder_for(settings))
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
    ap.add_argument("--articles", action="store_true", help="run the product retriever in mode articles")
    ap.add_argument("--grid-bm25", action="store_true", help="with --grid: BM25's rarity-dependent weight instead")
    ap.add_argument("--weights", default=None, help="key=value,...: ArticleWeights to run instead of the settings'")
    ap.add_argument("--baseline", action="store_true", help="also run passage retrieval (mode hybrid)")
    ap.add_argument("--out", default=None, help="write the JSON report here too")
    args = ap.parse_args(argv)
    settings = Settings.load()
    sets = load_sets(args.split, args.only.split(","), settings)
    report = {"split": args.split, "questions": {n: len(items) for n, (_, items) in sets.items()}}
    say = lambda obj: print(json.dumps(obj), file=sys.stderr, flush=True)  # noqa: E731
    for name, (index, items) in sets.items():
        if args.baseline:  # passage retrieval, the default before article-first (bench/hybrid.toml)
            report.setdefault("hybrid", {})[name] = run_retriever(name, build_retriever(settings, index), "hybrid", items)
            say({"hybrid": {name: report["hybrid"][name]}})
        if args.articles or args.weights:
            from index import Retriever

            w = article_weights(args.weights, settings)
            r = settings.retrieval
            ret = Retriever(index, candidates=r.candidates, rrf_k=r.rrf_k, max_per_doc=r.max_per_doc, fusion=r.fusion,
                            dense_weight=r.dense_weight, bm25_weight=r.bm25_weight, article_weights=w,
                            collapse_copies=r.collapse_copies)
            report.setdefault("articles", {"weights": w.__dict__})[name] = run_retriever(name, ret, "articles", items)
            say({"articles": {name: report["articles"][name]}})
    if args.grid or args.grid_bm25:
        from qa.components import build_retriever

        t0 = time.perf_counter()
        feats = {name: features(name, build_retriever(settings, index), items) for name, (index, items) in sets.items()}
        say({"features_s": round(time.perf_counter() - t0, 1)})
        if args.grid_bm25:
            rows = grid_bm25(feats, article_weights(args.weights, settings))
            report["grid_size"] = len(rows)
        else:
            rows = grid(feats)
            report["grid_size"] = len(rows) * len(GRID["recency"])
        report["grid_top"] = rows[:15]
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
