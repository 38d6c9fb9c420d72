"""Syndicated copies in retrieval: one story, one source.

A wire story republished by several outlets is one near-duplicate cluster in the registry
(`index.duplicates`: `dup_of` names the cluster head, its earliest copy). `CopyCollapser`
rewrites a ranked passage list so that each story is represented by its head:

- a passage of a copy is replaced by the head's chunk that holds the same text (the head
  chunk whose word 3-grams contain most of the copy passage's), keeping the copy's rank and
  score; when the head's chunk is already in the list, the copy's passage is dropped;
- when the head cannot stand in (it is outside the query's filters, or no head chunk holds
  the copy's text: an outlet's own added paragraph), the copy's passage stays, marked with
  `dup_of = head`, so answering still counts it as the same story (`ScoredPassage.story`).

Offsets stay exact: a replacement is the head's own chunk as the chunker made it, never text
found again by searching.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .chunking import chunk_id_for
from .registry import DocRecord
from .text import words
from .types import ScoredPassage

if TYPE_CHECKING:  # pragma: no cover
    from .news_index import NewsIndex
    from .filters import Filters

GRAM = 3


def _grams(text: str) -> set[tuple[str, ...]]:
    toks = words(text)
    if len(toks) < GRAM:
        return {tuple(toks)} if toks else set()
    return {tuple(toks[i:i + GRAM]) for i in range(len(toks) - GRAM + 1)}


def containment(part: str, whole: str) -> float:
    """Share of `part`'s word 3-grams that occur in `whole` (0 when `part` has no words)."""
    a = _grams(part)
    return len(a & _grams(whole)) / len(a) if a else 0.0


@dataclass
class CopyCollapser:
    """Collapse passages of syndicated copies onto their cluster head (see module doc); with
    `replace=False`, only mark them as copies of it.
    `min_containment`: how much of a copy passage's text the head chunk must hold to stand in
    for it (a general overlap level, not tuned on any question set)."""

    index: "NewsIndex"
    min_containment: float = 0.5
    replace: bool = True  # False: only mark copies (`dup_of`), keep their own passages
    max_heads: int = 512  # cluster heads whose chunks are remembered across questions
    _heads: dict = field(default_factory=dict, init=False, repr=False)  # head's DocRecord -> its chunks
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _seen: tuple = field(default=(None, False), init=False, repr=False)  # (records snapshot, any copy?)

    def __post_init__(self) -> None:
        if not 0.0 < self.min_containment <= 1.0:
            raise ValueError(f"min_containment must be in (0, 1], got {self.min_containment}")

    def _head_chunks(self, head: DocRecord) -> list:
        """The head's visible chunks in text order, each as (chunk, metadata, its 3-grams);
        remembered across questions while the head's committed record stays the same."""
        with self._lock:
            hit = self._heads.get(head)
        if hit is not None:
            return hit
        found = self.index.store.get_chunks([chunk_id_for(head.doc_id, i) for i in range(head.n_chunks)])
        chunks = sorted(((c, m, _grams(c.text)) for c, m in found.values() if self.index.is_visible(m)),
                        key=lambda cmg: cmg[0].start)
        with self._lock:
            self._heads[head] = chunks
            while len(self._heads) > self.max_heads:
                self._heads.pop(next(iter(self._heads)))
        return chunks

    def active(self) -> bool:
        """Does the index hold any syndicated copy? (Checked once per registry snapshot.)"""
        records = self.index.records()
        if self._seen[0] is not records:
            self._seen = (records, any(r.dup_of for r in records.values()))
        return self._seen[1]

    def collapse(self, passages: list[ScoredPassage], filters: "Filters | None" = None) -> list[ScoredPassage]:
        records = self.index.records()
        if not any(getattr(records.get(p.doc_id), "dup_of", None) for p in passages):
            return passages
        out: list[ScoredPassage] = []
        seen: set[str] = set()
        for p in passages:
            rec = records.get(p.doc_id)
            head = rec.dup_of if rec is not None else None
            head_rec = records.get(head) if head else None
            if self.replace and head_rec is not None and (filters is None or filters.allows(head_rec.to_meta())):
                chunks = self._head_chunks(head_rec)
                grams = _grams(p.text)  # containment(p.text, c.text) for each head chunk c
                scored = [(len(grams & g) / len(grams) if grams else 0.0, c, m) for c, m, g in chunks]
                best = max(scored, key=lambda x: x[0], default=None)
                if best is not None and best[0] >= self.min_containment:
                    _, chunk, meta = best
                    p = ScoredPassage(chunk, p.score, meta.get("title"), meta.get("outlet"),
                                      meta.get("published"), dict(p.scores))
            if head and p.doc_id != head:
                p.dup_of = head  # the head could not stand in: still the same story
            if p.chunk.chunk_id not in seen:
                seen.add(p.chunk.chunk_id)
                out.append(p)
        return out


__all__ = ["CopyCollapser", "containment"]
