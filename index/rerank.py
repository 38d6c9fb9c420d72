"""Second-stage re-scoring of a first-stage candidate list, and the on-disk embedding cache
it (and the BEIR benchmark) relies on so that no text is embedded twice."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


class EmbeddingCache:
    """text -> vector for one model, in SQLite (safe to share between processes; each
    insert is its own transaction, so an interrupted run keeps what it finished).
    `tolerant`: a file that cannot be opened, read or written is logged once and then left
    alone (lookups find nothing, stores are dropped), for a cache whose loss costs only time."""

    def __init__(self, path: Path | str, *, tolerant: bool = False, timeout: float = 60.0):
        self.path = Path(path)
        self.tolerant = tolerant
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), timeout=timeout, check_same_thread=False)
            self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, dim INTEGER, data BLOB)")
            self._db.commit()
        except (OSError, sqlite3.Error) as e:
            self._fail("open", e)

    def _fail(self, what: str, e: Exception) -> None:
        if not self.tolerant:
            raise e
        log.warning("embedding cache %s: could not %s it (%s); going on without it. Remove the "
                    "file to start it afresh.", self.path, what, e)
        self._db = None

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def get_many(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Cached vectors for the texts that have one, keyed by text."""
        keys = {self.key(t): t for t in texts}
        out: dict[str, np.ndarray] = {}
        items = list(keys)
        with self._lock:
            if self._db is None:
                return out
            try:
                for i in range(0, len(items), 500):
                    part = items[i : i + 500]
                    rows = self._db.execute(
                        f"SELECT key, dim, data FROM vec WHERE key IN ({','.join('?' * len(part))})", part
                    ).fetchall()
                    for k, dim, data in rows:
                        if len(data) == 4 * dim:  # a row is whole, or it is embedded again
                            out[keys[k]] = np.frombuffer(data, dtype=np.float32)
            except sqlite3.Error as e:
                self._fail("read", e)
        return out

    def put_many(self, texts: list[str], vectors: np.ndarray) -> None:
        with self._lock:
            if self._db is None:
                return
            try:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vec (key, dim, data) VALUES (?, ?, ?)",
                    [(self.key(t), int(v.shape[0]), np.asarray(v, np.float32).tobytes())
                     for t, v in zip(texts, vectors)],
                )
                self._db.commit()
            except sqlite3.Error as e:
                self._fail("write", e)

    def __len__(self) -> int:
        with self._lock:
            if self._db is None:
                return 0
            return int(self._db.execute("SELECT COUNT(*) FROM vec").fetchone()[0])


class CachedEmbedder:
    """Wraps an embedder: documents are looked up in an `EmbeddingCache` first and only the
    missing ones are embedded (in blocks, each stored as soon as it is done)."""

    def __init__(self, embedder, cache: EmbeddingCache, *, block: int = 256, progress=None):
        if block < 1:
            raise ValueError(f"block must be >= 1, got {block}")
        self.inner = embedder
        self.cache = cache
        self.block = block
        self.progress = progress
        self.name = getattr(embedder, "name", "embedder")

    @property
    def texts_embedded(self) -> int:
        return getattr(self.inner, "texts_embedded", 0)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        found = self.cache.get_many(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        for i in range(0, len(missing), self.block):
            part = missing[i : i + self.block]
            vecs = self.inner.embed_documents(part)
            self.cache.put_many(part, vecs)
            found.update(zip(part, vecs))
            if self.progress:
                self.progress(min(i + self.block, len(missing)), len(missing))
        if not texts:
            return self.inner.embed_documents([])
        return np.stack([found[t] for t in texts]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


def passage_text(p, with_title: bool = True) -> str:
    """What a second stage reads of a passage: its document title first (when known and not
    already the passage's start), then the passage text."""
    title = (p.title or "").strip()
    if with_title and title and not p.text.startswith(title):
        return f"{title}\n{p.text}"
    return p.text


def sorted_head_then_tail(head: list, tail: list) -> list:
    """The re-scored head in score order, then the tail, whose scores are capped at the head's
    lowest so that scores stay monotone with the order."""
    head.sort(key=lambda p: (-p.score, p.chunk.chunk_id))
    floor = min(p.score for p in head)
    for p in tail:
        p.score = min(p.score, floor)
    return head + tail


def minmax(values) -> np.ndarray:
    """`values` scaled to [0, 1] (all 1.0 when they are equal), as a float array; both second
    stages mix scores normalised this way."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        return v
    lo, hi = float(v.min()), float(v.max())
    return (v - lo) / (hi - lo) if hi > lo else np.ones_like(v)


class EmbeddingReranker:
    """Re-scores the first `depth` passages of a fused list with a (second) embedding model:
    cosine similarity between the query and the passage (its document title first, when
    known). The new score is `(1 - weight) * first-stage + weight * similarity`, each
    min-max normalised over the `depth` passages; passages below `depth` keep their order
    after the re-scored ones. Passage vectors go through `CachedEmbedder` when given a
    cache, so each text is embedded once, ever."""

    def __init__(self, embedder, *, depth: int = 20, weight: float = 0.5, with_title: bool = True,
                 cache: EmbeddingCache | None = None, label: str = "rerank"):
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        if not 0.0 <= weight <= 1.0:
            raise ValueError(f"weight must be in [0, 1], got {weight}")
        self.embedder = CachedEmbedder(embedder, cache) if cache is not None else embedder
        self.depth = depth
        self.weight = weight
        self.with_title = with_title
        self.label = label

    def passage_text(self, p) -> str:
        return passage_text(p, self.with_title)

    def similarities(self, query: str, passages: list) -> np.ndarray:
        vecs = self.embedder.embed_documents([self.passage_text(p) for p in passages])
        q = np.asarray(self.embedder.embed_query(query), dtype=np.float32)
        return vecs @ q

    def rerank(self, query: str, passages: list) -> list:
        head, tail = passages[: self.depth], passages[self.depth :]
        if len(head) < 2:
            return list(passages)
        sims = self.similarities(query, head).tolist()
        first = minmax([p.score for p in head])
        second = minmax(sims)
        for p, a, b, s in zip(head, first, second, sims):
            p.scores[self.label] = float(s)
            p.score = float((1.0 - self.weight) * a + self.weight * b)
        return sorted_head_then_tail(head, tail)


class SentenceMaxSimReranker(EmbeddingReranker):
    """Like `EmbeddingReranker`, but a passage's similarity is that of its best sentence
    (max-sim over the passage's sentences, split with exact spans by `split_sentences`):
    a question usually matches one sentence, which a whole-passage vector dilutes."""

    def __init__(self, embedder, **kwargs):
        kwargs.setdefault("label", "maxsim")
        super().__init__(embedder, **kwargs)

    def similarities(self, query: str, passages: list) -> np.ndarray:
        from .sentences import split_sentences

        per = [[p.text[s:e] for s, e in split_sentences(p.text)] or [p.text] for p in passages]
        flat = [s for sents in per for s in sents]
        vecs = self.embedder.embed_documents(flat)
        q = np.asarray(self.embedder.embed_query(query), dtype=np.float32)
        sims = vecs @ q
        out, i = [], 0
        for sents in per:
            out.append(float(sims[i : i + len(sents)].max()))
            i += len(sents)
        return np.asarray(out, dtype=np.float32)


RERANKERS = {"maxsim": SentenceMaxSimReranker, "passage": EmbeddingReranker}
