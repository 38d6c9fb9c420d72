"""Reading the retrieved passages with the extractive reader (qa.evidence.reader): where the answer is,
in document offsets, and whether there is one.

`PassageReader.read(question, passages) -> Reading`: the best span over the first `depth`
passages (`doc.text[start:end] == text`), its no-answer margin and the threshold it is judged
against. `promote(ranked, reading)` moves the sentence that holds the span to the front of the
ranked sentences, so the quote answer cites it first. `ReaderSpanFinder` is the short-answer
finder that reads only the cited sentences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from index import ScoredPassage

from .reader import SpanReader
from ..types import AnswerSpan


@dataclass(frozen=True)
class Reading:
    doc_id: str
    start: int  # document offsets: doc.text[start:end] == text
    end: int
    text: str
    margin: float  # best span score minus the no-answer score
    threshold: float  # the reader answers when margin > threshold
    passage: int  # index of the passage it was read in

    @property
    def answers(self) -> bool:
        return self.margin > self.threshold


class PassageReader:
    """`reader`: any SpanReader (qa.evidence.reader.OnnxReader; tests pass fakes); `depth`: how many of
    the retrieved passages it reads, best first."""

    def __init__(self, reader: SpanReader, depth: int = 5):
        if depth < 1:
            raise ValueError(f"PassageReader depth must be >= 1, got {depth}")
        self.reader = reader
        self.depth = depth

    def read(self, question: str, passages: Sequence[ScoredPassage]) -> Reading | None:
        head = list(passages[: self.depth])
        spans = [s for s in self.reader.read(question, [p.text for p in head]) if s is not None]
        if not spans:
            return None
        s = max(spans, key=lambda x: x.margin)
        p = head[s.index]
        return Reading(p.doc_id, p.start + s.start, p.start + s.end, s.text, s.margin,
                       float(self.reader.threshold), s.index)


class ReaderSpanFinder:
    """The short answer from the reader: it reads the first `max_citations` cited sentences
    and returns its best span (one the question does not already name) as the AnswerSpan of
    its citation, labelled READER; `fallback` (the NER finder) answers when it finds none.
    Same interface as qa.answer.short_answer.ShortAnswerFinder."""

    def __init__(self, reader: SpanReader, fallback=None, max_citations: int = 2):
        if max_citations < 1:
            raise ValueError(f"ReaderSpanFinder max_citations must be >= 1, got {max_citations}")
        self.reader = reader
        self.fallback = fallback
        self.max_citations = max_citations

    def find(self, question: str, answer_type: str | None, citations: Sequence,
             claims: dict[int, str] | None = None) -> AnswerSpan | None:
        """`claims` (llm mode): marker -> the answer's sentences citing it; a span must be
        stated there (qa.answer.short_answer.states)."""
        from ..answer.short_answer import states

        cited = [c for c in citations if claims is None or claims.get(c.marker)][: self.max_citations]
        spans = [s for s in self.reader.read(question, [c.quote for c in cited]) if s is not None] if cited else []
        spans = [s for s in spans if claims is None or states(claims[cited[s.index].marker], s.text)]
        if spans:
            s = max(spans, key=lambda x: x.margin)
            c = cited[s.index]
            return AnswerSpan(c.marker, c.doc_id, c.start + s.start, c.start + s.end, s.text, "READER")
        if self.fallback is None:
            return None
        kw = {} if claims is None else {"claims": claims}
        return self.fallback.find(question, answer_type, citations, **kw)


def promote(ranked: list, reading: Reading | None) -> list:
    """`ranked` with the first sentence that holds the reading's span moved to the front
    (unchanged when none holds it)."""
    if reading is None:
        return ranked
    for i, s in enumerate(ranked):
        if s.doc_id == reading.doc_id and s.start <= reading.start and reading.end <= s.end:
            return [s, *ranked[:i], *ranked[i + 1:]]
    return ranked


__all__ = ["PassageReader", "Reading", "ReaderSpanFinder", "promote"]
