"""A fake assistant that answers from a fixed table, for runner/report/ablation tests."""

from __future__ import annotations

from corpus import Document
from index import Chunk, ScoredPassage
from qa.types import ABSTAIN_TEXT, Answer, Citation

TEXT = "Abu Marzouk led the delegation. It met Bogdanov in Moscow. The ceasefire began on January 19."
DOC = Document("d1", "Talks", "Outlet", "2025-02-04", TEXT)
OTHER = Document("d2", "Other", None, None, "Nothing relevant is said here at all.")
DOCS = {"d1": DOC, "d2": OTHER}


def passage(doc: Document, start: int, end: int, score: float = 1.0) -> ScoredPassage:
    return ScoredPassage(Chunk(f"{doc.doc_id}:{start}", doc.doc_id, start, end, doc.text[start:end]), score)


def cite(marker: int, doc: Document, start: int, end: int) -> Citation:
    return Citation(marker, doc.doc_id, start, end, doc.text[start:end])


class FakeAssistant:
    """`script` maps question -> (answer text, abstained, [(doc, start, end)] citations, passages)."""

    def __init__(self, script: dict, latency: float = 0.01):
        self.script = script
        self.latency = latency
        self.calls: list[tuple[str, str | None, int | None]] = []

    def ask(self, question: str, mode: str | None = None, k: int | None = None) -> Answer:
        self.calls.append((question, mode, k))
        text, abstained, cites, passages = self.script[question]
        return Answer(
            question, ABSTAIN_TEXT if abstained else text,
            [] if abstained else [cite(i, d, s, e) for i, (d, s, e) in enumerate(cites, 1)],
            [passage(d, s, e) for d, s, e in passages], abstained=abstained, mode=mode or "quote",
            latency_s=self.latency, timings={"retrieve": self.latency / 2, "answer": self.latency / 2},
        )
