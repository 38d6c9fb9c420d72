"""Reading the retrieved passages with the extractive reader (qa.reader): where the answer is,
in document offsets, and whether there is one.

`PassageReader.read(question, passages) -> Reading`: the best span over the first `depth`
passages (`doc.text[start:end] == text`), its no-answer margin and the threshold it is judged
against. `promote(ranked, reading)` moves the sentence that holds the span to the front of the
ranked sentences, so the quote answer cites it first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from index import ScoredPassage

from .reader import SpanReader


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
    """`reader`: any SpanReader (qa.reader.OnnxReader; tests pass fakes); `depth`: how many of
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


def promote(ranked: list, reading: Reading | None) -> list:
    """`ranked` with the first sentence that holds the reading's span moved to the front
    (unchanged when none holds it)."""
    if reading is None:
        return ranked
    for i, s in enumerate(ranked):
        if s.doc_id == reading.doc_id and s.start <= reading.start and reading.end <= s.end:
            return [s, *ranked[:i], *ranked[i + 1:]]
    return ranked


__all__ = ["PassageReader", "Reading", "promote"]
