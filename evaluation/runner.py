"""Run a gold set through an assistant and score every question.

The assistant is anything with `ask(question, mode=..., k=...) -> Answer` (qa.Assistant, or a
fake in tests). Retrieval is scored on a ranking at least `retrieval_depth` deep: when the
assistant exposes its `retriever` and `settings` (qa.Assistant does), the same first-stage
retrieval is run once more at that depth (not counted in answer latency); otherwise the
answer's own passages are scored.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

from qa.types import Answer

from . import metrics as M
from .gold import GoldItem


class AskingAssistant(Protocol):
    def ask(self, question: str, mode: str | None = None, k: int | None = None) -> Answer: ...


@dataclass
class GoldRun:
    """Per-question details and summaries of one gold set under one answer mode."""

    mode: str
    details: list[dict]
    summary: dict
    by_type: dict[str, dict]
    config: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"mode": self.mode, "config": self.config, "summary": self.summary,
                "by_type": self.by_type, "details": self.details}


def _passage_spans(passages: Sequence[Any]) -> list[tuple[str, int, int]]:
    return [(p.doc_id, p.start, p.end) for p in passages]


def score_question(item: GoldItem, answer: Answer, ranking: Sequence[Any] | None = None,
                   wall_s: float | None = None) -> dict:
    """Every metric for one question; `ranking` (passages, best first) defaults to answer.passages."""
    ranking = answer.passages if ranking is None else ranking
    pred = M.prediction_text(answer.text, answer.abstained)
    d: dict[str, Any] = {
        "id": item.id, "type": item.type, "answerable": item.answerable, "question": item.question,
        "gold_answers": list(item.answers), "answer": answer.text, "abstained": bool(answer.abstained),
        "mode": answer.mode, "fallback": answer.fallback == "quote",
        "em": M.best_exact_match(pred, item.answers),
        "f1": M.best_f1(pred, item.answers),
    }
    if item.answerable:
        d["contains"] = (not answer.abstained) and M.contains_alias(pred, item.answers)
        d["correct"] = bool(d["contains"])
    else:
        d["contains"] = None
        d["correct"] = bool(answer.abstained)
    cites = [(c.doc_id, c.start, c.end, c.quote) for c in answer.citations]
    cs = M.citation_scores(cites, item.evidence, item.answers)
    d["citation_precision"], d["citation_recall"] = cs.precision, cs.recall
    d["citations_correct"], d["citations_total"] = cs.correct, cs.total
    d["citations"] = [{"doc_id": c.doc_id, "start": c.start, "end": c.end, "text": c.quote}
                      for c in answer.citations]
    spans = _passage_spans(ranking)
    d["retrieved"] = [{"doc_id": s[0], "start": s[1], "end": s[2], "relevant": r}
                      for s, r in zip(spans, M.passage_relevance(spans, item.evidence))]
    d["retrieval"] = M.retrieval_scores(spans, item.evidence) if item.evidence else None
    timings = dict(answer.timings or {})
    total = answer.latency_s if answer.latency_s else (wall_s or 0.0)
    d["latency"] = {"total": total, **{k: float(v) for k, v in timings.items()}}
    return d


def summarize(details: Sequence[dict]) -> dict:
    """Aggregate per-question details. Answer EM/F1 cover every question (SQuAD 2.0 style);
    `contains`, citation and retrieval metrics cover answerable questions only."""
    ans = [d for d in details if d["answerable"]]
    refusal = M.refusal_stats((d["answerable"], d["abstained"]) for d in details)
    answered = [d for d in ans if not d["abstained"]]
    c_total = sum(d["citations_total"] for d in answered)
    c_correct = sum(d["citations_correct"] for d in answered)
    out: dict[str, Any] = {
        "n": len(details), "n_answerable": len(ans), "n_unanswerable": len(details) - len(ans),
        "accuracy": M.mean(float(d["correct"]) for d in details),
        "answer_accuracy": M.mean(float(d["correct"]) for d in ans),
        "contains": M.mean(float(d["contains"]) for d in ans),
        "em": M.mean(d["em"] for d in details),
        "f1": M.mean(d["f1"] for d in details),
        "em_answerable": M.mean(d["em"] for d in ans),
        "f1_answerable": M.mean(d["f1"] for d in ans),
        **refusal.to_json(),
        "citation_precision": c_correct / c_total if c_total else None,
        "citation_precision_macro": M.mean(d["citation_precision"] for d in answered),
        "citation_recall": M.mean(d["citation_recall"] for d in ans),
        "citations_total": c_total,
        # llm mode: answerable questions whose model answer was replaced by quotes
        "fallback_rate": M.mean(float(d.get("fallback", False)) for d in ans if d.get("mode") == "llm"),
    }
    scored = [d["retrieval"] for d in details if d.get("retrieval")]
    keys = list(scored[0]) if scored else []
    out["retrieval"] = {k: M.mean(r[k] for r in scored) for k in keys}
    out["retrieval"]["n"] = len(scored)
    stages = sorted({k for d in details for k in d["latency"]})
    out["latency"] = {
        s: M.latency_summary([d["latency"][s] for d in details if s in d["latency"]]) for s in stages
    }
    return out


def summarize_by_type(details: Sequence[dict]) -> dict[str, dict]:
    types = sorted({d["type"] for d in details})
    return {t: summarize([d for d in details if d["type"] == t]) for t in types}


def _ranking(assistant: Any, question: str, depth: int, answer: Answer) -> list:
    retriever, settings = getattr(assistant, "retriever", None), getattr(assistant, "settings", None)
    if retriever is None or settings is None or len(answer.passages) >= depth:
        return list(answer.passages)
    return retriever.retrieve(question, depth, settings.retrieval.mode)


def run_gold(assistant: AskingAssistant, items: Sequence[GoldItem], mode: str = "quote", *,
             k: int | None = None, retrieval_depth: int = 10, progress: bool = True,
             config: dict | None = None) -> GoldRun:
    """Ask every gold question in `mode` and score it. `k` is the number of passages the
    assistant answers from (None: its own default)."""
    from tqdm import tqdm

    if retrieval_depth < 1:
        raise ValueError(f"retrieval_depth must be >= 1, got {retrieval_depth}")
    details = []
    bar = tqdm(items, desc=f"gold ({mode})", unit="q", file=sys.stderr, disable=not progress,
               dynamic_ncols=True)
    for item in bar:
        t0 = time.perf_counter()
        answer = assistant.ask(item.question, mode=mode, k=k)
        wall = time.perf_counter() - t0
        ranking = _ranking(assistant, item.question, retrieval_depth, answer)
        details.append(score_question(item, answer, ranking, wall))
    cfg = {"mode": mode, "k": k, "retrieval_depth": retrieval_depth, **(config or {})}
    return GoldRun(mode, details, summarize(details), summarize_by_type(details), cfg)
