"""Quote mode's choice of the sentence to quote: the cross-encoder alone (the default second
stage, qa.answer.sentence_rerank) against a logistic regression over the cross-encoder's logit
and the first stage's own signals, on the dev halves of three news sets. A measurement only:
the learned choice was not adopted (docs/measurements.md).

For each question the product answers as configured; the second stage records what it reads:
the first stage's best `depth` sentences, in the order it receives them, with their features
(the cross-encoder's logit and its gap to the best, the first-stage score and its share of the
best, cosine, term coverage, answer-type cue, passage-rank prior, first-stage place). A
sentence is labelled 1 when it holds a gold answer (the graders' alias match on token
boundaries). Rows are written to `--rows` (JSON lines, one question per line, with the
question and the sentences' texts, so another scorer can be tried on them), then `--fit`:
grouped 5-fold cross-validation by question over the pooled rows, printed per set: how often
the chosen sentence holds the answer with the first stage, the cross-encoder, the learned
model (and the same model fitted on the other sets only, as on a corpus it never saw), and a
rank fusion of the two stages with no fitted weight (`fused`).

    QA_CACHE_DIR=DIR python bench/sentence_choice.py --split dev --rows /tmp/sc-dev.jsonl
    python bench/sentence_choice.py --fit --rows /tmp/sc-dev.jsonl

RealTime QA questions are asked as of their quiz date; RGB questions over their own positive
and negative passages (the suite's `true` protocol); MultiHop-RAG's answerable queries whose
answer is not yes or no.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FEATURES = ("ce", "ce_gap", "score", "score_rel", "sem", "lex", "cue", "prior", "position")


def sentence_features(head, logits) -> list[dict]:
    """Feature dicts of `head` (the first stage's order, as the second stage receives it) given
    the cross-encoder's `logits` for them."""
    top = max(float(head[0].score), 1e-9)
    best = float(np.max(logits))
    return [{"ce": float(x), "ce_gap": float(x) - best, "score": float(s.score), "score_rel": float(s.score) / top,
             "sem": float(s.sem), "lex": float(s.lex), "cue": float(s.cue), "prior": 1.0 / (1.0 + s.rank),
             "position": 1.0 / (1.0 + i)}
            for i, (s, x) in enumerate(zip(head, logits))]


def collect(args) -> None:
    from evaluation import metrics as M
    from evaluation.beir import bench_dir, cache_root
    from evaluation.benchmarks import load_multihop, load_realtimeqa, load_rgb
    from evaluation.news_bench import _filters
    from evaluation.suite import open_bench_index
    from index.cross_encoder import shared_cross_encoder
    from qa import Assistant, Settings
    from qa.answer.sentence_rerank import SentenceReranker

    class Recording(SentenceReranker):
        """The product's second stage (its answers unchanged), keeping what it read: the texts
        (for the labels) and the feature rows, computed before it rewrites the scores."""

        def rerank(self, question, ranked):
            head = list(ranked)[:self.depth]
            self.texts, self.rows = [s.text for s in head], []
            if len(head) >= 2:
                logits = np.asarray(self.scorer.score(question, self.texts), dtype=np.float64)
                self.rows = sentence_features(head, logits)
            return super().rerank(question, ranked)

    settings = Settings.load()
    bdir = Path(args.bench_dir or bench_dir())
    cache = Path(args.cache_dir or cache_root()) / "eval-index"
    loaders = {
        "realtimeqa": lambda: load_realtimeqa(bdir / "realtimeqa", args.split),
        "rgb": lambda: load_rgb(bdir / "rgb-en-fact", args.split),
        "multihop": lambda: load_multihop(bdir / "multihop-rag-subset500", args.split),
    }
    ce = shared_cross_encoder(settings.retrieval.rerank_max_length)
    with open(args.rows, "w") as out:
        for name in args.sets.split(","):
            docs, questions = loaders[name]()
            index, isettings = open_bench_index(settings, name, docs, cache, say=lambda m: print(m, file=sys.stderr))
            assistant = Assistant.from_settings(isettings, index=index)
            rec = assistant.quote.reranker = Recording(ce, args.depth)
            n = 0
            for q in questions[:args.limit] if args.limit else questions:
                if name == "realtimeqa":
                    golds, kw = [q.answer_text], {"as_of": q.as_of}
                elif name == "rgb":
                    golds, kw = list(q.answers), {"filters": _filters(q.positive + q.negative)}
                else:
                    if not q.answerable or M.normalize_answer(q.answer) in ("yes", "no"):
                        continue
                    golds, kw = [q.answer], {}
                rec.texts, rec.rows = [], []
                assistant.prepare(q.question, mode="quote", **kw)
                rows = rec.rows
                if len(rows) < 2:
                    continue
                labels = [int(M.contains_alias(t, golds)) for t in rec.texts]
                out.write(json.dumps({"set": name, "id": f"{name}:{q.id}", "question": q.question,
                                      "texts": rec.texts, "rows": rows, "labels": labels}) + "\n")
                n += 1
            print(f"{name}: {n} questions", file=sys.stderr)


def hit(scores, labels) -> int:
    return int(labels[int(np.argmax(scores))])


def fused(rows, k: float = 60.0) -> np.ndarray:
    """Reciprocal rank fusion of the two stages, no weight fitted: 1/(k + first-stage place) +
    1/(k + cross-encoder place), places from 0 (`rows` are in first-stage order); k = 60, the
    usual constant. Ties go to the first stage's order."""
    ce = np.array([r["ce"] for r in rows])
    place = np.empty(len(ce))
    place[np.argsort(-ce, kind="stable")] = np.arange(len(ce))
    return 1.0 / (k + np.arange(len(ce))) + 1.0 / (k + place)


def fit(args) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.preprocessing import StandardScaler

    features = tuple(args.features.split(",")) if args.features else FEATURES
    qs = [json.loads(line) for line in open(args.rows)]
    qs = [q for q in qs if any(q["labels"])] if args.answerable_only else qs
    X = np.array([[r[f] for f in features] for q in qs for r in q["rows"]])
    y = np.array([lab for q in qs for lab in q["labels"]])
    g = np.array([i for i, q in enumerate(qs) for _ in q["rows"]])

    def held_out(splits) -> np.ndarray:
        """Each row's decision value from the model fitted on the rows of its split's `tr`."""
        out = np.full(len(y), np.nan)
        for tr, te in splits:
            sc = StandardScaler().fit(X[tr])
            m = LogisticRegression(C=args.C, max_iter=1000).fit(sc.transform(X[tr]), y[tr])
            out[te] = m.decision_function(sc.transform(X[te]))
        return out

    pred = held_out(GroupKFold(n_splits=5).split(X, y, g))
    sets = sorted({q["set"] for q in qs})
    # the same model fitted on the other sets only: how it does on a corpus it never saw
    qset = np.array([qs[i]["set"] for i in g])
    other = held_out([(qset != name, qset == name) for name in sets] if len(sets) > 1 else [])
    print(f"{len(qs)} questions, {len(y)} sentences, features {', '.join(features)}; C={args.C}")
    print("| set | questions | answer in the candidates | first stage | cross-encoder | learned (5-fold, by question) "
          "| learned on the other sets | rank fusion (k=60) |")
    print("|---|---|---|---|---|---|---|---|")
    for name in sets + ["all"]:
        idx = [i for i, q in enumerate(qs) if name in ("all", q["set"])]
        n = len(idx)
        bound = sum(any(qs[i]["labels"]) for i in idx)
        first = sum(qs[i]["labels"][0] for i in idx)
        cross = sum(hit([r["ce"] for r in qs[i]["rows"]], qs[i]["labels"]) for i in idx)
        learned = sum(hit(pred[g == i], qs[i]["labels"]) for i in idx)
        rrf = sum(hit(fused(qs[i]["rows"]), qs[i]["labels"]) for i in idx)
        unseen = f"{sum(hit(other[g == i], qs[i]['labels']) for i in idx) / n:.3f}" if len(sets) > 1 else "-"
        print(f"| {name} | {n} | {bound / n:.3f} | {first / n:.3f} | {cross / n:.3f} | {learned / n:.3f} "
              f"| {unseen} | {rrf / n:.3f} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="dev", choices=("dev", "test"))
    ap.add_argument("--sets", default="realtimeqa,rgb,multihop")
    ap.add_argument("--depth", type=int, default=10, help="sentences the cross-encoder reads (the default's 10)")
    ap.add_argument("--rows", type=Path, required=True, help="JSON lines written by the collection, read by --fit")
    ap.add_argument("--fit", action="store_true", help="cross-validate instead of collecting")
    ap.add_argument("--C", type=float, default=1.0, help="inverse regularisation of the logistic regression")
    ap.add_argument("--answerable-only", action="store_true", help="fit on questions whose answer is in a candidate")
    ap.add_argument("--features", help=f"comma-separated subset of {','.join(FEATURES)} (default: all)")
    ap.add_argument("--bench-dir", default=None, help="default: $QA_BENCH_DIR, else ../shared/bench")
    ap.add_argument("--cache-dir", default=None, help="default: $QA_CACHE_DIR, else ~/.cache/news-qa")
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args(argv)
    fit(args) if args.fit else collect(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
