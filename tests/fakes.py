"""Fakes shared by tests: import with `from fakes import FakeEmbedder`."""

from __future__ import annotations

import hashlib

import numpy as np

from corpus import Document


# two short dated articles, for the embedder tests
STORM_DOCS = [
    Document("a1", "Storm hits the coast", "Outlet One", "2024-01-10",
             "A storm hit the northern coast. Power lines were cut by the wind. Repairs began on Monday. "
             "Crews worked through the night. The mayor thanked them."),
    Document("b2", "Ferries stop", "Outlet Two", "2024-03-05",
             "The ferries stopped running after the storm. Fishermen stayed in port. Prices of fish rose."),
]


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


class WordScorer:
    """A fake cross-encoder (`score(query, texts)`): the logit is the number of the query's words
    in the text (lower-cased, a final full stop dropped), plus `offset`; it records its calls."""

    def __init__(self, offset: float = 0.0):
        self.offset = offset
        self.calls: list[tuple[str, list[str]]] = []

    def score(self, query, texts):
        self.calls.append((query, list(texts)))
        q = set(query.lower().split())
        return np.array([len(q & set(t.lower().rstrip(".").split())) + self.offset for t in texts],
                        dtype=np.float32)


# The knobs `index.Retriever` had as constructor defaults before issue 24 moved every tuned value
# into settings: reciprocal-rank fusion, equal weights. The index layer's own tests pin them, so
# that what they check does not move when the product's settings do.
RRF_EQUAL = dict(candidates=50, rrf_k=60, dense_weight=1.0, bm25_weight=1.0, max_per_doc=2, fusion="rrf",
                 collapse_copies=True)


def plain_retriever(index, **overrides):
    """An `index.Retriever` with RRF_EQUAL, `overrides` on top (unit tests of the index layer)."""
    from index import Retriever

    return Retriever(index, **{**RRF_EQUAL, **overrides})
