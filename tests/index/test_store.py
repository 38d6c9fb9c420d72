"""ChromaStore on a real persistent Chroma in a temp dir: write, replace, delete, repair."""

from __future__ import annotations

import numpy as np
import pytest

import index.store as store_mod
from corpus import Document
from index import ChromaStore, SentenceChunker, StoreError
from index.store import published_ord

TEXT = "First sentence here. Second one follows. A third is short. Fourth and last."


def doc(text=TEXT, **kw) -> Document:
    base = dict(doc_id="d1", title="T", outlet="O", published="2024-06-25", url=None, source="/x/d1.txt")
    base.update(kw)
    return Document(text=text, **base)


def vectors(n: int, dim: int = 8) -> np.ndarray:
    rng = np.random.default_rng(n)
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def store(tmp_path):
    return ChromaStore(tmp_path / "data", embed_model="fake")


def write(store, d: Document, chunker=SentenceChunker(max_sentences=1, overlap=0)):
    chunks = chunker.chunk(d)
    vecs = vectors(len(chunks))
    store.write_document(d, chunks, vecs)
    return chunks, vecs


def test_write_read_round_trip(store):
    d = doc()
    chunks, vecs = write(store, d)
    rec = store.doc_records()["d1"]
    assert (rec.content_hash, rec.n_chunks, rec.title, rec.outlet, rec.published, rec.source) == (
        d.content_hash, 4, "T", "O", "2024-06-25", "/x/d1.txt")
    assert rec.url is None and rec.ingested_at > 0
    assert store.get_document("d1") == d and store.get_document("d1").text == TEXT
    assert store.get_document("nope") is None
    assert store.count_chunks() == 4 and store.count_chunks("d1") == 4 and store.count_chunks("other") == 0
    stored = {c.chunk_id: (c, m) for c, m in store.iter_chunks()}
    assert set(stored) == {c.chunk_id for c in chunks}
    for c in chunks:
        got, meta = stored[c.chunk_id]
        assert got == c and TEXT[got.start:got.end] == got.text
        assert meta["doc_hash"] == d.content_hash and meta["published_ord"] == 20240625
        assert meta["outlet"] == "O" and "url" not in meta  # None values are not stored
    hits = store.query(vecs[2], 2)
    assert hits[0][0] == chunks[2] and hits[0][1] == pytest.approx(1.0, abs=1e-4)
    assert store.query(vecs[0], 10, where={"doc_id": "other"}) == []
    assert store.get_chunks([chunks[1].chunk_id, "missing"]).keys() == {chunks[1].chunk_id}


def test_rewrite_replaces_all_old_chunks(store):
    write(store, doc())
    shorter = doc(text="Only one sentence now.")
    chunks, _ = write(store, shorter)
    assert [c.chunk_id for c, _ in store.iter_chunks()] == ["d1#0000"]
    assert store.doc_records()["d1"].content_hash == shorter.content_hash
    assert store.doc_records()["d1"].n_chunks == 1


def test_delete_document(store):
    write(store, doc())
    write(store, doc(doc_id="d2"))
    assert store.delete_document("d1") is True
    assert store.delete_document("d1") is False
    assert set(store.doc_records()) == {"d2"}
    assert {m["doc_id"] for _, m in store.iter_chunk_meta()} == {"d2"}


def test_repair_removes_uncommitted_and_stale_chunks(store, monkeypatch):
    monkeypatch.setattr(store_mod, "BATCH", 3)  # exercise pagination
    write(store, doc())
    good = {c for c, _ in store.iter_chunk_meta()}
    # chunks of a document whose record was never written (a crash mid-write)
    store.chunks.add(ids=["ghost#0000", "ghost#0001"], embeddings=vectors(2).tolist(),
                     documents=["a", "b"], metadatas=[{"doc_id": "ghost", "start": 0, "end": 1, "doc_hash": "h"}] * 2)
    # a chunk left from an older version of a committed document
    store.chunks.add(ids=["d1#0099"], embeddings=vectors(1).tolist(), documents=["old"],
                     metadatas=[{"doc_id": "d1", "start": 0, "end": 3, "doc_hash": "old-hash"}])
    assert store.repair() == 3
    assert {c for c, _ in store.iter_chunk_meta()} == good
    assert store.repair() == 0


def test_mismatched_lengths_are_rejected(store):
    d = doc()
    chunks = SentenceChunker().chunk(d)
    with pytest.raises(ValueError, match="chunks but"):
        store.write_document(d, chunks, vectors(len(chunks) + 1))


def test_store_refuses_another_embedding_model(tmp_path):
    ChromaStore(tmp_path / "data", embed_model="model-a")
    with pytest.raises(StoreError, match="model-a") as err:
        ChromaStore(tmp_path / "data", embed_model="model-b")
    assert "--data-dir" in str(err.value)


@pytest.mark.parametrize("url", ["ftp://host:1", "localhost:8000", "http://"])
def test_bad_chroma_url(tmp_path, url):
    with pytest.raises(StoreError, match="bad Chroma URL"):
        ChromaStore(tmp_path / "data", chroma_url=url)


def test_published_ord():
    assert published_ord("2024-06-25") == 20240625
    assert published_ord(None) is None
    assert published_ord("2023-12-31") < published_ord("2024-01-01")


def test_an_index_from_before_the_sqlite_registry_is_migrated_not_rebuilt(tmp_path):
    """Records in the old `<name>_docs` Chroma collection move into SQLite once; the chunks
    stay, BM25 covers them, nothing needs re-embedding."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from index import NewsIndex
    from index.store import published_ord

    d = doc()
    chunks = SentenceChunker().chunk(d)
    client = chromadb.PersistentClient(path=str(tmp_path / "data" / "chroma"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    coll = client.get_or_create_collection("news_qa_chunks", embedding_function=None,
                                           metadata={"hnsw:space": "cosine", "embed_model": "fake"})
    base = {"doc_id": d.doc_id, "title": d.title, "published": d.published, "doc_hash": d.content_hash,
            "published_ord": published_ord(d.published)}
    coll.add(ids=[c.chunk_id for c in chunks], embeddings=vectors(len(chunks)).tolist(),
             documents=[c.text for c in chunks], metadatas=[{**base, "start": c.start, "end": c.end} for c in chunks])
    docs = client.get_or_create_collection("news_qa_docs", embedding_function=None)
    docs.add(ids=[d.doc_id], embeddings=[[1.0]], documents=[d.text],
             metadatas=[{"doc_id": d.doc_id, "content_hash": d.content_hash, "n_chunks": len(chunks),
                         "title": d.title, "published": d.published, "chunker": SentenceChunker().key}])
    del client
    store = ChromaStore(tmp_path / "data", embed_model="fake")
    assert store.doc_records()[d.doc_id].n_chunks == len(chunks)
    assert store.get_document(d.doc_id).text == d.text
    assert store.repair() == 0 and store.count_chunks() == len(chunks)
    assert NewsIndex(store, None).bm25().chunk_ids() == {c.chunk_id for c in chunks}
    assert "news_qa_docs" not in [c.name for c in store.client.list_collections()]
