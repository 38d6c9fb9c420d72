"""`QueryMemo`: the question is embedded once, for retrieval and for sentence scoring."""

from __future__ import annotations

import threading


class QueryMemo:
    """Wraps an embedder so the same question is embedded once, not once for retrieval and
    again for sentence scoring. Everything else passes through to the wrapped embedder."""

    def __init__(self, inner, size: int = 256):
        if size < 1:
            raise ValueError(f"size must be >= 1, got {size}")
        self.inner = inner
        self.size = size
        self._memo: dict[str, object] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def embed_documents(self, texts):
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str):
        with self._lock:
            hit = self._memo.get(text)
        if hit is not None:
            return hit
        vec = self.inner.embed_query(text)
        with self._lock:
            self._memo[text] = vec
            while len(self._memo) > self.size:
                self._memo.pop(next(iter(self._memo)))
        return vec


__all__ = ["QueryMemo"]
