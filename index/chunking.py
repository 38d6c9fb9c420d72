"""Sentence-aware chunking with exact offsets: a chunk is a run of whole sentences."""

from __future__ import annotations

from dataclasses import dataclass

from corpus import Document

from .sentences import SEGMENTER, split_sentences
from .types import Chunk


# Bump when sentence splitting or chunking changes what chunks a text gets: documents
# indexed under another version are re-chunked by the next ingest.
CHUNKER_VERSION = 2


def chunk_id_for(doc_id: str, n: int) -> str:
    """Deterministic chunk ids, so a re-run produces the same ids as a clean build."""
    return f"{doc_id}#{n:04d}"


@dataclass(frozen=True)
class SentenceChunker:
    """Groups up to `max_sentences` sentences (at most `max_chars` characters unless one
    sentence alone is longer) and repeats `overlap` sentences between neighbours."""

    max_sentences: int = 4
    overlap: int = 1
    max_chars: int = 800

    def __post_init__(self) -> None:
        for name in ("max_sentences", "overlap", "max_chars"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"{name} must be a whole number, got {value!r}")
        if self.max_sentences < 1:
            raise ValueError(f"max_sentences must be >= 1, got {self.max_sentences}")
        if not (0 <= self.overlap < self.max_sentences):
            raise ValueError(
                f"overlap must be >= 0 and < max_sentences ({self.max_sentences}), got {self.overlap}"
            )
        if self.max_chars < 1:
            raise ValueError(f"max_chars must be >= 1, got {self.max_chars}")

    @property
    def key(self) -> str:
        """Identifies the chunking: stored with each document so that new sizes re-chunk it."""
        return f"sentence-v{CHUNKER_VERSION}-{SEGMENTER}:{self.max_sentences}/{self.overlap}/{self.max_chars}"

    def chunk_text(self, doc_id: str, text: str) -> list[Chunk]:
        sents = split_sentences(text)
        chunks: list[Chunk] = []
        i = prev_j = 0
        while i < len(sents):
            j = i + 1  # exclusive end index into sents
            while (
                j < len(sents)
                and j - i < self.max_sentences
                and sents[j][1] - sents[i][0] <= self.max_chars
            ):
                j += 1
            if chunks and j <= prev_j:
                # the overlap left no room for a new sentence: this chunk would repeat part
                # of the previous one, so start right after the previous one instead
                i = prev_j
                continue
            prev_j = j
            start, end = sents[i][0], sents[j - 1][1]
            chunks.append(Chunk(chunk_id_for(doc_id, len(chunks)), doc_id, start, end, text[start:end]))
            if j >= len(sents):
                break
            i = max(i + 1, j - self.overlap)
        return chunks

    def chunk(self, doc: Document) -> list[Chunk]:
        return self.chunk_text(doc.doc_id, doc.text)
