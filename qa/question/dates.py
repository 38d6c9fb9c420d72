"""Date-aware questions: 'most recent', 'first', 'in 2024', 'before March 2024', 'last month'...
The question's date intent re-ranks the relevant sentences by their article's publication
date (or by dates the sentence itself states), so the answer comes from the right article.
Date expressions are resolved by qa.question.analysis (spaCy DATE entities + dateparser, against the
question's `as_of` day); the ordering words are read here."""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.dates import find_dates

from .analysis import QuestionAnalysis, analyse
from ..answer.quote import Sentence

_LATEST = re.compile(r"\b(most recent(ly)?|latest|newest|the last|last time|recently)\b", re.I)
_EARLIEST = re.compile(r"\b(first|earliest|oldest|initial(ly)?|original(ly)?)\b", re.I)
# Ordinals that also name things: 'the first phase', 'the last round'. When the retrieved
# text itself uses the question's phrase, the ordinal is part of what is asked about, not an
# instruction to prefer the earliest or latest article.
_ORDINAL_PHRASE = re.compile(r"\b(first|last|initial|original)\s+([^\W\d_]+)", re.I)


@dataclass(frozen=True)
class DateIntent:
    """What the question asks about time: an order and/or an inclusive date range."""

    order: str | None = None  # 'latest' | 'earliest'
    date_from: str | None = None  # YYYY-MM-DD
    date_to: str | None = None

    def __post_init__(self) -> None:
        if self.order not in (None, "latest", "earliest"):
            raise ValueError(f"date order must be 'latest', 'earliest' or None, got {self.order!r}")

    @property
    def empty(self) -> bool:
        return not (self.order or self.date_from or self.date_to)

    def in_range(self, day: str | None) -> bool | None:
        """True/False for a known date, None when the date is unknown."""
        if day is None:
            return None
        if self.date_from and day < self.date_from:
            return False
        return not (self.date_to and day > self.date_to)


def _named_spans(question: str, text: str) -> list[tuple[int, int]]:
    """Spans of the question's ordinal phrases ('first phase') that `text` (the retrieved
    passages) also contains: names of things, not ordering words."""
    low = " ".join(text.lower().split())
    return [m.span() for m in _ORDINAL_PHRASE.finditer(question)
            if " ".join(m.group(0).lower().split()) in low]


def _orderings(pattern: re.Pattern, question: str, named: list[tuple[int, int]]) -> list[re.Match]:
    """Matches of an ordering pattern that are not part of a named ordinal."""
    return [m for m in pattern.finditer(question)
            if not any(m.start() < b and a < m.end() for a, b in named)]


def strip_intent(question: str, text: str = "") -> str:
    """The question without its ordering words ('most recent', 'first'), for relevance scoring:
    those words say which article to prefer, not what the sentence must contain. Ordinals
    that `text` uses as names ('first phase') stay."""
    named = _named_spans(question, text)
    drop = sorted(m.span() for p in (_LATEST, _EARLIEST) for m in _orderings(p, question, named))
    out, pos = [], 0
    for a, b in drop:
        if a >= pos:
            out.append(question[pos:a])
            pos = b
    out.append(question[pos:])
    return re.sub(r"\s+", " ", " ".join(out)).strip() or question


def parse_intent(question: str, text: str = "", as_of=None,
                 analysis: QuestionAnalysis | None = None) -> DateIntent:
    """The date intent of `question` asked on `as_of` (default today; or pass its
    `analysis`); `text` (the retrieved passages) tells ordinals that name something ('the
    first phase' when the articles speak of it) from ordering words."""
    order = None
    named = _named_spans(question, text)
    if _orderings(_LATEST, question, named):
        order = "latest"
    elif _orderings(_EARLIEST, question, named):
        order = "earliest"
    a = analysis if analysis is not None else analyse(question, as_of)
    return DateIntent(order, a.date_from, a.date_to)


def sentence_dates(s: Sentence) -> list[str]:
    """ISO dates written in the sentence itself."""
    return [d.isoformat() for _, _, d in find_dates(s.text)]


def effective_date(s: Sentence) -> str | None:
    """The date a sentence speaks for: its article's publication date, else the latest
    date it states."""
    if s.passage.published:
        return s.passage.published
    stated = sentence_dates(s)
    return max(stated) if stated else None


def apply_intent(intent: DateIntent, ranked: list[Sentence], band: float = 0.85,
                 range_bonus: float = 0.08, sem_margin: float = 0.05) -> list[Sentence]:
    """Re-rank scored sentences (best first) for a date intent.

    A range rewards sentences whose article was published in it, or that state a date in it,
    and demotes sentences known to be outside it. An order takes the relevant sentences (score
    within `band` of the best) and puts the latest (or earliest) dated one first."""
    if intent.empty or not ranked:
        return ranked
    if intent.date_from or intent.date_to:
        for s in ranked:
            hits = [intent.in_range(d) for d in [s.passage.published, *sentence_dates(s)]]
            if any(h is True for h in hits):
                s.score += range_bonus
            elif s.passage.published and hits[0] is False:
                s.score -= range_bonus
        ranked = sorted(ranked, key=lambda s: (-s.score, s.rank, s.doc_id, s.start))
    if intent.order:
        best = ranked[0].score
        best_sem = max(s.sem for s in ranked)

        def relevant(i: int, s: Sentence) -> bool:  # close in score, or (near the top) in meaning
            return s.score >= band * best or (i < 10 and s.sem >= best_sem - sem_margin)

        top = [s for i, s in enumerate(ranked) if relevant(i, s)]
        rest = [s for i, s in enumerate(ranked) if not relevant(i, s)]
        dated = [s for s in top if effective_date(s)]
        undated = [s for s in top if not effective_date(s)]
        dated.sort(key=lambda s: effective_date(s) or "", reverse=intent.order == "latest")
        # stable: within one date, the better-scoring sentence stays first
        ranked = dated + undated + rest
    return ranked
