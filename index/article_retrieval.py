"""Article-first retrieval: find the articles, then the passages inside them.

For one question, the candidate articles are the union of
- the nearest article vectors (title + lead, index.articles),
- the articles of the nearest passages (the path for a passage that matches strongly in an
  article whose lead does not), and
- the articles of the best BM25 passages,
all within the question's filters (a date window is a filter). Every passage of every
candidate article is then scored with one linear formula over features of the passage and of
its article:

    score = article * cos(question, article vector) + passage * cos(question, passage)
            + bm25 * BM25(passage) / best BM25 among the candidates + recency * prior(article)

An article ranks where its best passage does, so the passages of the top articles come first
and a strongly matching passage lifts an article ranked lower by its lead. The recency prior
is exp(-days / recency_days), days counted from the reference day (the question's `as_of`,
or the newest article's date when that is earlier: a corpus of old news), or from the range
of dates the question names ("in March 2023": the distance to that range, so a question
about a past date is not pushed toward recent articles). An undated article gets the mean
prior of the dated candidates (no evidence either way). The weights are chosen on dev halves
(bench/article_first.py), never per question set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from .types import ScoredPassage

if TYPE_CHECKING:  # pragma: no cover
    from .news_index import NewsIndex
    from .filters import Filters


@dataclass(frozen=True)
class ArticleWeights:
    article: float = 0.5
    passage: float = 0.5
    bm25: float = 0.0
    recency: float = 0.0
    recency_days: float = 7.0
    candidates: int = 50  # from each of the three searches

    def __post_init__(self) -> None:
        for name in ("article", "passage", "bm25", "recency"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and v >= 0 and math.isfinite(v)):
                raise ValueError(f"article weight {name} must be a finite number >= 0, got {v!r}")
        if not self.recency_days > 0:
            raise ValueError(f"recency_days must be > 0, got {self.recency_days!r}")
        if self.candidates < 1:
            raise ValueError(f"candidates must be >= 1, got {self.candidates!r}")


@dataclass
class Candidates:
    """Features of every passage of the candidate articles of one question (one row each)."""

    chunk_ids: list[str]
    doc_ids: list[str]
    metas: list[dict]
    cos: np.ndarray  # question . passage vector
    bm25: np.ndarray  # passage BM25 / the best among the candidates (0 when no term matches)
    article: np.ndarray  # question . the passage's article vector
    recency: np.ndarray  # prior of the passage's article

    def scores(self, w: ArticleWeights) -> np.ndarray:
        return w.article * self.article + w.passage * self.cos + w.bm25 * self.bm25 + w.recency * self.recency

    def ranked_docs(self, w: ArticleWeights) -> list[tuple[str, float]]:
        """Articles by their best passage's score, best first (ties: doc id)."""
        best: dict[str, float] = {}
        for d, s in zip(self.doc_ids, self.scores(w).tolist()):
            if s > best.get(d, -math.inf):
                best[d] = s
        return sorted(best.items(), key=lambda x: (-x[1], x[0]))

    def ranked_passages(self, w: ArticleWeights) -> list[int]:
        """Row indexes by score, best first (ties: chunk id)."""
        s = self.scores(w)
        return sorted(range(len(s)), key=lambda i: (-s[i], self.chunk_ids[i]))


def _days(a: str, b: str) -> int:
    return abs((date.fromisoformat(a) - date.fromisoformat(b)).days)


def recency_prior(published: list[str | None], reference: str | None, about: tuple[str | None, str | None] | None,
                  days: float) -> np.ndarray:
    """exp(-distance / days) per article (see the module doc); undated: the dated ones' mean."""
    lo, hi = about or (None, None)
    out = np.full(len(published), np.nan)
    for i, pub in enumerate(published):
        if not pub:
            continue
        if lo or hi:
            dist = _days(pub, lo) if lo and pub < lo else _days(pub, hi) if hi and pub > hi else 0
        elif reference:
            dist = _days(pub, reference)
        else:
            continue
        out[i] = math.exp(-dist / days)
    dated = out[~np.isnan(out)]
    return np.where(np.isnan(out), float(dated.mean()) if dated.size else 0.0, out)


class ArticleFirst:
    """Article-first retrieval over a NewsIndex (see the module doc)."""

    def __init__(self, index: "NewsIndex", weights: ArticleWeights = ArticleWeights(), query_embedder=None):
        self.index = index
        self.weights = weights
        self.query_embedder = query_embedder

    def _visible(self, meta: dict, filters: "Filters") -> bool:
        return self.index.is_visible(meta) and filters.allows(meta)

    def _search(self, fn, vec, n: int, filters: "Filters") -> list:
        hits = fn(vec, n, filters.where())
        if filters.undated and filters.dated:  # Chroma cannot match a missing key: ask again for the undated
            hits += [h for h in fn(vec, n, filters.without_dates().where()) if not h[2].get("published")]
        return hits

    def reference(self, as_of: str | None) -> str | None:
        """The day recency is counted from: `as_of`, or the newest article's date when earlier."""
        newest = self.index.newest_published()
        if as_of and newest:
            return min(as_of, newest)
        return as_of or newest

    def candidates(self, query: str, filters: "Filters", as_of: str | None = None,
                   about: tuple[str | None, str | None] | None = None) -> Candidates:
        from .store import published_ord

        store, n = self.index.store, self.weights.candidates
        vec = np.asarray((self.query_embedder or self.index.embedder).embed_query(query), dtype=np.float32)
        article_cos: dict[str, float] = {}
        for doc_id, sim, meta in self._search(store.query_articles, vec, n, filters):
            if self._visible(meta, filters):
                article_cos[doc_id] = sim
        docs = set(article_cos)
        docs.update(c.doc_id for c, _, m in self._search(store.query, vec, n, filters) if self._visible(m, filters))
        allowed = None
        if not filters.empty:
            allowed = store.registry.doc_ids_where(filters.outlets, filters.doc_ids, published_ord(filters.date_from),
                                                   published_ord(filters.date_to), undated=filters.undated)
        docs.update(cid.rsplit("#", 1)[0] for cid, _ in self.index.bm25().search(query, n, allowed_docs=allowed))
        rows = [r for r in store.chunk_vectors(sorted(docs)) if self._visible(r[2], filters)]
        if not rows:
            return Candidates([], [], [], *(np.zeros(0, dtype=np.float32) for _ in range(4)))
        ids = [cid for cid, _, _ in rows]
        doc_of = [m["doc_id"] for _, _, m in rows]
        cos = np.stack([v for _, v, _ in rows]) @ vec
        bm = dict(self.index.bm25().search(query, len(rows), allowed_docs=set(doc_of)))
        bm25 = np.array([bm.get(c, 0.0) for c in ids], dtype=np.float32)
        if bm25.max(initial=0.0) > 0:
            bm25 = bm25 / bm25.max()
        missing = sorted(set(doc_of) - set(article_cos))
        for doc_id, (v, _) in store.article_vectors(missing).items():
            article_cos[doc_id] = float(v @ vec)
        best_passage: dict[str, float] = {}
        for d, c in zip(doc_of, cos.tolist()):
            best_passage[d] = max(best_passage.get(d, -1.0), c)
        # an article without its vector (not yet backfilled) stands on its best passage
        article = np.array([article_cos.get(d, best_passage[d]) for d in doc_of], dtype=np.float32)
        records = self.index.records()
        uniq = sorted(set(doc_of))
        pubs = [getattr(records.get(d), "published", None) for d in uniq]
        prior = dict(zip(uniq, recency_prior(pubs, self.reference(as_of), about, self.weights.recency_days)))
        recency = np.array([prior[d] for d in doc_of], dtype=np.float32)
        return Candidates(ids, doc_of, [m for _, _, m in rows], cos.astype(np.float32), bm25, article, recency)

    def retrieve(self, query: str, n: int, filters: "Filters", as_of: str | None = None,
                 about: tuple[str | None, str | None] | None = None) -> list[ScoredPassage]:
        """The top passages, best first (not yet diversified: the caller does that), `n` or more."""
        c = self.candidates(query, filters, as_of, about)
        if not c.chunk_ids:
            return []
        w = self.weights
        s = c.scores(w)
        order = c.ranked_passages(w)[: max(n, 50)]
        found = self.index.store.get_chunks([c.chunk_ids[i] for i in order])
        out = []
        for i in order:
            if c.chunk_ids[i] not in found:
                continue
            chunk, meta = found[c.chunk_ids[i]]
            out.append(ScoredPassage(chunk=chunk, score=float(s[i]), title=meta.get("title"),
                                     outlet=meta.get("outlet"), published=meta.get("published"),
                                     scores={"articles": float(s[i]), "article": float(c.article[i]),
                                             "dense": float(c.cos[i]), "bm25": float(c.bm25[i]),
                                             "recency": float(c.recency[i])}))
        return out


__all__ = ["ArticleFirst", "ArticleWeights", "Candidates", "recency_prior"]
