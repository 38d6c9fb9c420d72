"""An in-memory incremental BM25 (Okapi) index over chunks, for evaluation runs that need no
store (qa/evaluation); the product's BM25 is SQLite FTS5 (bm25_sqlite.py)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from .text import tokenize


class BM25Index:
    def __init__(self, k1: float = 1.2, b: float = 0.75):
        if k1 < 0 or not (0 <= b <= 1):
            raise ValueError(f"BM25 needs k1 >= 0 and 0 <= b <= 1, got k1={k1}, b={b}")
        self.k1, self.b = k1, b
        self.fingerprint: str | None = None
        self._tf: dict[str, Counter] = {}  # chunk_id -> term counts
        self._doc_of: dict[str, str] = {}  # chunk_id -> doc_id
        self._chunks_of: dict[str, set[str]] = defaultdict(set)  # doc_id -> chunk_ids
        self._len: dict[str, int] = {}  # chunk_id -> number of terms
        self._postings: dict[str, dict[str, int]] = defaultdict(dict)  # term -> {chunk_id: tf}
        self._total_len = 0

    def __len__(self) -> int:
        return len(self._tf)

    def __contains__(self, chunk_id: str) -> bool:
        return chunk_id in self._tf

    def chunk_ids(self) -> set[str]:
        return set(self._tf)

    def add(self, chunk_id: str, doc_id: str, text: str) -> None:
        if chunk_id in self._tf:
            self.remove(chunk_id)
        tf = Counter(tokenize(text))
        self._tf[chunk_id] = tf
        self._doc_of[chunk_id] = doc_id
        self._chunks_of[doc_id].add(chunk_id)
        self._len[chunk_id] = sum(tf.values())
        self._total_len += self._len[chunk_id]
        for term, n in tf.items():
            self._postings[term][chunk_id] = n

    def remove(self, chunk_id: str) -> None:
        tf = self._tf.pop(chunk_id, None)
        if tf is None:
            return
        doc_id = self._doc_of.pop(chunk_id, None)
        if doc_id is not None:
            self._chunks_of[doc_id].discard(chunk_id)
            if not self._chunks_of[doc_id]:
                del self._chunks_of[doc_id]
        self._total_len -= self._len.pop(chunk_id)
        for term in tf:
            posting = self._postings.get(term)
            if posting is not None:
                posting.pop(chunk_id, None)
                if not posting:
                    del self._postings[term]

    def remove_doc(self, doc_id: str) -> None:
        for cid in list(self._chunks_of.get(doc_id, ())):
            self.remove(cid)

    def search(self, query: str, k: int = 10, allowed_docs: set[str] | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk_id, score), best first; ties broken by chunk id for determinism."""
        n = len(self._tf)
        if n == 0 or k <= 0:
            return []
        avgdl = self._total_len / n if self._total_len else 1.0
        scores: dict[str, float] = defaultdict(float)
        for term, qtf in Counter(tokenize(query)).items():
            posting = self._postings.get(term)
            if not posting:
                continue
            df = len(posting)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            for cid, tf in posting.items():
                if allowed_docs is not None and self._doc_of[cid] not in allowed_docs:
                    continue
                dl = self._len[cid]
                denom = tf + self.k1 * (1 - self.b + self.b * dl / avgdl)
                scores[cid] += qtf * idf * tf * (self.k1 + 1) / denom
        return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
