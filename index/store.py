"""Chroma storage for chunks (vectors, text, offsets, metadata) beside a SQLite document
registry (registry.py). A document becomes visible only when its registry row is committed,
after its chunks: a crash mid-write leaves the document marked pending, and `repair()`
removes its chunks."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import numpy as np

from corpus import Document

from .registry import DocRecord, Registry, published_ord
from .static_embedder import DEFAULT_PASSAGE_MODEL
from .types import Chunk

BATCH = 1000  # reads and deletes per Chroma call
WRITE_BATCH = 5000  # chunks per Chroma add (below Chroma's max batch size)


class StoreError(RuntimeError):
    """The vector store could not be used; the message says what to do."""


class ChromaStore:
    def __init__(
        self, data_dir: Path | str = ".qa-data", *, chroma_url: str | None = None,
        collection: str = "news_qa", embed_model: str = "minilm", passage_model: str | None = None,
        article_model: str | None = None,
    ):
        self.data_dir = Path(data_dir)
        self.chroma_url = chroma_url
        self.name = collection
        self.embed_model = embed_model  # sentences' and questions' (qa), recorded for status
        self.passage_model = passage_model or embed_model  # the passage vectors' ("auto": below)
        self.article_model = article_model or embed_model  # the article vectors' ("auto": below)
        self.location = chroma_url or str(self.data_dir / "chroma")
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        try:
            if chroma_url:
                from urllib.parse import urlparse

                u = urlparse(chroma_url)
                if u.scheme not in ("http", "https") or not u.hostname:
                    raise StoreError(f"bad Chroma URL {chroma_url!r}: expected http://HOST:PORT")
                self.client = chromadb.HttpClient(
                    host=u.hostname, port=u.port or (443 if u.scheme == "https" else 8000),
                    ssl=u.scheme == "https", settings=chroma_settings,
                )
            else:
                self.data_dir.mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(path=str(self.data_dir / "chroma"), settings=chroma_settings)
            if self.passage_model == "auto":  # what this index was built with; a new one: the default
                self.passage_model = self._built_with(f"{collection}_chunks") or DEFAULT_PASSAGE_MODEL
            if self.article_model == "auto":  # what this index was built with; a new one: embed_model
                self.article_model = self._built_with(f"{collection}_articles") or embed_model
            self.chunks = self.client.get_or_create_collection(
                f"{collection}_chunks", embedding_function=None,
                metadata={"hnsw:space": "cosine", "embed_model": self.passage_model},
            )
            # one vector per document (title + lead, index.articles), written with its chunks
            self.articles = self.client.get_or_create_collection(
                f"{collection}_articles", embedding_function=None,
                metadata={"hnsw:space": "cosine", "embed_model": self.article_model},
            )
        except StoreError:
            raise
        except Exception as exc:  # chromadb raises many kinds; name the place and the fix
            raise self._unavailable(exc) from exc
        # Beside the data dir also in server mode: the registry is this client's, local and
        # transactional; the chunks may live on the server.
        self.registry = Registry(self.data_dir / f"registry-{collection}.sqlite3")
        for what, coll, want, key in (("passages", self.chunks, self.passage_model, "index.passage_embed_model"),
                                      ("articles", self.articles, self.article_model, "index.article_embed_model")):
            built_with = (coll.metadata or {}).get("embed_model")
            if built_with and built_with != want:
                raise StoreError(
                    f"the index at {self.location} embedded its {what} with {built_with!r}, not {want!r}: "
                    f"set {key} = {built_with!r} (or \"auto\"), or ingest into another --data-dir"
                )
        self._migrate_legacy_registry()

    def _built_with(self, name: str) -> str | None:
        """The embedding model an existing collection was made with (None: there is none)."""
        try:
            return (self.client.get_collection(name).metadata or {}).get("embed_model")
        except Exception:  # chromadb raises NotFoundError / ValueError by version: no such collection
            return None

    def _migrate_legacy_registry(self) -> int:
        """An index made before the SQLite registry kept its records in a second Chroma
        collection (`<name>_docs`): copy them (and their chunks' BM25 terms) into the
        registry once, then drop that collection, so nothing is re-embedded."""
        if self.registry.total_chunks() or self.registry.records():
            return 0
        names = {getattr(c, "name", c) for c in self._call(self.client.list_collections)}
        if f"{self.name}_docs" not in names:
            return 0
        legacy = self._call(self.client.get_collection, f"{self.name}_docs")
        from .bm25_sqlite import chunk_terms

        res = self._call(legacy.get, include=["metadatas", "documents"])
        items = []
        for doc_id, meta, text in zip(res["ids"], res["metadatas"], res["documents"]):
            rec = DocRecord.from_meta(meta)
            items.append((rec, Document(doc_id=doc_id, title=rec.title, outlet=rec.outlet,
                                        published=rec.published, text=text, url=rec.url, source=rec.source)))
        hashes = {rec.doc_id: rec.content_hash for rec, _ in items}
        terms = [(c.chunk_id, c.doc_id, chunk_terms(c.text)) for c, meta in self.iter_chunks()
                 if hashes.get(c.doc_id) == meta.get("doc_hash")]
        self.registry.commit(items, None, terms)
        self._call(self.client.delete_collection, f"{self.name}_docs")
        return len(items)

    def _unavailable(self, exc: Exception) -> StoreError:
        if self.chroma_url:
            return StoreError(
                f"cannot reach the Chroma server at {self.chroma_url} ({type(exc).__name__}: {exc}); "
                "start it (`chroma run --path DIR --port PORT`) or unset --chroma-url / QA_CHROMA_URL"
            )
        return StoreError(f"cannot open the Chroma store at {self.location} ({type(exc).__name__}: {exc})")

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StoreError:
            raise
        except Exception as exc:
            if self.chroma_url:
                raise self._unavailable(exc) from exc
            raise

    # -- document registry -------------------------------------------------------------
    def doc_records(self) -> dict[str, DocRecord]:
        return self.registry.records()

    def get_document(self, doc_id: str) -> Document | None:
        return self.registry.get_document(doc_id)

    # -- writes --------------------------------------------------------------------------
    def write_document(
        self, doc: Document, chunks: list[Chunk], embeddings: np.ndarray, *, chunker: str | None = None,
    ) -> DocRecord:
        """Replace a document's chunks and commit its record last."""
        return self.write_documents([(doc, chunks, embeddings)], chunker=chunker)[0]

    def write_documents(
        self, items: list[tuple[Document, list[Chunk], np.ndarray]], *, chunker: str | None = None,
        signatures: dict[str, bytes] | None = None, articles: dict[str, np.ndarray] | None = None,
    ) -> list[DocRecord]:
        """Replace several documents' chunks (in large Chroma batches) and their article
        vectors (`articles`: doc id -> vector), then commit all their records in one registry
        transaction."""
        for doc, chunks, embeddings in items:
            if len(chunks) != len(embeddings):
                raise ValueError(f"{len(chunks)} chunks but {len(embeddings)} embeddings")
        ids = [doc.doc_id for doc, _, _ in items]
        if not ids:
            return []
        self.registry.begin(ids)  # invisible from here until committed
        for i in range(0, len(ids), BATCH):
            self._call(self.chunks.delete, where={"doc_id": {"$in": ids[i : i + BATCH]}})
            self._call(self.articles.delete, ids=ids[i : i + BATCH])
        rows: list[tuple[str, np.ndarray, str, dict]] = []
        for doc, chunks, embeddings in items:
            base = {k: v for k, v in doc.metadata().items() if v is not None}
            if doc.published:
                base["published_ord"] = published_ord(doc.published)
            base["doc_hash"] = doc.content_hash
            rows.extend((c.chunk_id, e, c.text, {**base, "start": c.start, "end": c.end})
                        for c, e in zip(chunks, embeddings))
        for i in range(0, len(rows), WRITE_BATCH):
            part = rows[i : i + WRITE_BATCH]
            self._call(  # no `documents`: a chunk's text is its document's text[start:end] (_with_text)
                self.chunks.add, ids=[r[0] for r in part],
                embeddings=np.asarray([r[1] for r in part], dtype=np.float32), metadatas=[r[3] for r in part],
            )
        if articles:
            self.add_articles([(doc, articles[doc.doc_id]) for doc, _, _ in items if doc.doc_id in articles])
        now = time.time()
        records = [
            DocRecord(doc_id=doc.doc_id, content_hash=doc.content_hash, n_chunks=len(chunks), title=doc.title,
                      outlet=doc.outlet, published=doc.published, url=doc.url, source=doc.source,
                      ingested_at=now, chunker=chunker)
            for doc, chunks, _ in items
        ]
        from .bm25_sqlite import chunk_terms

        terms = [(c.chunk_id, doc.doc_id, chunk_terms(c.text)) for doc, chunks, _ in items for c in chunks]
        self._call(self.registry.commit, [(r, d) for r, (d, _, _) in zip(records, items)], signatures, terms)
        return records

    def add_articles(self, items: list[tuple[Document, np.ndarray]]) -> None:
        """Store (or replace) the article vectors of documents, with their metadata."""
        for i in range(0, len(items), WRITE_BATCH):
            part = items[i : i + WRITE_BATCH]
            metas = []
            for doc, _ in part:
                meta = {k: v for k, v in doc.metadata().items() if v is not None}
                if doc.published:
                    meta["published_ord"] = published_ord(doc.published)
                metas.append({**meta, "doc_hash": doc.content_hash})
            self._call(self.articles.upsert, ids=[d.doc_id for d, _ in part], metadatas=metas,
                       embeddings=np.asarray([v for _, v in part], dtype=np.float32))

    def delete_document(self, doc_id: str) -> bool:
        existed = self.registry.delete(doc_id)  # marked pending: a crash below is repaired
        self._call(self.chunks.delete, where={"doc_id": doc_id})
        self._call(self.articles.delete, ids=[doc_id])
        self.registry.clear_pending([doc_id])
        return existed

    def repair(self) -> int:
        """Delete chunks that belong to no committed document: those of documents a crash
        left pending and, when Chroma holds more chunks than the registry accounts for (chunks
        written behind its back, an older index), every stale chunk."""
        removed = 0
        pending = self.registry.pending()
        for i in range(0, len(pending), BATCH):
            part = pending[i : i + BATCH]
            ids = self._call(self.chunks.get, where={"doc_id": {"$in": part}}, include=[])["ids"]
            removed += self._delete_ids(ids)
            self._call(self.articles.delete, ids=part)
        self.registry.clear_pending(pending)
        if self.count_chunks() != self.registry.total_chunks():
            records = self.doc_records()
            stale = [
                cid for cid, meta in self.iter_chunk_meta()
                if (r := records.get(meta["doc_id"])) is None or r.content_hash != meta.get("doc_hash")
            ]
            removed += self._delete_ids(stale)
        if self._call(self.articles.count) > len(self.registry.records()):
            records = self.doc_records()
            stale = [aid for aid, meta in self.iter_article_meta()
                     if (r := records.get(aid)) is None or r.content_hash != meta.get("doc_hash")]
            for i in range(0, len(stale), BATCH):
                self._call(self.articles.delete, ids=stale[i : i + BATCH])
        return removed

    # -- article vectors -------------------------------------------------------------------
    def iter_article_meta(self) -> Iterator[tuple[str, dict]]:
        return self._iter_meta(self.articles)

    def count_articles(self) -> int:
        return self._call(self.articles.count)

    def missing_articles(self) -> list[str]:
        """Committed documents without an article vector of their current text (an index
        made before article vectors, or written by an older version)."""
        records = self.doc_records()
        have = {aid for aid, meta in self.iter_article_meta()
                if (r := records.get(aid)) is not None and r.content_hash == meta.get("doc_hash")}
        return sorted(set(records) - have)

    def query_articles(self, embedding: np.ndarray, n: int, where: dict | None = None) -> list[tuple[str, float, dict]]:
        """Nearest article vectors as (doc id, cosine similarity, metadata), best first."""
        total = self.count_articles()
        if total == 0 or n <= 0:
            return []
        res = self._call(self.articles.query, query_embeddings=[np.asarray(embedding, dtype=np.float32)],
                         n_results=min(n, total), where=where or None, include=["metadatas", "distances"])
        return [(aid, 1.0 - float(d), m) for aid, m, d in zip(res["ids"][0], res["metadatas"][0], res["distances"][0])]

    def article_vectors(self, doc_ids: list[str]) -> dict[str, tuple[np.ndarray, dict]]:
        if not doc_ids:
            return {}
        res = self._call(self.articles.get, ids=list(doc_ids), include=["embeddings", "metadatas"])
        return {aid: (np.asarray(e, dtype=np.float32), m) for aid, e, m in zip(res["ids"], res["embeddings"],
                                                                               res["metadatas"])}

    def iter_article_vectors(self) -> Iterator[tuple[list[str], np.ndarray, list[dict]]]:
        """Every article vector, a page at a time: (doc ids, vectors, metadatas)."""
        offset = 0
        while True:
            res = self._call(self.articles.get, include=["embeddings", "metadatas"], limit=BATCH, offset=offset)
            if not res["ids"]:
                return
            yield list(res["ids"]), np.asarray(res["embeddings"], dtype=np.float32), list(res["metadatas"])
            offset += len(res["ids"])

    def chunk_vectors(self, doc_ids: list[str]) -> list[tuple[str, np.ndarray, dict]]:
        """(chunk id, vector, metadata) of every chunk of the given documents."""
        out = []
        for i in range(0, len(doc_ids), BATCH):
            res = self._call(self.chunks.get, where={"doc_id": {"$in": list(doc_ids[i : i + BATCH])}},
                             include=["embeddings", "metadatas"])
            out.extend((cid, np.asarray(e, dtype=np.float32), m)
                       for cid, e, m in zip(res["ids"], res["embeddings"], res["metadatas"]))
        return out

    def iter_chunk_vectors(self, page: int = BATCH) -> Iterator[list[tuple[str, np.ndarray, dict]]]:
        """Every chunk as (chunk id, vector, metadata), a page at a time, in the order written."""
        offset = 0
        while True:
            res = self._call(self.chunks.get, include=["embeddings", "metadatas"], limit=page, offset=offset)
            if not res["ids"]:
                return
            yield [(cid, np.asarray(e, dtype=np.float32), m)
                   for cid, e, m in zip(res["ids"], res["embeddings"], res["metadatas"])]
            offset += len(res["ids"])

    def _delete_ids(self, ids: list[str]) -> int:
        for i in range(0, len(ids), BATCH):
            self._call(self.chunks.delete, ids=ids[i : i + BATCH])
        return len(ids)

    # -- reads ---------------------------------------------------------------------------
    def count_chunks(self, doc_id: str | None = None) -> int:
        if doc_id is None:
            return self._call(self.chunks.count)
        return len(self._call(self.chunks.get, where={"doc_id": doc_id}, include=[])["ids"])

    def _iter_meta(self, collection) -> Iterator[tuple[str, dict]]:
        offset = 0
        while True:
            res = self._call(collection.get, include=["metadatas"], limit=BATCH, offset=offset)
            if not res["ids"]:
                return
            yield from zip(res["ids"], res["metadatas"])
            offset += len(res["ids"])

    def iter_chunk_meta(self) -> Iterator[tuple[str, dict]]:
        return self._iter_meta(self.chunks)

    def _with_text(self, rows) -> list[tuple[Chunk, dict, tuple]]:
        """(chunk id, stored text or None, metadata, *rest) -> (Chunk, metadata, rest) per row.
        Chunks are written without their text (it would be stored and full-text indexed a
        second time inside Chroma): it is the committed document's text[start:end], exact by
        the chunk contract. A chunk whose document is not committed with its content hash
        (being written, or stale) has no text to show and is left out; it is invisible anyway.
        Indexes written with chunk texts in Chroma keep using them."""
        rows = list(rows)
        need = {m["doc_id"] for _, t, m, *_ in rows if t is None}
        texts = self.registry.texts(need) if need else {}
        out = []
        for cid, text, meta, *rest in rows:
            if text is None:
                h, doc_text = texts.get(meta["doc_id"], (None, None))
                if doc_text is None or h != meta.get("doc_hash"):
                    continue
                text = doc_text[meta["start"]:meta["end"]]
            out.append((Chunk(cid, meta["doc_id"], meta["start"], meta["end"], text), meta, tuple(rest)))
        return out

    def iter_chunks(self) -> Iterator[tuple[Chunk, dict]]:
        """Every chunk whose document is committed (see `_with_text`), with its metadata."""
        offset = 0
        while True:
            res = self._call(self.chunks.get, include=["metadatas", "documents"], limit=BATCH, offset=offset)
            if not res["ids"]:
                return
            for chunk, meta, _ in self._with_text(zip(res["ids"], res["documents"], res["metadatas"])):
                yield chunk, meta
            offset += len(res["ids"])

    def get_chunks(self, ids: list[str]) -> dict[str, tuple[Chunk, dict]]:
        if not ids:
            return {}
        res = self._call(self.chunks.get, ids=list(ids), include=["metadatas", "documents"])
        return {c.chunk_id: (c, m) for c, m, _ in self._with_text(zip(res["ids"], res["documents"], res["metadatas"]))}

    def query(self, embedding: np.ndarray, n: int, where: dict | None = None) -> list[tuple[Chunk, float, dict]]:
        """Nearest chunks as (chunk, cosine similarity, metadata), best first. (Chroma answers
        a request for more than it holds with all it holds: no count first, one call less.)"""
        if n <= 0:
            return []
        res = self._call(
            self.chunks.query, query_embeddings=[np.asarray(embedding, dtype=np.float32)],
            n_results=n, where=where or None, include=["documents", "metadatas", "distances"],
        )
        rows = zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])
        return [(c, 1.0 - float(d), m) for c, m, (d,) in self._with_text(rows)]
