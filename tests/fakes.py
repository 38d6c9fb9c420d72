"""Fakes shared by tests: import with `from fakes import FakeEmbedder`."""

from __future__ import annotations

import hashlib

import numpy as np


class FakeEmbedder:
    """Deterministic bag-of-words hashing embedder; counts the texts it embeds."""

    name = "fake"

    def __init__(self, dim: int = 64):
        self.dim = dim
        self.texts_embedded = 0

    def _vec(self, text: str) -> np.ndarray:
        from index.text import tokenize

        v = np.zeros(self.dim, dtype=np.float32)
        for tok in tokenize(text) or ["<empty>"]:
            v[int(hashlib.md5(tok.encode()).hexdigest(), 16) % self.dim] += 1.0
        return v / (np.linalg.norm(v) or 1.0)

    def embed_documents(self, texts):
        self.texts_embedded += len(texts)
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text):
        return self._vec(text)


class ReadsCrossEncoder:
    """A judge fake for plumbing tests (follow-ups, conversations, dates): answerable when the
    cross-encoder's best sentence has a positive logit. The fake embedder gives the learned
    judge meaningless cosine features; the real judge is tested in test_reading.py."""

    def judge(self, question, ranked):
        from qa.types import Verdict

        ok = bool(ranked) and max((s.ce for s in ranked if s.ce is not None), default=-1.0) > 0
        return Verdict(ok, 1.0 if ok else 0.0, "fake")
