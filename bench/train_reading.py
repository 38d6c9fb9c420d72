"""Train the learned reading components and print held-out figures.

    python bench/train_reading.py [--squad N] [--rtqa N] [--seed-data-dir DIR] [--out-dir qa/]
    python bench/train_reading.py --eval-rtqa dev|test
    python bench/train_reading.py --eval-squad dev|test [--squad N]

Answerability judge (qa/judge/answerable.json): logistic regression over qa.judge.features on
- SQuAD 2.0 (CS224N dev file, `dev` half of splits.tsv; is_impossible = negative), read in its
  own paragraph;
- RealTime QA dev questions of the corpus subset (BM25 over the chunked corpus_subset, see
  CorpusBM25): positive = the normal retrieval (answer string retrieved), negative =
  the same question with its evidence doc and every doc containing the answer string removed;
- the seed gold set eval/gold.jsonl (eval/heldout.jsonl stays a dev set, eval/test.jsonl unused).
Short-answer scorer (qa/read/spans.json): logistic regression over qa.read.spans candidates of
the two best sentences, positive = equals a gold answer (SQuAD normalisation); SQuAD dev half and
RealTime QA dev. 20% of each source's questions (by id hash) are held out and reported."""

from __future__ import annotations

import argparse
import os
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
# QA_CODE=DIR: evaluate another checkout's qa/ (e.g. a baseline) with these benchmarks
sys.path.insert(0, os.environ.get("QA_CODE") or str(REPO))

from reading_data import (  # noqa: E402
    CorpusBM25, f1, has_answer, held, make_idf, norm, passage, rtqa_items, squad_items,
)


class Reader:
    """candidate sentences -> cheap score -> cross-encoder, as the Assistant does."""

    def __init__(self, scorer, depth: int):
        from qa.quote import QuoteAnswerer
        from qa.rank import CrossEncoderRanker, get_cross_encoder

        self.quote = QuoteAnswerer(scorer)
        self.ranker = CrossEncoderRanker(get_cross_encoder(), depth)

    def rank(self, question: str, passages: list) -> list:
        return self.ranker.rerank(question, self.quote.rank(question, passages))


def span_rows(question: str, ranked: list, answers: list[str]) -> list[tuple[list[float], int]]:
    from qa.read.spans import FEATURES, candidates

    gold = {norm(a) for a in answers if norm(a)}
    return [([c.values[f] for f in FEATURES], int(norm(c.text) in gold))
            for c in candidates(question, ranked[:2])]


def save_rows(path: Path | None, rows: dict, spans: dict) -> None:
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"rows": {p: v for (_, p), v in rows.items()},
                                   "spans": {p: v for (_, p), v in spans.items()}}))
        tmp.replace(path)


def collect(source: str, items: list[dict], rank_fn, rows: dict, spans: dict, path: Path | None = None) -> None:
    """Judge rows (features, label) and span rows per source and part (train/held); saved to
    `path` every 10 questions, so an interrupted run keeps what it has read."""
    from qa.judge.features import FEATURES, features

    t = time.time()
    for i, it in enumerate(items):
        part = "held" if held(it["id"]) else "train"
        for label, ranked in rank_fn(it):
            f = features(it["question"], ranked)
            rows.setdefault((source, part), []).append(([f[k] for k in FEATURES], label))
            if label and it.get("answers"):
                spans.setdefault((source, part), []).extend(span_rows(it["question"], ranked, it["answers"]))
        if i % 10 == 9:
            save_rows(path, rows, spans)
        if i % 50 == 0:
            print(f"  {source}: {i}/{len(items)} {time.time() - t:.0f}s", flush=True)
    save_rows(path, rows, spans)


def squad_rank_fn(reader, paragraphs):
    def fn(it):
        return [(int(it["answerable"]), reader.rank(it["question"], [passage(it["doc"], paragraphs[it["doc"]])]))]
    return fn


def rtqa_rank_fn(reader, corpus: CorpusBM25, with_answer, k: int = 8):
    def fn(it):
        q = it["question"]
        corpus.banned = set()
        top = corpus.retrieve(q, k)
        out = []
        if has_answer(top, it["answer_text"]):
            out.append((1, reader.rank(q, top)))
        corpus.banned = with_answer.get(it["id"], set()) | {f"ev_{it['id']}"}
        rest = corpus.retrieve(q, k)
        corpus.banned = set()
        if rest and not has_answer(rest, it["answer_text"]):
            out.append((0, reader.rank(q, rest)))
        return out
    return fn


def seed_rank_fn(assistant, k: int = 8):
    from index import Filters

    def fn(it):
        q = it["question"]
        top = assistant.retriever.retrieve(q, k, assistant.settings.retrieval.mode, Filters())
        return [(int(it.get("answerable", True)), assistant.sentence_ranker.rerank(q, assistant.quote.rank(q, top)))]
    return fn


class _Unused:
    def judge(self, question, ranked):
        raise RuntimeError("training reads features, not verdicts")


def open_index(data_dir: str, copy: bool, training: bool = True):
    from qa import Assistant, Settings
    from qa.components import build_index, build_retriever

    if copy:
        tmp = Path(tempfile.mkdtemp(prefix="rtqa-")) / "data"
        shutil.copytree(data_dir, tmp)
        data_dir = str(tmp)
    settings = Settings.load(data_dir=data_dir)
    index = build_index(settings)
    return Assistant(settings, index, build_retriever(settings, index), judge=_Unused() if training else None,
                     span_extractor=_Unused() if training else None)


# -- training ---------------------------------------------------------------------------------
def fit(rows: dict, features: tuple[str, ...], parts=("train",), pick_threshold: bool = True, c: float = 1.0):
    """A logistic regression, each source weighted equally and each class balanced within it."""
    from sklearn.linear_model import LogisticRegression

    from qa.judge.linear import LinearModel

    X, y, w = [], [], []
    for (src, part), rs in rows.items():
        if part not in parts or not rs:
            continue
        labels = np.array([r[1] for r in rs])
        for cls in (0, 1):
            n = int((labels == cls).sum())
            if not n:
                continue
            for r in rs:
                if r[1] == cls:
                    X.append(r[0]), y.append(cls), w.append(1.0 / n)
    X, y, w = np.array(X, np.float64), np.array(y), np.array(w)
    mean, scale = X.mean(0), X.std(0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=c, max_iter=2000).fit((X - mean) / scale, y, sample_weight=w / w.mean())
    model = LinearModel(tuple(features), mean, scale, lr.coef_[0], float(lr.intercept_[0]))
    if pick_threshold:
        best = max(np.arange(0.2, 0.81, 0.02), key=lambda t: np.mean([
            balanced(model, rs, t) for (src, part), rs in rows.items() if part in parts and rs]))
        model = LinearModel(model.features, mean, scale, model.coef, model.intercept, float(round(best, 2)))
    return model


def balanced(model, rs, t) -> float:
    p = model.proba(np.array([r[0] for r in rs]))
    y = np.array([r[1] for r in rs])
    accs = [((p >= t) == (y == 1))[y == cls].mean() for cls in (0, 1) if (y == cls).any()]
    return float(np.mean(accs))


def auc(p: np.ndarray, y: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p)) if len(set(y.tolist())) == 2 else float("nan")


def report_judge(model, rows: dict) -> None:
    print("judge held-out (20% of each source's dev questions):")
    for (src, part), rs in sorted(rows.items()):
        if part != "held" or not rs:
            continue
        p = model.proba(np.array([r[0] for r in rs]))
        y = np.array([r[1] for r in rs])
        pred = p >= model.threshold
        refusal = float((~pred[y == 0]).mean()) if (y == 0).any() else float("nan")
        false_ref = float((~pred[y == 1]).mean()) if (y == 1).any() else float("nan")
        print(f"  {src:6s} n={len(rs):4d} (neg {int((y == 0).sum())}) accuracy {float((pred == (y == 1)).mean()):.3f} "
              f"AUC {auc(p, y):.3f} refusal {refusal:.3f} false refusals {false_ref:.3f}")


def report_spans(model, spans: dict) -> None:
    print("span scorer held-out (candidate AUC):")
    for (src, part), rs in sorted(spans.items()):
        if part == "held" and rs:
            p = model.proba(np.array([r[0] for r in rs]))
            print(f"  {src:6s} candidates {len(rs)} positives {sum(r[1] for r in rs)} AUC "
                  f"{auc(p, np.array([r[1] for r in rs])):.3f}")


# -- end-to-end evaluation --------------------------------------------------------------------
def rtqa_assistant(corpus: CorpusBM25, reorder: bool = True):
    """The product's Assistant (default settings, real MiniLM, cross-encoder, judge, spans)
    over an empty index, with the BM25 corpus as its retriever."""
    from qa import Assistant, Settings
    from qa.components import build_index
    from qa.quote import QuoteAnswerer, SentenceScorer

    extra = {} if reorder else {"retrieval__sentence_rerank": False}
    settings = Settings.load(data_dir=tempfile.mkdtemp(prefix="rtqa-"), **extra)
    index = build_index(settings)
    return Assistant(settings, index, corpus, quote=QuoteAnswerer(SentenceScorer(index.embedder, corpus.idf_source())))


def eval_rtqa(split: str, removed: bool = True, limit: int | None = None, reorder: bool = True) -> None:
    items, with_answer = rtqa_items(split)
    items = items[:limit] if limit else items
    corpus = CorpusBM25()
    assistant = rtqa_assistant(corpus, reorder)
    correct = span_ok = recall5 = refused = abstained = 0
    lat = []
    for it in items:
        corpus.banned = set()
        a = assistant.ask(it["question"], mode="quote")
        lat.append(a.latency_s)
        abstained += a.abstained
        gold = norm(it["answer_text"])
        span = getattr(a, "answer_span", None)  # None on code without short answers (a baseline)
        text = norm(a.text + " " + (span.text if span else ""))
        correct += (not a.abstained) and gold in text
        span_ok += bool(span) and not a.abstained and gold in norm(span.text)
        recall5 += f"ev_{it['id']}" in [p.doc_id for p in a.passages[:5]]
        if removed:
            corpus.banned = with_answer.get(it["id"], set()) | {f"ev_{it['id']}"}
            refused += assistant.ask(it["question"], mode="quote").abstained
    corpus.banned = set()
    n = len(items)
    print(f"RealTime QA {split} (n={n}): answer accuracy {correct / n:.3f}, short answer contains gold "
          f"{span_ok / n:.3f}, evidence recall@5 {recall5 / n:.3f}"
          + f", refused with evidence retrieved {abstained / n:.3f}"
          + (f", refusal on evidence-removed {refused / n:.3f}" if removed else "")
          + f"; latency p50 {1000 * float(np.median(lat)):.0f} ms")


def eval_squad(split: str, limit: int | None, reorder: bool = True) -> None:
    from corpus import Document
    from index.ingest import ingest_documents
    from qa import Assistant, Settings

    items, paragraphs = squad_items(split, limit)
    data_dir = tempfile.mkdtemp(prefix=f"squad-{split}-")
    assistant = Assistant.from_settings(Settings.load(data_dir=data_dir, retrieval__sentence_rerank=reorder))
    ingest_documents(assistant.index, [Document(doc_id=d, title=None, outlet=None, published=None, text=t)
                                         for d, t in paragraphs.items()])
    em = f1s = 0.0
    by = {True: [0.0, 0.0, 0], False: [0.0, 0.0, 0]}
    for it in items:
        a = assistant.ask(it["question"], mode="quote")
        pred = "" if a.abstained or a.answer_span is None else a.answer_span.text
        golds = it["answers"] or [""]
        e = max(float(norm(pred) == norm(g)) for g in golds)
        f = max(f1(pred, g) if g else float(pred == "") for g in golds)
        em, f1s = em + e, f1s + f
        b = by[it["answerable"]]
        b[0], b[1], b[2] = b[0] + e, b[1] + f, b[2] + 1
    n = len(items)
    print(f"SQuAD 2.0 {split} half (n={n}, corpus = {len(paragraphs)} paragraphs of that half): "
          f"EM {100 * em / n:.1f} F1 {100 * f1s / n:.1f}; HasAns F1 {100 * by[True][1] / max(1, by[True][2]):.1f} "
          f"(n={by[True][2]}), NoAns F1 {100 * by[False][1] / max(1, by[False][2]):.1f} (n={by[False][2]})")
    shutil.rmtree(data_dir, ignore_errors=True)


def collect_source(source: str, args, path: Path | None = None) -> tuple[dict, dict]:
    from qa.components import get_embedder
    from qa.quote import SentenceScorer

    rows: dict = {}
    spans: dict = {}
    if source == "squad":
        items, paragraphs = squad_items("dev", args.squad or None)
        reader = Reader(SentenceScorer(get_embedder("minilm"), make_idf(list(paragraphs.values()))), args.depth)
        collect("squad", items, squad_rank_fn(reader, paragraphs), rows, spans, path)
    elif source == "seed":
        from index import ingest_paths

        seed = open_index(args.seed_data_dir or tempfile.mkdtemp(prefix="seed-"), copy=False)
        if not seed.index.records(fresh=True):
            ingest_paths(seed.index, [str(REPO / "corpus")])
        gold = [json.loads(x) for x in (REPO / "eval" / "gold.jsonl").read_text().splitlines() if x.strip()]
        collect("seed", gold, seed_rank_fn(seed), rows, spans, path)
    elif source == "rtqa":
        corpus = CorpusBM25()
        reader = Reader(SentenceScorer(get_embedder("minilm"), corpus.idf_source()), args.depth)
        items, with_answer = rtqa_items("dev")
        collect("rtqa", items[:args.rtqa or None], rtqa_rank_fn(reader, corpus, with_answer), rows, spans, path)
    else:
        raise SystemExit(f"unknown source {source!r}; choose squad, seed or rtqa")
    return rows, spans


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", default="squad,seed,rtqa", help="comma-separated: squad, seed, rtqa")
    ap.add_argument("--rows-dir", default=None, help="save each source's feature rows here and reuse them")
    ap.add_argument("--collect-only", action="store_true", help="only build the rows of --sources")
    ap.add_argument("--squad", type=int, default=400, help="SQuAD dev-half questions to use (0 = all)")
    ap.add_argument("--rtqa", type=int, default=133, help="RealTime QA dev questions to use (0 = all)")
    ap.add_argument("--seed-data-dir", default=None, help="index of corpus/ (built there when empty)")
    ap.add_argument("--out-dir", default=str(REPO / "qa"))
    ap.add_argument("--depth", type=int, default=16)
    ap.add_argument("--pick-threshold", action="store_true",
                    help="choose the judge's threshold for balanced accuracy (default: 0.5, the classes "
                         "being weighted equally, i.e. a refusal and an answer cost the same)")
    ap.add_argument("--judge-features", default="ce1,margin,sem1,sem_max,lex1,typed,type_hit1,type_hit3,thing",
                    help="the judge's features (a subset of qa.judge.features.FEATURES)")
    ap.add_argument("--eval-squad", choices=["dev", "test"], default=None)
    ap.add_argument("--eval-rtqa", choices=["dev", "test"], default=None)
    ap.add_argument("--no-reorder", action="store_true", help="evaluate with the cheap sentence order")
    args = ap.parse_args()
    if args.eval_squad:
        return eval_squad(args.eval_squad, args.squad or None, not args.no_reorder)
    if args.eval_rtqa:
        return eval_rtqa(args.eval_rtqa, limit=args.rtqa or None, reorder=not args.no_reorder)

    from qa.judge.features import FEATURES as JF
    from qa.read.spans import FEATURES as SF

    rows: dict = {}
    spans: dict = {}
    cache = Path(args.rows_dir) if args.rows_dir else None
    for source in [x for x in args.sources.split(",") if x]:
        path = cache / f"{source}.json" if cache else None
        if path and path.is_file() and not args.collect_only:
            d = json.loads(path.read_text())
            r = {(source, part): [tuple(x) for x in v] for part, v in d["rows"].items()}
            sp = {(source, part): [tuple(x) for x in v] for part, v in d["spans"].items()}
        else:
            r, sp = collect_source(source, args, path)
        rows.update(r)
        spans.update(sp)
    if args.collect_only:
        return
    use = tuple(f for f in args.judge_features.split(",") if f) or JF
    bad = [f for f in use if f not in JF]
    if bad:
        raise SystemExit(f"unknown judge feature(s) {bad}; known: {', '.join(JF)}")
    cols = [JF.index(f) for f in use]
    rows = {k: [([r[0][c] for c in cols], r[1]) for r in v] for k, v in rows.items()}
    JF = use
    judge = fit(rows, JF, pick_threshold=args.pick_threshold)
    print(f"judge: threshold {judge.threshold}, coefficients "
          + ", ".join(f"{f} {c:+.2f}" for f, c in zip(JF, judge.coef)))
    report_judge(judge, rows)
    span_model = fit(spans, SF, pick_threshold=False)
    report_spans(span_model, spans)
    sources = sorted({s for s, _ in rows})
    out = Path(args.out_dir)
    (out / "judge").mkdir(parents=True, exist_ok=True)
    (out / "read").mkdir(parents=True, exist_ok=True)
    (out / "judge" / "answerable.json").write_text(json.dumps(judge.to_json(trained_on=sources), indent=1) + "\n")
    (out / "read" / "spans.json").write_text(json.dumps(span_model.to_json(trained_on=sorted({s for s, _ in spans})),
                                                        indent=1) + "\n")
    print("wrote", out / "judge" / "answerable.json", out / "read" / "spans.json")


if __name__ == "__main__":
    main()
