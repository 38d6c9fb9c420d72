"""The interface both answerers implement (quote mode and llm mode)."""

from __future__ import annotations

from typing import Iterator, Protocol

from index import ScoredPassage

from .types import Answer


class Answerer(Protocol):
    mode: str

    def answer(self, question: str, passages: list[ScoredPassage], ranked: list | None = None) -> Answer:
        """Answer from the given passages (retrieved best first). `ranked`: their sentences
        already scored for the question, best first (qa.answer.quote.Sentence), or None to score them
        here. Never invents spans: every Citation's (doc_id, start, end) lies inside one of
        `passages`."""
        ...

    def stream(self, question: str, passages: list[ScoredPassage],
               ranked: list | None = None) -> Iterator[str | Answer]:
        """Yield text deltas as they are produced, then the final Answer last, whose text is
        exactly the deltas joined: what a reader watched stream in is never swapped afterwards
        (Assistant.stream refuses an answer that breaks this)."""
        ...
