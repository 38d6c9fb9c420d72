"""Article-first retrieval: find the articles, then the passages inside them.

Every committed article is scored against the question (one vector per article, title and
lead, index.articles; all of them, exactly, in index.article_matrix) with

    article score = article * cos(question, article vector) + recency * prior(article's date)

The passages of the best `articles` articles are then read, together with the articles of
the nearest passages (the path for a passage that matches strongly in an article whose lead
does not; only when `passage` > 0) and of the best BM25 passages (only when `bm25` > 0), all
within the question's filters (a date window is a filter). Each passage scores

    article score of its article + passage * cos(question, passage) + bm25 * BM25 / best BM25

and an article ranks where its best passage does; inside one article the passages follow
their own cosine with the question. BM25's weight depends on the question: `bm25_for` scales it
by a sigmoid of the rarity of the question's terms (SqliteBM25.rarity), so that a question of
rare terms (a scientific claim, a rare name) leans on exact words, while a question of common
news words, which the distracting articles share, leans on meaning.

The prior: the distance `d` in days from the article's date to the reference day (the
question's `as_of`, or the newest article's date when that is earlier: a corpus of old news)
and, when the question names dates ('in March 2023', 'last year'), to that range too, the
smaller of the two: an article about a named past event is published when it happens or is
reported now. prior = exp(-max(0, d - recency_flat) / recency_days): flat for `recency_flat`
days, then decaying. An undated article gets `recency_undated` (None: the mean prior of the
dated articles: no evidence either way). With an explicit `as_of` the question is asked on a
known day, and articles published after it are not candidates; without one the reference is
only the newest article, and the prior's weight is `recency_no_as_of`. The weights and the
prior's shape are chosen on dev halves (bench/article_first.py), never per question set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .article_matrix import ArticleMatrices, day_number
from .passage_matrix import PassageMatrix
from .types import ScoredPassage

if TYPE_CHECKING:  # pragma: no cover
    from .news_index import NewsIndex
    from .filters import Filters


@dataclass(frozen=True)
class ArticleWeights:
    article: float = 0.5
    passage: float = 0.5
    bm25: float = 0.0
    recency: float = 0.0  # the prior's weight when the question has an explicit as_of
    recency_days: float = 7.0  # decay, in days, after the flat part
    recency_flat: float = 0.0  # days of full prior around the reference day
    recency_no_as_of: float = 0.0  # the prior's weight without an explicit as_of
    recency_undated: float | None = None  # prior of an undated article (None: the dated ones' mean)
    candidates: int = 50  # passages from each of the dense and BM25 searches
    articles: int = 20  # top articles whose passages are read
    bm25_slope: float = 0.0  # 0: BM25 weighs `bm25` for every query; else see bm25_for
    bm25_center: float = 0.5

    def bm25_for(self, rarity: float) -> float:
        """BM25's weight for a query whose terms have this rarity (SqliteBM25.rarity):
        bm25 * sigmoid(bm25_slope * (rarity - bm25_center)), or `bm25` when the slope is 0."""
        if not self.bm25_slope:
            return self.bm25
        return self.bm25 / (1.0 + math.exp(-self.bm25_slope * (rarity - self.bm25_center)))

    def __post_init__(self) -> None:
        for name in ("article", "passage", "bm25", "recency", "recency_flat", "recency_no_as_of", "bm25_slope"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and v >= 0 and math.isfinite(v)):
                raise ValueError(f"article weight {name} must be a finite number >= 0, got {v!r}")
        if not self.recency_days > 0:
            raise ValueError(f"recency_days must be > 0, got {self.recency_days!r}")
        if self.recency_undated is not None and not 0 <= self.recency_undated <= 1:
            raise ValueError(f"recency_undated must be between 0 and 1 (or None), got {self.recency_undated!r}")
        for name in ("candidates", "articles"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")


@dataclass
class Candidates:
    """Features of every passage of the candidate articles of one question (one row each)."""

    chunk_ids: list[str]
    doc_ids: list[str]
    cos: np.ndarray  # question . passage vector
    bm25: np.ndarray  # passage BM25 / the best among the candidates (0 when no term matches)
    article: np.ndarray  # question . the passage's article vector
    recency: np.ndarray  # prior of the passage's article
    anchored: bool = True  # the question had an explicit as_of
    rarity: float = 0.0  # of the question's terms (SqliteBM25.rarity)

    def scores(self, w: ArticleWeights) -> np.ndarray:
        r = w.recency if self.anchored else w.recency_no_as_of
        return w.article * self.article + w.passage * self.cos + w.bm25_for(self.rarity) * self.bm25 + r * self.recency

    def ranked_docs(self, w: ArticleWeights) -> list[tuple[str, float]]:
        """Articles by their best passage's score, best first (ties: doc id)."""
        best: dict[str, float] = {}
        for d, s in zip(self.doc_ids, self.scores(w).tolist()):
            if s > best.get(d, -math.inf):
                best[d] = s
        return sorted(best.items(), key=lambda x: (-x[1], x[0]))

    def ranked_passages(self, w: ArticleWeights) -> list[int]:
        """Row indexes by score, best first (ties: the passage's own cosine, then chunk id)."""
        s, cos = self.scores(w).tolist(), self.cos.tolist()
        return sorted(range(len(s)), key=lambda i: (-s[i], -cos[i], self.chunk_ids[i]))


def recency_prior(days: np.ndarray, reference: float | None, about: tuple[float, float] | None,
                  w: ArticleWeights, among: np.ndarray | None = None) -> np.ndarray:
    """The prior of each article from its day number (NaN: undated); see the module doc.
    `among`: the articles the question may see; an undated one's mean prior is taken over the
    dated ones among them (over all dated ones when none is)."""
    days = np.asarray(days, dtype=np.float64)
    if reference is None or not len(days):
        return np.zeros(len(days))
    with np.errstate(invalid="ignore"):
        d = np.abs(days - reference)
        if about is not None:
            lo, hi = about
            d = np.minimum(d, np.maximum(0.0, np.maximum(lo - days, days - hi)))
        out = np.exp(-np.maximum(0.0, d - w.recency_flat) / w.recency_days)
    undated = np.isnan(out)
    if undated.any():
        fill = w.recency_undated
        if fill is None:
            dated = ~undated if among is None or not (~undated & among).any() else ~undated & among
            fill = float(out[dated].mean()) if dated.any() else 0.0
        out[undated] = fill
    return out


def query_vector(index: "NewsIndex", query: str, model, query_embedder=None) -> np.ndarray:
    """The question's vector from `model`, one of the index's embedders (None: `index.embedder`);
    `index.embedder`'s comes through `query_embedder` when given (qa passes its memo of it)."""
    if model is None or model is index.embedder:
        model = query_embedder or index.embedder
    return np.asarray(model.embed_query(query), dtype=np.float32)


def query_vectors(index: "NewsIndex", query: str, query_embedder=None) -> tuple[np.ndarray, np.ndarray]:
    """(the question's vector for the articles, for the passages), a model used by both asked
    once; the sentence model (`index.embedder`) only when a level uses it."""
    articles = getattr(index, "article_embedder", None) or index.embedder
    passages = getattr(index, "passage_embedder", None) or index.embedder
    vec = query_vector(index, query, articles, query_embedder)
    return vec, vec if passages is articles else query_vector(index, query, passages, query_embedder)


def _about_days(about: tuple[str | None, str | None] | None) -> tuple[float, float] | None:
    if not about or not (about[0] or about[1]):
        return None
    return (day_number(about[0]) if about[0] else -math.inf, day_number(about[1]) if about[1] else math.inf)


class ArticleFirst:
    """Article-first retrieval over a NewsIndex (see the module doc)."""

    def __init__(self, index: "NewsIndex", weights: ArticleWeights = ArticleWeights(), query_embedder=None):
        self.index = index
        self.weights = weights
        self.query_embedder = query_embedder
        self.matrices = ArticleMatrices(index)
        self.passages = PassageMatrix(index)  # the candidates' passage vectors, in memory

    def _visible(self, meta: dict, filters: "Filters") -> bool:
        return self.index.is_visible(meta) and filters.allows(meta)

    def reference(self, as_of: str | None) -> str | None:
        """The day recency is counted from: `as_of`, or the newest article's date when earlier."""
        newest = self.index.newest_published()
        if as_of and newest:
            return min(as_of, newest)
        return as_of or newest

    def article_scores(self, vec: np.ndarray, filters: "Filters", as_of: str | None,
                       about: tuple[str | None, str | None] | None):
        """(matrix, cos, prior, allowed) over every committed article."""
        m = self.matrices.get()
        allowed = m.mask(self.index, filters, before=as_of)
        cos = m.vectors @ vec if len(m) else np.zeros(0, dtype=np.float32)
        ref = self.reference(as_of)
        prior = recency_prior(m.days, day_number(ref) if ref else None, _about_days(about), self.weights, allowed)
        return m, cos, prior, allowed

    def candidates(self, query: str, filters: "Filters", as_of: str | None = None,
                   about: tuple[str | None, str | None] | None = None) -> Candidates:
        """Features of the passages of the candidate articles. `as_of`: the day the question
        is asked, when the caller said (None: not known; the newest article stands in)."""
        store, w = self.index.store, self.weights
        vec, pvec = query_vectors(self.index, query, self.query_embedder)
        m, art_cos, prior, allowed = self.article_scores(vec, filters, as_of, about)
        r = w.recency if as_of else w.recency_no_as_of
        score = np.where(allowed, w.article * art_cos + r * prior, -np.inf)
        top = np.argsort(-score, kind="stable")[: min(w.articles, int(allowed.sum()))]
        docs = {m.doc_ids[i] for i in top}
        if w.passage > 0 and not (filters.doc_ids and docs.issuperset(filters.doc_ids)):
            # (a search within named articles that are all candidates already: nothing to add)
            docs.update(meta["doc_id"] for _, meta in self._nearest(store, pvec, w.candidates, filters)
                        if self._visible(meta, filters))
        rarity = self.index.bm25().rarity(query) if w.bm25 > 0 else 0.0
        if w.bm25 > 0:
            ok = None if allowed.all() else {m.doc_ids[i] for i in np.flatnonzero(allowed)}
            docs.update(cid.rsplit("#", 1)[0] for cid, _ in self.index.bm25().search(query, w.candidates, allowed_docs=ok))
        if as_of:  # a passage path may bring an article published after the day asked
            docs = {d for d in docs if d in m.row and allowed[m.row[d]]}
        ids, doc_of, matrix = self._passages(sorted(docs), filters)
        if not ids:
            return Candidates([], [], *(np.zeros(0, dtype=np.float32) for _ in range(4)), anchored=bool(as_of),
                              rarity=rarity)
        cos = matrix @ pvec
        bm25 = np.zeros(len(ids), dtype=np.float32)
        if w.bm25 > 0:
            bm = dict(self.index.bm25().search_in(query, set(doc_of), len(ids)))  # its rows only
            bm25 = np.array([bm.get(c, 0.0) for c in ids], dtype=np.float32)
            if bm25.max(initial=0.0) > 0:
                bm25 = bm25 / bm25.max()
        best_passage: dict[str, float] = {}
        for d, c in zip(doc_of, cos.tolist()):
            best_passage[d] = max(best_passage.get(d, -1.0), c)
        # an article without its vector (not yet backfilled) stands on its best passage
        article = np.array([art_cos[m.row[d]] if d in m.row else best_passage[d] for d in doc_of], dtype=np.float32)
        mean_prior = float(prior[allowed].mean()) if allowed.any() else 0.0
        recency = np.array([prior[m.row[d]] if d in m.row else mean_prior for d in doc_of], dtype=np.float32)
        return Candidates(ids, doc_of, cos.astype(np.float32), bm25, article, recency, anchored=bool(as_of),
                          rarity=rarity)

    def _passages(self, doc_ids: list[str], filters: "Filters") -> tuple[list[str], list[str], np.ndarray]:
        """(chunk ids, doc ids, vectors) of the visible passages of `doc_ids`, stacked in
        Chroma's order: from the in-memory matrix, or from Chroma while it is being read (the
        same rows and values either way)."""
        blocks = self.passages.blocks(doc_ids)
        if blocks is None:
            rows = [row for row in self.index.store.chunk_vectors(doc_ids) if self._visible(row[2], filters)]
            if not rows:
                return [], [], np.zeros((0, 0), dtype=np.float32)
            return [r[0] for r in rows], [r[2]["doc_id"] for r in rows], np.stack([r[1] for r in rows])
        ids, doc_of, parts = [], [], []
        for b in blocks:
            if b.own is None:  # one article's metadata: one check
                keep = list(range(len(b.ids))) if self._visible(b.meta, filters) else []
            else:
                keep = [i for i in range(len(b.ids)) if self._visible(b.meta_of(i), filters)]
            if keep:
                ids += [b.ids[i] for i in keep]
                doc_of += [b.meta_of(i)["doc_id"] for i in keep]
                parts.append(b.vectors if len(keep) == len(b.ids) else b.vectors[keep])
        return ids, doc_of, (np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32))

    def _nearest(self, store, vec, n: int, filters: "Filters") -> list[tuple[str, dict]]:
        """(chunk id, metadata) of the `n` passages nearest `vec` that match `filters`' `where`
        clause, and with a window that keeps undated articles, of the `n` nearest without the
        window that are undated (a `where` cannot match a missing key). Unfiltered: Chroma's
        index. Filtered: exactly, over the in-memory vectors of the articles the registry says
        match (Chroma's filtered search is slow), or Chroma until those are read."""
        hits = self._where(store, vec, n, filters)
        if filters.undated and filters.dated:
            hits += [h for h in self._where(store, vec, n, filters.without_dates()) if not h[1].get("published")]
        return hits

    def _where(self, store, vec, n: int, filters: "Filters") -> list[tuple[str, dict]]:
        where = filters.where()
        if where is not None:
            found = self.passages.nearest(vec, n, filters.documents(self.index.store.registry, undated=False))
            if found is not None:
                return [(cid, meta) for cid, _, meta in found]
        return [(c.chunk_id, meta) for c, _, meta in store.query(vec, n, where)]

    def retrieve(self, query: str, n: int, filters: "Filters", as_of: str | None = None,
                 about: tuple[str | None, str | None] | None = None, per_doc: int | None = None) -> list[ScoredPassage]:
        """The top passages, best first, `n` or more (at most 50 unless `n` is larger); `per_doc`:
        at most that many of one article (its best), so that the list reaches past the first
        few articles when every passage of an article shares its article's score."""
        c = self.candidates(query, filters, as_of, about)
        if not c.chunk_ids:
            return []
        w = self.weights
        s = c.scores(w)
        order, taken = [], {}
        for i in c.ranked_passages(w):
            d = c.doc_ids[i]
            if per_doc is None or taken.get(d, 0) < per_doc:
                taken[d] = taken.get(d, 0) + 1
                order.append(i)
                if len(order) == max(n, 50):
                    break
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


__all__ = ["ArticleFirst", "ArticleWeights", "Candidates", "query_vector", "query_vectors", "recency_prior"]
