"""`NewsIndex`: the Chroma store with its SQLite registry (documents, BM25 terms, duplicate
clusters), the embedder and the chunker."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from corpus import Document

from .articles import article_text
from .bm25_sqlite import SqliteBM25
from .chunking import SentenceChunker
from .duplicates import DuplicateDetector
from .embedders import Embedder
from .store import ChromaStore, DocRecord
from .types import Chunk


def embed_unique(embedder: Embedder, texts: list[str]):
    """`embedder.embed_documents(texts)`, each distinct text embedded once (syndicated copies
    repeat whole passages and leads): the same vectors, one per text, in order."""
    unique = list(dict.fromkeys(texts))
    if len(unique) == len(texts):
        return embedder.embed_documents(texts)
    vectors = embedder.embed_documents(unique)
    at = {t: i for i, t in enumerate(unique)}
    return vectors[[at[t] for t in texts]]


class NewsIndex:
    def __init__(
        self, store: ChromaStore, embedder: Embedder, chunker: SentenceChunker | None = None,
        *, registry_ttl_s: float = 1.0, duplicates: DuplicateDetector | None = None,
        passage_embedder: Embedder | None = None, article_embedder: Embedder | None = None,
    ):
        self.store = store
        self.embedder = embedder  # in qa: sentences and their question vector
        # passage vectors (index.static_embedder by default, qa.components.build_index)
        self.passage_embedder = passage_embedder or embedder
        # article vectors, title and lead (index.article_embed_model, qa.components.build_index)
        self.article_embedder = article_embedder or embedder
        self.chunker = chunker or SentenceChunker()
        self.registry_ttl_s = registry_ttl_s
        self.dedup = duplicates or DuplicateDetector()
        self._bm25: SqliteBM25 | None = None
        self._records: dict[str, DocRecord] | None = None
        self._records_at = 0.0
        self._records_version = None
        self._fp: tuple[object, str] | None = None  # (records snapshot, its fingerprint)
        self._lock = threading.RLock()
        self.write_lock = threading.Lock()  # one writer per process

    # -- committed documents --------------------------------------------------------------
    def records(self, fresh: bool = False) -> dict[str, DocRecord]:
        """Committed documents. Other processes may write: after `registry_ttl_s` the cache is
        checked against the registry's version (one PRAGMA) and reloaded only if it changed."""
        with self._lock:
            now = time.monotonic()
            if fresh or self._records is None or now - self._records_at > self.registry_ttl_s:
                version = self._registry_version()
                if fresh or self._records is None or version is None or version != self._records_version:
                    self._records = self.store.doc_records()
                    self._records_version = version
                self._records_at = now
            return self._records

    def _registry_version(self):
        version = getattr(getattr(self.store, "registry", None), "version", None)
        return version() if version else None

    def invalidate(self) -> None:
        with self._lock:
            self._records = None

    def is_visible(self, meta: dict) -> bool:
        """A chunk is visible only if its document is committed with the same content hash."""
        rec = self.records().get(meta.get("doc_id"))
        return rec is not None and rec.content_hash == meta.get("doc_hash")

    def get_document(self, doc_id: str) -> Document | None:
        return self.store.get_document(doc_id)

    # -- BM25: FTS5 in the registry, committed with the documents --------------------------
    def _fingerprint(self) -> str:
        """A hash of the committed documents, computed once per records snapshot."""
        import hashlib

        records = self.records()
        if self._fp is not None and self._fp[0] is records:
            return self._fp[1]
        h = hashlib.sha256()
        for r in sorted(records.values(), key=lambda r: r.doc_id):
            h.update(f"{r.doc_id}\0{r.content_hash}\0{r.n_chunks}\0{r.chunker}\n".encode())
        self._fp = (records, h.hexdigest())
        return self._fp[1]

    def fingerprint(self) -> str:
        """Changes whenever a document is committed or removed (any process)."""
        with self._lock:
            return self._fingerprint()

    def bm25(self) -> SqliteBM25:
        """BM25 over the committed documents' chunks. Its terms are written in the registry
        transaction that commits each document, so it never disagrees with the registry;
        the object is cached while the registry is unchanged (its vocabulary is loaded once)."""
        with self._lock:
            fp = self._fingerprint()
            if self._bm25 is None or self._bm25.fingerprint != fp:
                self._bm25 = SqliteBM25(self.store.registry, fp)
            return self._bm25

    def _bm25_after_write(self, doc_id: str, chunks: list[Chunk]) -> None:
        with self._lock:
            self.invalidate()
            self._bm25 = None

    def flush(self) -> None:
        """Nothing to persist: BM25 terms are committed with their documents."""

    @property
    def chunker_key(self) -> str:
        return getattr(self.chunker, "key", None) or repr(self.chunker)

    # -- writes -----------------------------------------------------------------------------
    def write(self, doc: Document) -> int:
        """Chunk, embed and store one document; returns the number of chunks."""
        return self.write_many([(doc, self.chunker.chunk(doc))])

    def write_many(self, items: list[tuple[Document, list[Chunk]]]) -> int:
        """Embed the chunks of several documents in one call, write them in one batch and
        commit them together; returns the number of chunks."""
        texts = [c.text for _, chunks in items for c in chunks]
        leads = [article_text(doc) for doc, _ in items]  # one article vector per document
        if self.passage_embedder is self.article_embedder:
            both = embed_unique(self.article_embedder, texts + leads)
            vectors, lead_vectors = both[: len(texts)], both[len(texts) :]
        else:
            vectors = embed_unique(self.passage_embedder, texts)
            lead_vectors = embed_unique(self.article_embedder, leads)
        parts, at = [], 0
        for doc, chunks in items:
            parts.append((doc, chunks, vectors[at : at + len(chunks)]))
            at += len(chunks)
        articles = {doc.doc_id: lead_vectors[i] for i, (doc, _) in enumerate(items)}
        signatures = {doc.doc_id: self.dedup.signature(doc.text) for doc, _ in items}
        self.store.write_documents(parts, chunker=self.chunker_key, signatures=signatures, articles=articles)
        for doc, chunks in items:
            self._bm25_after_write(doc.doc_id, chunks)
        return len(texts)

    def ensure_articles(self, batch: int = 256) -> int:
        """Embed the article vectors that committed documents lack (an index made before
        them); returns how many were added."""
        missing = self.store.missing_articles()
        for i in range(0, len(missing), batch):
            docs = [d for d in (self.store.get_document(x) for x in missing[i : i + batch]) if d is not None]
            if docs:
                vectors = embed_unique(self.article_embedder, [article_text(d) for d in docs])
                self.store.add_articles(list(zip(docs, vectors)))
        return len(missing)

    def newest_published(self) -> str | None:
        """The latest publication date among committed documents (None: none is dated)."""
        return max((r.published for r in self.records().values() if r.published), default=None)

    def remove(self, doc_id: str) -> bool:
        existed = self.store.delete_document(doc_id)
        self._bm25_after_write(doc_id, [])
        self.flush()
        if existed:
            self.update_duplicates()
        return existed

    # -- syndicated copies ------------------------------------------------------------------
    def update_duplicates(self) -> int:
        """Recompute near-duplicate clusters over all documents and store the changes;
        returns the number of documents whose cluster changed."""
        registry = self.store.registry
        records = registry.records()
        order = {d: (r.published or "9999-99-99", d) for d, r in records.items()}
        clusters = self.dedup.clusters(registry.signatures(), order)
        changed = {
            d: clusters.get(d, (None, 1)) for d, r in records.items()
            if (r.dup_of, r.dup_count) != clusters.get(d, (None, 1))
        }
        if changed:
            registry.set_duplicates(changed)
            self.invalidate()
        return len(changed)

    def duplicates(self, doc_id: str) -> list[DocRecord]:
        """The other copies of `doc_id` (a syndicated article), earliest first: cite the
        earliest once and say it was also published by the others' outlets."""
        return self.store.registry.duplicates(doc_id)
