"""Every committed article's vector in one in-memory matrix, for exact article search.

There is one article vector per document (index.articles), so even 10,000 articles are a
15 MB matrix: scoring all of them against a question is one matrix-vector product (about a
millisecond), exact, and free of the approximate index's candidate cut-off. That matters
because the article score adds a date prior to the cosine: an article that is not among the
nearest vectors by cosine alone can still be the best once its date counts. The matrix is
loaded once and reloaded only when the committed documents change (`NewsIndex.fingerprint`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .filters import Filters
    from .news_index import NewsIndex


def day_number(published: str | None) -> float:
    """'2024-06-25' -> its proleptic ordinal (days); None -> NaN."""
    return float(date.fromisoformat(published).toordinal()) if published else float("nan")


@dataclass
class ArticleMatrix:
    doc_ids: list[str]
    vectors: np.ndarray  # (articles, dim), unit length
    days: np.ndarray  # publication day numbers (NaN: undated)
    fingerprint: str

    def __post_init__(self) -> None:
        self.row = {d: i for i, d in enumerate(self.doc_ids)}

    def __len__(self) -> int:
        return len(self.doc_ids)

    def mask(self, index: "NewsIndex", filters: "Filters", before: str | None = None) -> np.ndarray:
        """Rows the filters allow; `before`: only articles published on or before that day
        (undated ones are kept: they are not known to be later)."""
        ok = np.ones(len(self), dtype=bool)
        if not filters.empty:
            allowed = filters.documents(index.store.registry)
            ok &= np.fromiter((d in allowed for d in self.doc_ids), dtype=bool, count=len(self))
        if before:
            ok &= np.isnan(self.days) | (self.days <= day_number(before))
        return ok


class ArticleMatrices:
    """The current ArticleMatrix of one index, rebuilt when its documents change."""

    def __init__(self, index: "NewsIndex"):
        self.index = index
        self._current: ArticleMatrix | None = None
        self._lock = threading.Lock()

    def get(self) -> ArticleMatrix:
        fp = self.index.fingerprint()
        with self._lock:
            if self._current is None or self._current.fingerprint != fp:
                self._current = self._load(fp)
            return self._current

    def _load(self, fp: str) -> ArticleMatrix:
        records = self.index.records()
        ids, vecs, days = [], [], []
        for page_ids, page_vecs, metas in self.index.store.iter_article_vectors():
            for doc_id, vec, meta in zip(page_ids, page_vecs, metas):
                rec = records.get(doc_id)
                if rec is None or rec.content_hash != meta.get("doc_hash"):
                    continue  # not committed, or the vector of an older text
                ids.append(doc_id)
                vecs.append(vec)
                days.append(day_number(rec.published))
        dim = vecs[0].shape[0] if vecs else 0
        matrix = np.stack(vecs).astype(np.float32) if vecs else np.zeros((0, dim), dtype=np.float32)
        return ArticleMatrix(ids, matrix, np.asarray(days, dtype=np.float64), fp)


__all__ = ["ArticleMatrices", "ArticleMatrix", "day_number"]
