"""Chroma storage: a chunk collection (vectors, text, offsets, metadata) and a document
registry. A document becomes visible only when its registry record is written, after its
chunks: a crash mid-write leaves chunks without a record, which `repair()` removes."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from corpus import Document

from .types import Chunk

BATCH = 1000


class StoreError(RuntimeError):
    """The vector store could not be used; the message says what to do."""


@dataclass(frozen=True)
class DocRecord:
    doc_id: str
    content_hash: str
    n_chunks: int
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    source: str | None = None
    ingested_at: float = 0.0
    chunker: str | None = None  # SentenceChunker.key the chunks were made with

    def to_meta(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_meta(cls, meta: dict) -> "DocRecord":
        fields = cls.__dataclass_fields__
        return cls(**{k: v for k, v in meta.items() if k in fields})


def published_ord(published: str | None) -> int | None:
    """'2024-06-25' -> 20240625, for range filters in Chroma's `where`."""
    return int(published.replace("-", "")) if published else None


class ChromaStore:
    def __init__(
        self, data_dir: Path | str = ".qa-data", *, chroma_url: str | None = None,
        collection: str = "news_qa", embed_model: str = "minilm",
    ):
        self.data_dir = Path(data_dir)
        self.chroma_url = chroma_url
        self.name = collection
        self.embed_model = embed_model
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
            self.chunks = self.client.get_or_create_collection(
                f"{collection}_chunks", embedding_function=None,
                metadata={"hnsw:space": "cosine", "embed_model": embed_model},
            )
            self.docs = self.client.get_or_create_collection(f"{collection}_docs", embedding_function=None)
        except StoreError:
            raise
        except Exception as exc:  # chromadb raises many kinds; name the place and the fix
            raise self._unavailable(exc) from exc
        built_with = (self.chunks.metadata or {}).get("embed_model")
        if built_with and built_with != embed_model:
            raise StoreError(
                f"the index at {self.location} was built with embedding model {built_with!r}, "
                f"not {embed_model!r}: use that model, another --data-dir, or `qa index rebuild`"
            )

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
        res = self._call(self.docs.get, include=["metadatas"])
        return {i: DocRecord.from_meta(m) for i, m in zip(res["ids"], res["metadatas"])}

    def get_document(self, doc_id: str) -> Document | None:
        res = self._call(self.docs.get, ids=[doc_id], include=["metadatas", "documents"])
        if not res["ids"]:
            return None
        m = res["metadatas"][0]
        return Document(
            doc_id=doc_id, title=m.get("title"), outlet=m.get("outlet"), published=m.get("published"),
            text=res["documents"][0], url=m.get("url"), source=m.get("source"),
        )

    # -- writes --------------------------------------------------------------------------
    def write_document(
        self, doc: Document, chunks: list[Chunk], embeddings: np.ndarray, *, chunker: str | None = None,
    ) -> DocRecord:
        """Replace a document's chunks and commit its record last."""
        if len(chunks) != len(embeddings):
            raise ValueError(f"{len(chunks)} chunks but {len(embeddings)} embeddings")
        self._call(self.docs.delete, ids=[doc.doc_id])  # invisible from here until committed
        self._call(self.chunks.delete, where={"doc_id": doc.doc_id})
        base = {k: v for k, v in doc.metadata().items() if v is not None}
        if doc.published:
            base["published_ord"] = published_ord(doc.published)
        base["doc_hash"] = doc.content_hash
        for i in range(0, len(chunks), BATCH):
            part = chunks[i : i + BATCH]
            self._call(
                self.chunks.add,
                ids=[c.chunk_id for c in part],
                embeddings=np.asarray(embeddings[i : i + BATCH], dtype=np.float32),
                documents=[c.text for c in part],
                metadatas=[{**base, "start": c.start, "end": c.end} for c in part],
            )
        record = DocRecord(
            doc_id=doc.doc_id, content_hash=doc.content_hash, n_chunks=len(chunks), title=doc.title,
            outlet=doc.outlet, published=doc.published, url=doc.url, source=doc.source,
            ingested_at=time.time(), chunker=chunker,
        )
        self._call(self.docs.add, ids=[doc.doc_id], embeddings=[[1.0]], documents=[doc.text], metadatas=[record.to_meta()])
        return record

    def delete_document(self, doc_id: str) -> bool:
        existed = bool(self._call(self.docs.get, ids=[doc_id])["ids"])
        self._call(self.docs.delete, ids=[doc_id])
        self._call(self.chunks.delete, where={"doc_id": doc_id})
        return existed

    def repair(self) -> int:
        """Delete chunks that belong to no committed document (left by an interrupted write)."""
        records = self.doc_records()
        stale = [
            cid for cid, meta in self.iter_chunk_meta()
            if (r := records.get(meta["doc_id"])) is None or r.content_hash != meta.get("doc_hash")
        ]
        for i in range(0, len(stale), BATCH):
            self._call(self.chunks.delete, ids=stale[i : i + BATCH])
        return len(stale)

    # -- reads ---------------------------------------------------------------------------
    def count_chunks(self, doc_id: str | None = None) -> int:
        if doc_id is None:
            return self._call(self.chunks.count)
        return len(self._call(self.chunks.get, where={"doc_id": doc_id}, include=[])["ids"])

    def iter_chunk_meta(self) -> Iterator[tuple[str, dict]]:
        offset = 0
        while True:
            res = self._call(self.chunks.get, include=["metadatas"], limit=BATCH, offset=offset)
            if not res["ids"]:
                return
            yield from zip(res["ids"], res["metadatas"])
            offset += len(res["ids"])

    def iter_chunks(self) -> Iterator[tuple[Chunk, dict]]:
        offset = 0
        while True:
            res = self._call(self.chunks.get, include=["metadatas", "documents"], limit=BATCH, offset=offset)
            if not res["ids"]:
                return
            for cid, text, meta in zip(res["ids"], res["documents"], res["metadatas"]):
                yield Chunk(cid, meta["doc_id"], meta["start"], meta["end"], text), meta
            offset += len(res["ids"])

    def get_chunks(self, ids: list[str]) -> dict[str, tuple[Chunk, dict]]:
        if not ids:
            return {}
        res = self._call(self.chunks.get, ids=list(ids), include=["metadatas", "documents"])
        return {
            cid: (Chunk(cid, m["doc_id"], m["start"], m["end"], t), m)
            for cid, t, m in zip(res["ids"], res["documents"], res["metadatas"])
        }

    def query(self, embedding: np.ndarray, n: int, where: dict | None = None) -> list[tuple[Chunk, float, dict]]:
        """Nearest chunks as (chunk, cosine similarity, metadata), best first."""
        total = self.count_chunks()
        if total == 0 or n <= 0:
            return []
        res = self._call(
            self.chunks.query, query_embeddings=[np.asarray(embedding, dtype=np.float32)],
            n_results=min(n, total), where=where or None, include=["documents", "metadatas", "distances"],
        )
        return [
            (Chunk(cid, m["doc_id"], m["start"], m["end"], t), 1.0 - float(d), m)
            for cid, t, m, d in zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])
        ]
