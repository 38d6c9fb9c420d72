"""Types that flow out of the index: `Chunk` and `ScoredPassage`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one document: `doc.text[start:end] == text`."""

    chunk_id: str
    doc_id: str
    start: int
    end: int
    text: str

    def __post_init__(self) -> None:
        if not (0 <= self.start < self.end):
            raise ValueError(f"chunk {self.chunk_id!r}: bad span start={self.start} end={self.end}")
        if len(self.text) != self.end - self.start:
            raise ValueError(
                f"chunk {self.chunk_id!r}: text length {len(self.text)} != end-start {self.end - self.start}"
            )


@dataclass
class ScoredPassage:
    """A retrieved chunk with its score and its document's metadata."""

    chunk: Chunk
    score: float
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    scores: dict[str, float] = field(default_factory=dict)  # per-retriever scores/ranks
    dup_of: str | None = None  # the earliest copy (cluster head) when this article is a syndicated copy

    @property
    def doc_id(self) -> str:
        return self.chunk.doc_id

    @property
    def story(self) -> str:
        """The story this passage tells: its cluster head's id for a syndicated copy, else its
        own document id. Copies of one story are one source, never two that agree."""
        return self.dup_of or self.chunk.doc_id

    @property
    def start(self) -> int:
        return self.chunk.start

    @property
    def end(self) -> int:
        return self.chunk.end

    @property
    def text(self) -> str:
        return self.chunk.text

    def to_json(self) -> dict:
        return {
            "doc_id": self.doc_id,
            "chunk_id": self.chunk.chunk_id,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "score": round(float(self.score), 6),
            "title": self.title,
            "outlet": self.outlet,
            "published": self.published,
        }
