"""Answer, refusal, citation, passage-relevance and latency metrics.

Answer text is scored with the official SQuAD (v2.0 `evaluate-v2.0.py`) normalisation: lower
case, ASCII punctuation removed, the articles a/an/the removed, whitespace collapsed. As in
SQuAD 2.0, an unanswerable question has the single gold answer "" and an abstention is
predicted as "", so EM/F1 is 1 exactly when the system abstains.
"""

from __future__ import annotations

import collections
import math
import re
import string
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Sequence

from . import ir_metrics
from .gold import Evidence

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = set(string.punctuation)
_MARKER = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")


# -- SQuAD answer metrics ----------------------------------------------------------------
def normalize_answer(s: str) -> str:
    """Official SQuAD normalisation."""
    s = s.lower()
    s = "".join(ch for ch in s if ch not in _PUNCT)
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def get_tokens(s: str) -> list[str]:
    return normalize_answer(s).split() if s else []


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD token F1; when either side is empty, 1.0 only if both are."""
    gold_toks, pred_toks = get_tokens(gold), get_tokens(prediction)
    if not gold_toks or not pred_toks:
        return float(gold_toks == pred_toks)
    common = collections.Counter(gold_toks) & collections.Counter(pred_toks)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred_toks), same / len(gold_toks)
    return 2 * precision * recall / (precision + recall)


def _golds(answers: Sequence[str]) -> list[str]:
    """SQuAD 2.0: drop answers that normalise to nothing; none left means unanswerable ([""])."""
    golds = [a for a in answers if normalize_answer(a)]
    return golds or [""]


def best_exact_match(prediction: str, answers: Sequence[str]) -> float:
    return max(exact_match(prediction, g) for g in _golds(answers))


def best_f1(prediction: str, answers: Sequence[str]) -> float:
    return max(token_f1(prediction, g) for g in _golds(answers))


_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b", re.IGNORECASE)


def normalize_mention(s: str) -> str:
    """`normalize_answer` for finding a gold answer inside free text: a possessive is the name
    ("Colombia’s first leftist leader" mentions "Colombia"), and Unicode punctuation (curly
    quotes: the gold “Squid Game”) is removed like ASCII punctuation."""
    s = _POSSESSIVE.sub("", s).replace("’", "'")
    s = "".join(" " if unicodedata.category(ch).startswith("P") and ch not in _PUNCT else ch for ch in s)
    return normalize_answer(s)


def contains_alias(prediction: str, answers: Sequence[str]) -> bool:
    """True when a gold alias occurs in the prediction, both normalised by `normalize_mention`,
    on token boundaries ("six" is not found in "sixty"). False for unanswerable (no aliases)."""
    pred = f" {normalize_mention(prediction)} "
    return any(f" {a} " in pred for a in map(normalize_mention, answers) if a)


def strip_markers(text: str) -> str:
    """Remove citation markers such as [1] or [1, 2] before scoring answer text."""
    return _MARKER.sub("", text).strip()


def prediction_text(answer_text: str, abstained: bool) -> str:
    """The string scored against the gold answers: "" for an abstention (SQuAD 2.0)."""
    return "" if abstained else strip_markers(answer_text)


# -- refusal ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class RefusalStats:
    refusal_accuracy: float | None  # share of unanswerable questions the system abstained on
    false_refusal_rate: float | None  # share of answerable questions it abstained on
    n_unanswerable: int
    n_answerable: int

    def to_json(self) -> dict:
        return {"refusal_accuracy": self.refusal_accuracy, "false_refusal_rate": self.false_refusal_rate,
                "n_unanswerable": self.n_unanswerable, "n_answerable": self.n_answerable}


def refusal_stats(outcomes: Iterable[tuple[bool, bool]]) -> RefusalStats:
    """`outcomes` are (answerable, abstained) pairs. A rate is None when its denominator is 0."""
    unans = ans = refused_unans = refused_ans = 0
    for answerable, abstained in outcomes:
        if answerable:
            ans += 1
            refused_ans += bool(abstained)
        else:
            unans += 1
            refused_unans += bool(abstained)
    return RefusalStats(
        refused_unans / unans if unans else None, refused_ans / ans if ans else None, unans, ans,
    )


# -- spans: passages and citations ---------------------------------------------------------------
def span_overlaps(doc_id: str, start: int, end: int, evidence: Sequence[Evidence]) -> bool:
    return any(ev.overlaps(doc_id, start, end) for ev in evidence)


def passage_relevance(passages: Sequence[tuple[str, int, int]], evidence: Sequence[Evidence]) -> list[bool]:
    """Per passage (doc_id, start, end), best first: does it overlap a gold evidence span?"""
    return [span_overlaps(d, s, e, evidence) for d, s, e in passages]


@dataclass(frozen=True)
class CitationScore:
    precision: float | None  # None when there are no citations
    recall: float | None  # None when there is no gold evidence
    correct: int
    total: int

    def to_json(self) -> dict:
        return {"precision": self.precision, "recall": self.recall, "correct": self.correct,
                "total": self.total}


def citation_scores(citations: Sequence[tuple[str, int, int, str]], evidence: Sequence[Evidence],
                    answers: Sequence[str]) -> CitationScore:
    """`citations` are (doc_id, start, end, quoted text). A citation is correct when its span
    overlaps a gold evidence span, or its text contains a gold answer alias (it supports the
    answer from elsewhere). Recall: the share of gold evidence quotes that some citation overlaps."""
    correct = sum(
        1 for d, s, e, text in citations
        if span_overlaps(d, s, e, evidence) or contains_alias(text, answers)
    )
    covered = sum(1 for ev in evidence if any(ev.overlaps(d, s, e) for d, s, e, _ in citations))
    return CitationScore(
        correct / len(citations) if citations else None,
        covered / len(evidence) if evidence else None,
        correct, len(citations),
    )


# -- retrieval -------------------------------------------------------------------------------------
RETRIEVAL_KS = (1, 3, 5, 10)


def retrieval_scores(passages: Sequence[tuple[str, int, int]], evidence: Sequence[Evidence],
                     ks: Sequence[int] = RETRIEVAL_KS, ndcg_k: int = 10) -> dict[str, float]:
    """Ranking metrics for retrieved passages (best first) against gold evidence quotes.

    Each passage is mapped to the first gold quote it overlaps that no earlier passage already
    covered (a passage covering nothing new counts as non-relevant, like a duplicate), and the
    BEIR-convention functions of `ir_metrics` score that ranking: hit@k (any relevant passage in
    the top k), recall@k (share of gold quotes covered in the top k), MRR and nDCG@10.
    Needs at least one evidence quote."""
    if not evidence:
        raise ValueError("retrieval metrics need at least one gold evidence quote")
    ranked: list[str] = []
    covered_by_rank: list[set[int]] = []
    covered: set[int] = set()
    for r, (d, s, e) in enumerate(passages):
        hits = [i for i, ev in enumerate(evidence) if ev.overlaps(d, s, e)]
        new = [i for i in hits if i not in covered]
        ranked.append(f"ev{new[0]}" if new else (f"rel{r}" if hits else f"non{r}"))
        covered.update(hits)
        covered_by_rank.append(set(covered))
    relevant = {f"ev{i}": 1.0 for i in range(len(evidence))}
    # hit and MRR count any overlapping passage, even one covering an already-covered quote
    any_rel = {k: 1.0 for k in ranked if not k.startswith("non")}
    out: dict[str, float] = {}
    for k in ks:
        out[f"hit@{k}"] = ir_metrics.hit_at_k(ranked, any_rel, k)
        got = covered_by_rank[min(k, len(ranked)) - 1] if ranked else set()
        out[f"recall@{k}"] = len(got) / len(evidence)  # exact, even if one passage covers two quotes
    out["mrr"] = ir_metrics.mrr_at_k(ranked, any_rel)
    out[f"ndcg@{ndcg_k}"] = ir_metrics.ndcg_at_k(ranked, relevant, ndcg_k)
    return out


# -- latency -----------------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation (numpy's default); None if empty."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must be in [0, 100], got {q}")
    xs = sorted(values)
    if not xs:
        return None
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def latency_summary(values: Sequence[float]) -> dict[str, float | None]:
    vals = [float(v) for v in values]
    return {
        "n": len(vals),
        "p50": percentile(vals, 50),
        "p95": percentile(vals, 95),
        "mean": sum(vals) / len(vals) if vals else None,
        "max": max(vals) if vals else None,
    }


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the non-None values; None when there are none."""
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None
