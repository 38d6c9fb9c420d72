"""Build components from Settings. Models are cached per process: loaded once, lazily."""

from __future__ import annotations

import threading

from index import ChromaStore, NewsIndex, Retriever, SentenceChunker, SentenceTransformerEmbedder
from index.article_retrieval import ArticleWeights
from index.static_embedder import DEFAULT_PASSAGE_MODEL

from .settings import Settings

_embedders: dict[str, SentenceTransformerEmbedder] = {}
_lock = threading.Lock()


def get_embedder(spec: str, threads: int | None = None) -> SentenceTransformerEmbedder:
    """One embedder per model spec per process (the model itself loads on first use).
    `threads`: torch's intra-op threads, set when a sentence-transformers model loads."""
    with _lock:
        if spec not in _embedders:
            from index.embedders import make_embedder

            _embedders[spec] = make_embedder(spec, threads)
        emb = _embedders[spec]
        if threads is not None and getattr(emb, "threads", threads) is None and hasattr(emb, "use_threads"):
            emb.use_threads(threads)  # made first by a caller that gave no threads
        return emb


def _spec(settings: Settings, value: str, default: str | None) -> str | None:
    s = settings.index
    spec = default if value == "auto" else value
    return None if spec in (None, "same", s.embed_model) else spec


def passage_spec(settings: Settings) -> str | None:
    """The passage model a new index of `settings` gets (None: `embed_model`'s vectors)."""
    return _spec(settings, settings.index.passage_embed_model, DEFAULT_PASSAGE_MODEL)


def article_spec(settings: Settings) -> str | None:
    """The article model a new index of `settings` gets (None: `embed_model`'s vectors)."""
    return _spec(settings, settings.index.article_embed_model, None)


def passage_embedder_for(settings: Settings):
    """The passage embedder of a new index of `settings` (None: passages use `embed_model`)."""
    spec = passage_spec(settings)
    return get_embedder(spec) if spec else None


def article_embedder_for(settings: Settings):
    """The article embedder of a new index of `settings` (None: articles use `embed_model`)."""
    spec = article_spec(settings)
    return get_embedder(spec) if spec else None


def store_models(settings: Settings) -> dict[str, str | None]:
    """ChromaStore's `passage_model` and `article_model` arguments from `settings` (None:
    `embed_model`'s; "auto": the store reads what an existing index was built with)."""
    s = settings.index
    return {key: None if value in ("same", s.embed_model) else value
            for key, value in (("passage_model", s.passage_embed_model), ("article_model", s.article_embed_model))}


def build_index(settings: Settings) -> NewsIndex:
    s = settings.index
    store = ChromaStore(settings.data_dir, chroma_url=settings.chroma_url, collection=settings.collection,
                        embed_model=s.embed_model, **store_models(settings))
    chunker = SentenceChunker(s.chunk_sentences, s.chunk_overlap, s.chunk_max_chars)
    passages = None if store.passage_model == s.embed_model else get_embedder(store.passage_model)
    articles = None if store.article_model == s.embed_model else get_embedder(store.article_model)
    return NewsIndex(store, get_embedder(s.embed_model, s.torch_threads), chunker, passage_embedder=passages,
                     article_embedder=articles)


def build_reranker(r):
    """The second stage of `r` (RetrievalSettings): the ONNX cross-encoder, or an embedding
    re-scorer of index.rerank (its model from `get_embedder`)."""
    if r.rerank_method == "cross-encoder":
        from index.cross_encoder import CrossEncoderReranker

        return CrossEncoderReranker(depth=r.rerank_depth, weight=r.rerank_weight, max_length=r.rerank_max_length)
    from index.rerank import RERANKERS

    if r.rerank_method not in RERANKERS:
        raise ValueError(f"unknown retrieval.rerank_method {r.rerank_method!r}; "
                         f"choose one of cross-encoder, {', '.join(RERANKERS)}")
    return RERANKERS[r.rerank_method](get_embedder(r.rerank_model), depth=r.rerank_depth, weight=r.rerank_weight)


def build_retriever(settings: Settings, index: NewsIndex, query_embedder=None) -> Retriever:
    """The retriever of `settings.retrieval`; `query_embedder` as in `Retriever`."""
    r = settings.retrieval
    reranker = build_reranker(r) if r.rerank else None
    return Retriever(
        index, candidates=r.candidates, rrf_k=r.rrf_k, dense_weight=r.dense_weight,
        bm25_weight=r.bm25_weight, max_per_doc=r.max_per_doc, fusion=r.fusion, reranker=reranker,
        query_embedder=query_embedder,
        collapse_copies=r.collapse_copies,
        article_weights=ArticleWeights(article=r.article_weight, passage=r.passage_weight, bm25=r.article_bm25_weight,
                                       recency=r.recency_weight, recency_days=r.recency_days,
                                       recency_flat=r.recency_flat_days, recency_no_as_of=r.recency_weight_no_as_of,
                                       recency_undated=r.recency_undated, candidates=r.candidates,
                                       articles=r.articles_read, bm25_slope=r.article_bm25_slope,
                                       bm25_center=r.article_bm25_center),
    )


def sentence_reranker(settings: Settings):
    """Quote mode's cross-encoder second stage over sentences (settings.scoring.rerank_depth),
    or None when it is off. The model loads on first use, once per process."""
    depth = settings.scoring.rerank_depth
    if not depth:
        return None
    from index.cross_encoder import shared_cross_encoder

    from .answer.sentence_rerank import SentenceReranker

    return SentenceReranker(shared_cross_encoder(settings.retrieval.rerank_max_length), depth)
