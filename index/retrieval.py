"""Dense, BM25, hybrid (fused, diversified) and article-first (index.article_retrieval)
retrieval with filters."""

from __future__ import annotations


from .article_retrieval import ArticleFirst, ArticleWeights, query_vector
from .filters import Filters
from .news_index import NewsIndex
from .syndication import CopyCollapser
from .types import Chunk, ScoredPassage

MODES = ("dense", "bm25", "hybrid", "articles")
FUSIONS = ("rrf", "convex")


def rrf(rankings: list[list[str]], k: int = 60, weights: list[float] | None = None) -> dict[str, float]:
    """Reciprocal rank fusion: sum of weight / (k + rank) over the rankings (rank from 1)."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[str, float] = {}
    for ranking, w in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + w / (k + rank)
    return fused


def convex(scores: list[dict[str, float]], weights: list[float] | None = None) -> dict[str, float]:
    """Score fusion: each list's scores min-max normalised to [0, 1] (an item a list did not
    return gets 0 from it), then the weighted sum."""
    weights = weights or [1.0] * len(scores)
    fused: dict[str, float] = {}
    for part, w in zip(scores, weights):
        if not part:
            continue
        lo, hi = min(part.values()), max(part.values())
        span = (hi - lo) or 1.0
        for item, s in part.items():
            fused[item] = fused.get(item, 0.0) + w * (s - lo) / span
    for part in scores:
        for item in part:
            fused.setdefault(item, 0.0)
    return fused


def diversify(passages: list[ScoredPassage], k: int, max_per_doc: int) -> list[ScoredPassage]:
    """Keep score order but let no document take more than `max_per_doc` of the first
    slots; the overflow follows afterwards, so nothing is lost, only demoted."""
    if max_per_doc <= 0:
        return passages[:k]
    head, tail, per_doc = [], [], {}
    for p in passages:
        n = per_doc.get(p.doc_id, 0)
        (head if n < max_per_doc else tail).append(p)
        per_doc[p.doc_id] = n + 1
    return (head + tail)[:k]


def _passage(chunk: Chunk, meta: dict, score: float, scores: dict) -> ScoredPassage:
    return ScoredPassage(
        chunk=chunk, score=score, title=meta.get("title"), outlet=meta.get("outlet"),
        published=meta.get("published"), scores=scores,
    )


class Retriever:
    """First-stage retrieval over a NewsIndex."""

    def __init__(self, index: NewsIndex, *, candidates: int, rrf_k: int, dense_weight: float,
                 bm25_weight: float, max_per_doc: int, fusion: str, collapse_copies: bool,
                 reranker=None, query_embedder=None, article_weights: ArticleWeights | None = None):
        """The tuned values have no defaults here: they come from settings (qa.settings.
        RetrievalSettings, through qa.components.build_retriever). `query_embedder`: embeds
        queries for dense search (default: the index's embedder; a caller may pass a memo of
        it, so the index itself is never modified). `article_weights`: the scoring of mode
        "articles" (required for that mode)."""
        if candidates < 1:
            raise ValueError(f"candidates must be >= 1, got {candidates}")
        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {fusion!r}; choose one of {', '.join(FUSIONS)}")
        self.index = index
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.weights = [dense_weight, bm25_weight]
        self.max_per_doc = max_per_doc
        self.fusion = fusion
        self.reranker = reranker  # optional second stage: .rerank(query, passages) -> passages
        self.query_embedder = query_embedder
        # one story, one source: syndicated copies stand in for their earliest copy, or (when
        # collapse_copies is off) are at least marked as copies of it (index.syndication)
        self.copies = CopyCollapser(index, replace=collapse_copies)
        self.articles = ArticleFirst(index, article_weights or ArticleWeights(), query_embedder)

    def warm(self) -> None:
        """Read now what retrieval otherwise reads in the background from the second question
        on (the passage vectors of mode "articles", index.passage_matrix)."""
        self.articles.passages.wait()

    def _collapse(self, passages: list[ScoredPassage], filters: Filters) -> list[ScoredPassage]:
        return self.copies.collapse(passages, filters)

    def dense(self, query: str, n: int, filters: Filters = Filters()) -> list[ScoredPassage]:
        vec = query_vector(self.index, query, getattr(self.index, "passage_embedder", None), self.query_embedder)
        hits = self.index.store.query(vec, n, filters.where())
        if filters.undated and filters.dated:  # Chroma cannot match a missing key: ask again for the undated
            extra = [h for h in self.index.store.query(vec, n, filters.without_dates().where())
                     if not h[2].get("published")]
            hits = sorted(hits + extra, key=lambda h: -h[1])[:n]
        return [
            _passage(c, m, sim, {"dense": sim}) for c, sim, m in hits if self.index.is_visible(m)
        ]

    def bm25(self, query: str, n: int, filters: Filters = Filters()) -> list[ScoredPassage]:
        allowed = None
        if not filters.empty:  # selected inside the registry (SQL), like Chroma's `where` for dense
            allowed = filters.documents(self.index.store.registry)
        hits = self.index.bm25().search(query, n, allowed_docs=allowed)
        found = self.index.store.get_chunks([cid for cid, _ in hits])
        out = []
        for cid, score in hits:
            if cid in found and self.index.is_visible(found[cid][1]):
                chunk, meta = found[cid]
                out.append(_passage(chunk, meta, score, {"bm25": score}))
        return out

    def hybrid(self, query: str, n: int, filters: Filters = Filters()) -> list[ScoredPassage]:
        pool = max(n, self.candidates)
        dense = self.dense(query, pool, filters)
        sparse = self.bm25(query, pool, filters)
        if self.fusion == "convex":
            fused = convex([{p.chunk.chunk_id: p.score for p in dense}, {p.chunk.chunk_id: p.score for p in sparse}],
                           self.weights)
        else:
            fused = rrf([[p.chunk.chunk_id for p in dense], [p.chunk.chunk_id for p in sparse]],
                        self.rrf_k, self.weights)
        by_id: dict[str, ScoredPassage] = {}
        for p in dense + sparse:
            if p.chunk.chunk_id in by_id:
                by_id[p.chunk.chunk_id].scores.update(p.scores)
            else:
                by_id[p.chunk.chunk_id] = p
        ranked = sorted(by_id.values(), key=lambda p: (-fused[p.chunk.chunk_id], p.chunk.chunk_id))
        for p in ranked:
            p.score = fused[p.chunk.chunk_id]
            p.scores[self.fusion] = p.score
        ranked = self._collapse(ranked, filters)
        if self.reranker is not None:
            ranked = self.reranker.rerank(query, ranked)
        return diversify(ranked, n, self.max_per_doc)

    def by_articles(self, query: str, n: int, filters: Filters = Filters(), as_of: str | None = None,
                    about: tuple[str | None, str | None] | None = None) -> list[ScoredPassage]:
        ranked = self._collapse(self.articles.retrieve(query, n, filters, as_of, about, self.max_per_doc), filters)
        if self.reranker is not None:
            ranked = self.reranker.rerank(query, ranked)
        return diversify(ranked, n, self.max_per_doc)

    def retrieve(self, query: str, k: int = 10, mode: str = "hybrid", filters: Filters = Filters(), *,
                 as_of: str | None = None, about: tuple[str | None, str | None] | None = None) -> list[ScoredPassage]:
        """`as_of` (YYYY-MM-DD, the day asked) and `about` (the date range the question names)
        shape the recency prior of mode "articles"; the other modes ignore them."""
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}; choose one of {', '.join(MODES)}")
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        if not query or not query.strip():
            raise ValueError("the question is empty; type a question")
        if mode == "articles":
            return self.by_articles(query, k, filters, as_of, about)
        if mode == "hybrid":
            return self.hybrid(query, k, filters)  # collapses copies before diversifying
        found = getattr(self, mode)(query, max(k, self.candidates) if self.copies.replace and self.copies.active() else k, filters)
        return self._collapse(found, filters)[:k]
