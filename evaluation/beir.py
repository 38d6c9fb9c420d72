"""BEIR retrieval evaluation through the product's own index and retriever.

A BEIR folder holds `corpus.jsonl` ({"_id", "title", "text"}), `queries.jsonl` ({"_id",
"text"}), `qrels/<split>.tsv` (query-id, corpus-id, score; header line) and, optionally,
`splits.tsv` (query-id, beir_split, suggested_split) that halves the test queries into
dev/test for tuning. Each BEIR document becomes a `Document` whose text is the title line
followed by the text; it is chunked by the project's chunker, indexed in its OWN Chroma
collection and data directory (cached on disk, keyed by model, chunker and corpus), and
chunk rankings are max-pooled per document id (a document ranks where its best chunk does).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from corpus import Document
from index import ChromaStore, NewsIndex, ScoredPassage, SentenceChunker
from index.rerank import CachedEmbedder, EmbeddingCache

from .ir_metrics import mrr_at_k, ndcg_at_k, recall_at_k

SUBSETS = ("all", "dev", "test")
# Chunker for BEIR: one chunk per document (an abstract is short), the MTEB protocol (the
# model truncates at its window). Measured on SciFact dev, BM25 nDCG@10: whole documents
# 0.692, chunks (4 sentences, overlap 1, 800 chars) 0.685, (8, 0, 1000) 0.668; and 5,183
# texts to embed instead of 17,779. Pass other values to chunk long documents.
BEIR_CHUNKER = (100_000, 0, 1_000_000_000)
REPO = Path(__file__).resolve().parents[1]  # evaluation/beir.py -> the repository


def bench_dir() -> Path:
    """$QA_BENCH_DIR, else REPO/../shared/bench."""
    return Path(os.environ.get("QA_BENCH_DIR") or REPO.parent / "shared" / "bench")


def cache_root() -> Path:
    """$QA_CACHE_DIR, else $XDG_CACHE_HOME/news-qa, else ~/.cache/news-qa (never the repo)."""
    if os.environ.get("QA_CACHE_DIR"):
        return Path(os.environ["QA_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "news-qa"


def hash_split(qid: str, dataset: str = "beir-scifact") -> str:
    """The README's suggested half: 'dev' or 'test', from sha256(dataset:qid)."""
    h = int(hashlib.sha256(f"{dataset}:{qid}".encode()).hexdigest()[:8], 16)
    return "dev" if h % 100 < 50 else "test"


@dataclass
class BeirSet:
    name: str
    docs: list[Document]
    queries: dict[str, str]  # query id -> text, only queries that have judgements
    qrels: dict[str, dict[str, float]]  # query id -> {doc id: grade}
    split: str = "test"
    subset: str = "all"


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def read_qrels(path: Path) -> dict[str, dict[str, float]]:
    qrels: dict[str, dict[str, float]] = {}
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    for i, row in enumerate(rows):
        if not row or (i == 0 and not row[-1].strip().lstrip("-").isdigit()):
            continue  # blank line or the header
        if len(row) < 3:
            raise ValueError(f"{path}:{i + 1}: expected query-id<TAB>corpus-id<TAB>score, got {row!r}")
        qrels.setdefault(row[0], {})[row[1]] = float(row[2])
    return qrels


def beir_document(row: dict) -> Document:
    title = (row.get("title") or "").strip()
    body = (row.get("text") or "").strip()
    text = f"{title}\n{body}" if title and body else (title or body)
    return Document(doc_id=str(row["_id"]), title=title or None, outlet=None, published=None, text=text)


def load_beir(folder: Path | str, split: str = "test", subset: str = "all") -> BeirSet:
    """Load a BEIR folder; `subset` 'dev'/'test' keeps that half of the split's queries
    (from splits.tsv when present, else the sha256 rule); 'all' keeps every query."""
    folder = Path(folder)
    if subset not in SUBSETS:
        raise ValueError(f"unknown subset {subset!r}; choose one of {', '.join(SUBSETS)}")
    for name in ("corpus.jsonl", "queries.jsonl", f"qrels/{split}.tsv"):
        if not (folder / name).is_file():
            raise FileNotFoundError(
                f"{folder / name} is missing: point --beir-dir (or QA_BENCH_DIR) at a BEIR folder "
                "with corpus.jsonl, queries.jsonl and qrels/<split>.tsv"
            )
    docs = [beir_document(r) for r in _read_jsonl(folder / "corpus.jsonl")]
    qrels = read_qrels(folder / "qrels" / f"{split}.tsv")
    queries = {str(r["_id"]): r["text"] for r in _read_jsonl(folder / "queries.jsonl")}
    if subset != "all":
        halves: dict[str, str] = {}
        split_file = folder / "splits.tsv"
        if split_file.is_file():
            with open(split_file, encoding="utf-8") as fh:
                for row in csv.DictReader(fh, delimiter="\t"):
                    halves[row["query-id"]] = row["suggested_split"]
        qrels = {q: r for q, r in qrels.items() if (halves.get(q) or hash_split(q, folder.name)) == subset}
    missing = [q for q in qrels if q not in queries]
    if missing:
        raise ValueError(f"qrels name {len(missing)} queries absent from queries.jsonl (e.g. {missing[0]!r})")
    return BeirSet(folder.name, docs, {q: queries[q] for q in qrels}, qrels, split, subset)


# -- the index ---------------------------------------------------------------------------
def index_key(docs: list[Document], model: str, chunker: SentenceChunker) -> str:
    h = hashlib.sha256(f"{model}\0{chunker.key}\n".encode())
    for d in docs:
        h.update(f"{d.doc_id}\0{d.content_hash}\n".encode())
    return h.hexdigest()[:16]


def _embed_slice(model: str, texts: list[str], cache_path: str) -> int:
    """Worker for `warm_cache`: one thread per process, vectors straight into the cache."""
    import torch

    from index import SentenceTransformerEmbedder

    torch.set_num_threads(1)
    CachedEmbedder(SentenceTransformerEmbedder(model), EmbeddingCache(cache_path), block=64).embed_documents(texts)
    return len(texts)


def embedding_cache(model: str, root: Path | None = None) -> EmbeddingCache:
    return EmbeddingCache(Path(root or cache_root()) / "embeddings" / f"{Path(model).name}.sqlite")


def warm_cache(beir: BeirSet, model: str, chunker: SentenceChunker, *, workers: int = 2,
               root: Path | None = None, progress: Callable[[str], None] | None = None) -> int:
    """Embed the corpus chunks missing from the cache with `workers` processes; returns how many."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    cache = embedding_cache(model, root)
    texts = list(dict.fromkeys(c.text for d in beir.docs for c in chunker.chunk(d)))
    missing = [t for t in texts if t not in cache.get_many(texts)]
    if progress:
        progress(f"{len(missing)} of {len(texts)} chunks to embed with {workers} processes")
    if missing:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            list(pool.map(_embed_slice, [model] * workers, [missing[i::workers] for i in range(workers)],
                          [str(cache.path)] * workers))
    return len(missing)


def open_beir_index(
    beir: BeirSet, embedder, chunker: SentenceChunker | None = None, *, root: Path | None = None,
    progress: Callable[[str], None] | None = None, passage_embedder=None, article_embedder=None,
) -> NewsIndex:
    """The BEIR corpus indexed with `embedder` (its passages with `passage_embedder`, when
    given: index.static_embedder; its article vectors with `article_embedder`, when given);
    built once, then reopened from disk."""
    from index import ingest_documents

    chunker = chunker or SentenceChunker(*BEIR_CHUNKER)
    name = getattr(embedder, "name", "embedder")
    root = Path(root or cache_root())
    pname = getattr(passage_embedder, "name", None) if passage_embedder is not None else None
    aname = getattr(article_embedder, "name", None) if article_embedder is not None else None
    name_key = (f"{name}+{pname}" if pname else name) + (f"+articles:{aname}" if aname else "")
    data_dir = root / "beir" / f"{beir.name}-{Path(name_key).name}-{index_key(beir.docs, name_key, chunker)}"
    done = data_dir / "complete.json"
    cache = embedding_cache(name, root)
    say = progress or (lambda msg: None)
    cached = CachedEmbedder(embedder, cache, progress=lambda i, n: say(f"embedded {i}/{n} chunks"))
    store = ChromaStore(data_dir, collection="beir", embed_model=name, passage_model=pname, article_model=aname)
    index = NewsIndex(store, cached, chunker, registry_ttl_s=3600.0, passage_embedder=passage_embedder,
                      article_embedder=article_embedder)
    if done.is_file():
        index.ensure_articles()  # an index cached before article vectors gets them once
        return index
    texts = [c.text for d in beir.docs for c in chunker.chunk(d)]
    say(f"{len(beir.docs)} documents, {len(texts)} chunks; embedding what is not cached")
    if passage_embedder is None:
        cached.embed_documents(texts)  # fills the cache in blocks; the writes below only read it
    t0 = time.time()
    report = ingest_documents(index, beir.docs)
    index.invalidate()
    index.bm25()
    say(f"indexed {len(report.added) + len(report.updated)} documents in {time.time() - t0:.0f}s")
    done.write_text(json.dumps({"docs": len(beir.docs), "chunks": len(texts), "model": name}))
    return index


# -- evaluation ----------------------------------------------------------------------------
def doc_ranking(passages: list[ScoredPassage]) -> list[str]:
    """Max-pool chunks to documents: each document at the rank of its best chunk."""
    return list(dict.fromkeys(p.doc_id for p in passages))


@dataclass
class VariantResult:
    name: str
    ndcg10: float
    mrr10: float
    recall100: float
    n_queries: int
    seconds: float
    per_query: dict[str, float] = field(default_factory=dict, repr=False)  # nDCG@10

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "per_query"}


@dataclass
class BeirResult:
    dataset: str
    split: str
    subset: str
    n_queries: int
    variants: list[VariantResult]

    def to_json(self) -> dict:
        return {
            "dataset": self.dataset, "split": self.split, "subset": self.subset,
            "n_queries": self.n_queries, "variants": [v.to_json() for v in self.variants],
        }


def score_rankings(name: str, rankings: dict[str, list[str]], qrels: dict[str, dict[str, float]],
                   seconds: float = 0.0) -> VariantResult:
    """Mean nDCG@10, MRR@10 and Recall@100 over the judged queries (a query with no
    ranking counts as 0)."""
    per = {q: ndcg_at_k(rankings.get(q, []), rel, 10) for q, rel in qrels.items()}
    n = len(qrels) or 1
    return VariantResult(
        name=name,
        ndcg10=sum(per.values()) / n,
        mrr10=sum(mrr_at_k(rankings.get(q, []), rel, 10) for q, rel in qrels.items()) / n,
        recall100=sum(recall_at_k(rankings.get(q, []), rel, 100) for q, rel in qrels.items()) / n,
        n_queries=len(qrels), seconds=seconds, per_query=per,
    )


def run_variant(name: str, search: Callable[[str], list[ScoredPassage]], beir: BeirSet) -> VariantResult:
    t0 = time.time()
    rankings = {qid: doc_ranking(search(text)) for qid, text in beir.queries.items()}
    return score_rankings(name, rankings, beir.qrels, time.time() - t0)


def evaluate(beir: BeirSet, variants: dict[str, Callable[[str], list[ScoredPassage]]]) -> BeirResult:
    """Run each named search function over the queries and score it."""
    return BeirResult(
        beir.name, beir.split, beir.subset, len(beir.queries),
        [run_variant(name, fn, beir) for name, fn in variants.items()],
    )


VARIANTS = ("dense", "bm25", "hybrid-rrf", "pipeline", "rerank")


def build_variants(index: NewsIndex, names: list[str] | tuple[str, ...] = VARIANTS, *, depth: int = 250,
                   settings=None, rerank_model: str | None = None, rerank_embedder=None,
                   root: Path | None = None) -> dict[str, Callable[[str], list[ScoredPassage]]]:
    """Search functions over `index`, `depth` chunks each:
    dense / bm25: one retriever alone; hybrid-rrf: the foundation's fusion (RRF k=60, equal
    weights); pipeline: exactly what `qa.components.build_retriever(settings)` builds (the
    product's defaults unless `settings` says otherwise); rerank: the pipeline with its
    second stage switched on (passage/sentence vectors cached on disk, so re-runs embed
    nothing twice)."""

    from index.rerank import RERANKERS
    from qa.components import build_reranker, build_retriever, get_embedder
    from qa.settings import Settings

    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")
    settings = settings or Settings()
    # dense, bm25 and hybrid-rrf: reciprocal-rank fusion with equal weights, the variant's definition
    plain = build_retriever(settings.with_overrides({"retrieval.fusion": "rrf", "retrieval.dense_weight": 1.0,
                                                     "retrieval.bm25_weight": 1.0}), index)
    out: dict[str, Callable[[str], list[ScoredPassage]]] = {}
    for name in names:
        if name in ("dense", "bm25"):
            out[name] = lambda q, m=name: plain.retrieve(q, depth, m)
        elif name == "hybrid-rrf":
            out[name] = lambda q: plain.retrieve(q, depth, "hybrid")
        elif name == "pipeline":
            pipeline = build_retriever(settings, index)
            out[name] = lambda q, r=pipeline: r.retrieve(q, depth, settings.retrieval.mode)
        else:
            r = settings.retrieval
            full = build_retriever(settings.with_overrides({"retrieval.rerank": False}), index)
            if r.rerank_method == "cross-encoder":
                full.reranker = build_reranker(r)
            else:
                model = rerank_model or r.rerank_model
                embedder = rerank_embedder or get_embedder(model)
                name_ = Path(getattr(embedder, "name", model)).name
                full.reranker = RERANKERS[r.rerank_method](embedder, depth=r.rerank_depth, weight=r.rerank_weight,
                                                           cache=embedding_cache(name_, root))
            out[name] = lambda q, f=full: f.retrieve(q, depth, "hybrid")
    return out


# -- lexical first stage (no vector store) -------------------------------------------------------
class LexicalFirstStage:
    """BM25 (the project's `BM25Index`) over the chunked corpus, without embedding it: for
    corpora too large to embed on the machine at hand. Passages carry their document title,
    so a second stage (`index.rerank.EmbeddingReranker`) can re-score the top of the list,
    embedding only those passages (cached on disk)."""

    def __init__(self, docs: list[Document], chunker: SentenceChunker | None = None, *,
                 k1: float = 1.2, b: float = 0.75):
        from index import BM25Index

        chunker = chunker or SentenceChunker(*BEIR_CHUNKER)
        self.titles = {d.doc_id: d.title for d in docs}
        self.chunks = {c.chunk_id: c for d in docs for c in chunker.chunk(d)}
        self.bm25 = BM25Index(k1, b)
        for c in self.chunks.values():
            self.bm25.add(c.chunk_id, c.doc_id, c.text)

    def search(self, query: str, n: int) -> list[ScoredPassage]:
        return [
            ScoredPassage(self.chunks[cid], s, title=self.titles.get(self.chunks[cid].doc_id), scores={"bm25": s})
            for cid, s in self.bm25.search(query, n)
        ]


def lexical_variants(docs: list[Document], chunker: SentenceChunker | None = None, *, depth: int = 250,
                     rerank_embedder=None, rerank_depth: int = 10, rerank_weight: float = 0.5,
                     root: Path | None = None) -> dict[str, Callable[[str], list[ScoredPassage]]]:
    """'bm25' alone, and 'bm25+dense' (its top `rerank_depth` re-scored by `rerank_embedder`,
    default all-MiniLM-L6-v2, fused with weight `rerank_weight`)."""
    from index.rerank import EmbeddingReranker
    from qa.components import get_embedder

    first = LexicalFirstStage(docs, chunker)
    embedder = rerank_embedder or get_embedder("minilm")
    name = Path(getattr(embedder, "name", "embedder")).name
    reranker = EmbeddingReranker(embedder, depth=rerank_depth, weight=rerank_weight,
                                 cache=embedding_cache(name, root))
    return {
        "bm25": lambda q: first.search(q, depth),
        f"bm25+{name}": lambda q: reranker.rerank(q, first.search(q, depth)),
    }
