"""Runners for RealTime QA, MultiHop-RAG and RGB en_fact. Each asks an assistant its questions
and returns one record per scored item:

    {"benchmark", "id", "type", "answerable", "correct", "abstained", "latency", "score",
     "metrics": {name: float | None}, "answer": first 300 characters, "cited": [doc ids]}

`metrics` uses one vocabulary across benchmarks (None where a metric does not apply):
accuracy (answerable items), refusal (unanswerable items: the system refused), false_refusal
(answerable items: it refused), citation_precision (share of cited documents that are gold),
plus each benchmark's own (mc_accuracy, span_em/span_f1, ev_recall@k, fact_recall@k,
error_detection, error_correction, conflict_detected). `score` is `verdict.score` when the
answer carries one (the reliability plot); `correct` is the item's main outcome.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Sequence

from . import metrics as M
from .answers import ask, pick_choice, support, supports, view
from .benchmarks import NOTA, MultiHopQuestion, RGBQuestion, RTQAQuestion

RECALL_KS = (1, 3, 5)
REFUSAL_WORDS = ("insufficient information",)  # MultiHop-RAG's own null answer


def _filters(doc_ids: Sequence[str]):
    from index import Filters

    return Filters(doc_ids=tuple(doc_ids))


def _record(bench: str, qid: str, qtype: str, answerable: bool, v: dict, correct: bool, **metrics) -> dict:
    return {"benchmark": bench, "id": qid, "type": qtype, "answerable": answerable, "correct": bool(correct),
            "abstained": v["abstained"], "latency": v["latency"], "score": v["score"],
            "features": v.get("features") or {}, "metrics": metrics, "answer": v["text"][:300], "cited": sorted({c["doc_id"] for c in v["citations"]})}


def _base(v: dict, answerable: bool, correct: bool, good_docs: set[str] | None) -> dict:
    cited = [c["doc_id"] for c in v["citations"]]
    cp = (sum(d in good_docs for d in cited) / len(cited)) if (cited and good_docs is not None) else None
    return {"accuracy": float(correct) if answerable else None,
            "refusal": None if answerable else float(correct),
            "false_refusal": float(v["abstained"]) if answerable else None,
            # llm mode only: the model's answer was replaced by quotes (no supported sentence)
            "fallback": float(bool(v.get("fallback"))) if answerable and v.get("mode") == "llm" else None,
            "citation_precision": cp}


def _recall(passages: list[str], gold: Sequence[str]) -> dict:
    gold = set(gold)
    if not gold:
        return {}
    out = {f"@{k}": len(gold & set(passages[:k])) / len(gold) for k in RECALL_KS}
    out["@all"] = len(gold & set(passages)) / len(gold)
    return out


def _bar(items, desc: str, progress: bool):
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="q", file=sys.stderr, disable=not progress, dynamic_ncols=True)


# -- RealTime QA ---------------------------------------------------------------------------------------
def run_realtimeqa(assistant: Any, questions: Sequence[RTQAQuestion], corpus_ids: Sequence[str],
                   mode: str = "quote", *, k: int | None = None, evidence_removed: bool = True,
                   progress: bool = True) -> list[dict]:
    """Per question: the free-form answer (as of the question date), its multiple-choice pick,
    NOTA (when the dropped choice is the answer) and, with filters, the evidence-removed re-ask."""
    records = []
    can_filter = evidence_removed and supports(assistant, "filters")
    for q in _bar(questions, f"realtimeqa ({mode})", progress):
        answer, wall = ask(assistant, q.question, mode, k, as_of=q.as_of)
        v = view(answer, wall)
        contains = not v["abstained"] and M.contains_alias(v["pred"], [q.answer_text])
        good = {q.evidence_doc, *q.answer_docs}
        m = _base(v, True, contains, good)
        pick = pick_choice(q.choices, v)
        m["mc_accuracy"] = float(pick == q.answer_index)
        if v["answer_span"]:
            m["span_em"] = M.best_exact_match(v["answer_span"]["text"], [q.answer_text])
            m["span_f1"] = M.best_f1(v["answer_span"]["text"], [q.answer_text])
        m.update({f"ev_recall{key}": val for key, val in _recall(v["passages"], [q.evidence_doc]).items()})
        records.append(_record("realtimeqa", q.id, "free_form", True, v, contains, **m))
        if q.nota_choices and q.nota_is_answer:
            rest = [c for c in q.nota_choices if c != NOTA]
            refused = v["abstained"] or all(support(c, v) < 1.0 for c in rest)
            records.append(_record("realtimeqa", q.id, "nota", False, v, refused,
                                   **{**_base(v, False, refused, None), "refusal": float(refused)}))
        if can_filter:
            removed = set(good)
            keep = [d for d in corpus_ids if d not in removed]
            answer, wall = ask(assistant, q.question, mode, k, filters=_filters(keep), as_of=q.as_of)
            v2 = view(answer, wall)
            records.append(_record("realtimeqa", q.id, "evidence_removed", False, v2, v2["abstained"],
                                   **_base(v2, False, v2["abstained"], None)))
    return records


# -- MultiHop-RAG ----------------------------------------------------------------------------------------
def run_multihop(assistant: Any, questions: Sequence[MultiHopQuestion], mode: str = "quote", *,
                 k: int | None = None, progress: bool = True) -> list[dict]:
    """Accuracy by question type ("the gold answer appears in the response"), refusal on the
    null queries (a refusal or the words "insufficient information"), fact recall@k."""
    records = []
    for q in _bar(questions, f"multihop ({mode})", progress):
        answer, wall = ask(assistant, q.question, mode, k)
        v = view(answer, wall)
        if q.answerable:
            correct = not v["abstained"] and M.contains_alias(v["pred"], [q.answer])
        else:
            correct = v["abstained"] or any(w in M.normalize_answer(v["text"]) for w in REFUSAL_WORDS)
        m = _base(v, q.answerable, correct, set(q.facts) if q.facts else None)
        m.update({f"fact_recall{key}": val for key, val in _recall(v["passages"], q.facts).items()})
        records.append(_record("multihop", q.id, q.type, q.answerable, v, correct, **m))
    return records


# -- RGB en_fact -------------------------------------------------------------------------------------------
def _flags_conflict(v: dict) -> bool:
    return bool(v["conflicts"]) or "disagree" in v["text"].lower()


def run_rgb(assistant: Any, questions: Sequence[RGBQuestion], mode: str = "quote", *, k: int | None = None,
            mixed: bool = True, progress: bool = True) -> list[dict]:
    """Three protocols per query, each restricted to its own passages through retrieval filters:
    `true` (positive + negative: accuracy), `counterfactual` (positive_wrong + negative: error
    detection = flags a conflict or refuses; error correction = answers the true answer;
    fake_answer_rate = repeats the planted answer) and, with `mixed`, `mixed` (positive_wrong +
    positive + negative: mixed_accuracy, and conflict_detected = does conflict detection fire)."""
    if not supports(assistant, "filters"):
        raise ValueError("RGB needs an assistant whose ask() takes filters (each query has its own passages)")
    records = []
    for q in _bar(questions, f"rgb ({mode})", progress):
        protocols = [("true", q.positive + q.negative), ("counterfactual", q.positive_wrong + q.negative)]
        if mixed:
            protocols.append(("mixed", q.positive_wrong + q.positive + q.negative))
        for name, ids in protocols:
            if not ids:
                continue
            answer, wall = ask(assistant, q.question, mode, k, filters=_filters(ids))
            v = view(answer, wall)
            right = not v["abstained"] and M.contains_alias(v["pred"], q.answers)
            fake = not v["abstained"] and M.contains_alias(v["pred"], [q.fake_answer]) if q.fake_answer else False
            good = set(q.positive)
            if name == "true":
                m = _base(v, True, right, good)
                records.append(_record("rgb", q.id, name, True, v, right, **m))
                continue
            detected = v["abstained"] or _flags_conflict(v)
            if name == "counterfactual":
                m = {"error_detection": float(detected), "error_correction": float(right),
                     "fake_answer_rate": float(fake)}
                records.append(_record("rgb", q.id, name, True, v, detected, **m))
            else:
                m = {"mixed_accuracy": float(right), "conflict_detected": float(_flags_conflict(v)),
                     "mixed_fake_answer_rate": float(fake)}
                records.append(_record("rgb", q.id, name, True, v, right, **m))
    return records


RUNNERS: dict[str, Callable[..., list[dict]]] = {
    "realtimeqa": run_realtimeqa, "multihop": run_multihop, "rgb": run_rgb,
}
