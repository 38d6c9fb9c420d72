"""Every committed passage's vector in memory, by article, for article-first retrieval.

Article-first retrieval scores every passage of its ~25 candidate articles. Asking Chroma for
them (a metadata query returning some 350 vectors) cost about 110 ms a question at 100k
passages; here they are one dictionary lookup per article. The vectors are read from Chroma
once, in the background, from a process's second question on or at warm-up (PassageMatrix);
afterwards, whenever the registry's snapshot of committed documents changes
(`NewsIndex.records`, the source of `NewsIndex.fingerprint`), only the articles whose
committed version changed are read again (new or re-written documents) and removed ones are
dropped. Memory: 4 bytes x dimension per
passage (100k MiniLM passages: 147 MiB), `nbytes`.

Scores are exactly those of the old per-question read: a candidate set's rows are stacked in
Chroma's own order (the order its `get` returns them: the order they were written), because a
float32 matrix-vector product's last bit depends on a row's position in the matrix.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .news_index import NewsIndex

PAGE = 5000  # chunks per Chroma read on a whole load
FULL = 1000  # more changed articles than this: the whole index is read again, in one pass


@dataclass
class PassageBlock:
    """The passages of one committed article, in the order Chroma holds them."""

    version: tuple  # (content hash, chunk count, chunker) of the committed record
    position: int  # where its first passage was written, among all (Chroma's order)
    ids: list[str]
    vectors: np.ndarray  # (passages, dim) float32, as stored
    meta: dict  # the article's metadata, as stored with each passage (its span left out)
    own: list[dict] | None = None  # each passage's whole metadata, only when they differ otherwise

    @cached_property
    def norms(self) -> np.ndarray:
        """Each passage vector's length (for cosines; kept, since the block is)."""
        return np.maximum(np.linalg.norm(self.vectors, axis=1), 1e-12)

    def meta_of(self, i: int) -> dict:
        """What the i-th passage's stored metadata says of its article (visibility, filters)."""
        return self.meta if self.own is None else self.own[i]


def top_rows(scores: np.ndarray, n: int) -> np.ndarray:
    """The first `n` of `np.argsort(-scores, kind="stable")` (ties: the lower row first),
    without sorting every row: the rows above the n-th best score, then its ties in row order."""
    if len(scores) <= n:
        return np.argsort(-scores, kind="stable")
    cut = np.partition(scores, len(scores) - n)[len(scores) - n]  # the n-th best
    above = np.flatnonzero(scores > cut)
    rows = np.concatenate([above, np.flatnonzero(scores == cut)[: n - len(above)]])
    return rows[np.argsort(-scores[rows], kind="stable")]


def _version(rec) -> tuple:
    return rec.content_hash, rec.n_chunks, rec.chunker


class PassageMatrix:
    """The passage vectors of one index's committed articles (see the module doc). The whole
    read (seconds at 100k passages) runs in a background thread, started by the second question
    (a one-question CLI process never pays for it) or by `wait` (a server's or a batch's warm-up,
    which waits for it); until it is done `blocks` answers None and the caller reads Chroma as
    before, with the same results."""

    def __init__(self, index: "NewsIndex"):
        self.index = index
        self._blocks: dict[str, PassageBlock] = {}
        self._seen = None  # the records snapshot the blocks were checked against
        self._next = 0  # position of the next passage written
        self._ready = False
        self._asked = False  # a question has come (the read starts with the second)
        self._loader: threading.Thread | None = None
        self._lock = threading.Lock()
        self.load_s: float | None = None  # how long the last whole read took
        self.error: str | None = None  # why the last whole read failed (it is tried again)

    def blocks(self, doc_ids) -> list[PassageBlock] | None:
        """The blocks of those committed documents that have passages, in Chroma's order; None
        while the whole read runs (it is started here on first use)."""
        if not self._ready or not self._refresh():
            if self._asked:  # not on a process's first question: a one-question CLI never reads it
                self.start()
            self._asked = True
            return None
        found = [b for b in (self._blocks.get(d) for d in doc_ids) if b is not None]
        return sorted(found, key=lambda b: b.position)

    def nearest(self, vec: np.ndarray, n: int, doc_ids) -> list[tuple[str, float, dict]] | None:
        """The `n` passages of `doc_ids` nearest `vec`, exactly (cosine over every one of their
        rows; ties in the order the passages were written), as (chunk id, cosine, metadata), best
        first; None while the whole read runs. For filtered searches: Chroma's `where` query took
        14-89 ms over 37k passages, this 1-10 ms (docs/measurements.md, thirteenth round)."""
        blocks = self.blocks(doc_ids)
        if blocks is None:
            return None
        if not blocks or n <= 0:
            return []
        q = np.asarray(vec, dtype=np.float32)
        q = q / max(float(np.linalg.norm(q)), 1e-12)
        sims = np.concatenate([(b.vectors @ q) / b.norms for b in blocks])
        starts = np.cumsum([0] + [len(b.ids) for b in blocks])
        out = []
        for r in top_rows(sims, n).tolist():
            k = int(np.searchsorted(starts, r, side="right")) - 1
            b, i = blocks[k], r - int(starts[k])
            out.append((b.ids[i], float(sims[r]), b.meta_of(i)))
        return out

    def start(self) -> None:
        """Start the whole read in the background, unless it runs or is done."""
        with self._lock:
            if self._ready or (self._loader is not None and self._loader.is_alive()):
                return
            self._loader = threading.Thread(target=self._load_all, name="passage-matrix", daemon=True)
            self._loader.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Start the whole read if needed and wait for it; True once the matrix is in use."""
        self.start()
        loader = self._loader
        if loader is not None:
            loader.join(timeout)
        return self._ready

    def __len__(self) -> int:
        return sum(len(b.ids) for b in self._blocks.values())

    @property
    def nbytes(self) -> int:
        """Bytes held by the vectors (ids and metadata not counted)."""
        return sum(b.vectors.nbytes for b in self._blocks.values())

    def _load_all(self) -> None:
        t = time.perf_counter()
        try:
            records = self.index.records()
            blocks, end = self._read(list(records), records, 0, self.index.store.iter_chunk_vectors(PAGE))
        except Exception as exc:  # Chroma unreachable, ...: questions keep reading Chroma; retried later
            self.error = f"{type(exc).__name__}: {exc}"
            return
        with self._lock:
            self._blocks, self._next, self._seen, self._ready = blocks, end, records, True
            self.load_s, self.error = time.perf_counter() - t, None

    def _refresh(self) -> bool:
        """Bring the blocks to the current committed documents: the changed ones are read again
        (False, and a whole read in the background, when more than FULL changed)."""
        records = self.index.records()
        with self._lock:
            if records is self._seen:
                return True
            want = {d: _version(r) for d, r in records.items()}
            todo = [d for d in want if d not in self._blocks or self._blocks[d].version != want[d]]
            if len(todo) > FULL:
                self._ready = False
                return False
            for d in [d for d, b in self._blocks.items() if want.get(d) != b.version]:
                del self._blocks[d]
            if todo:  # written after everything loaded so far: one read, in write order
                blocks, self._next = self._read(todo, records, self._next,
                                                [self.index.store.chunk_vectors(sorted(todo))])
                self._blocks.update(blocks)
            self._seen = records
            return True

    @staticmethod
    def _read(doc_ids: list[str], records, position: int, pages) -> tuple[dict[str, PassageBlock], int]:
        """Blocks of `doc_ids` from pages of (chunk id, vector, metadata) in write order, the
        first at `position`; returns them and the position after the last passage read. An
        article's passages are written together: each block is made as soon as the next
        article's passages begin, so that only one article's rows are held apart at a time."""
        blocks: dict[str, PassageBlock] = {}
        wanted = set(doc_ids)
        rows: list = []  # the current article's (position, chunk id, vector, metadata)

        def close() -> None:
            if not rows:
                return
            d = rows[0][3]["doc_id"]
            metas = [{k: v for k, v in r[3].items() if k not in ("start", "end")} for r in rows]
            same = all(m == metas[0] for m in metas)
            block = PassageBlock(_version(records[d]), rows[0][0], [r[1] for r in rows],
                                 np.stack([r[2] for r in rows]).astype(np.float32, copy=False),
                                 metas[0], None if same else [r[3] for r in rows])
            if d in blocks:  # not written together after all (never seen): keep Chroma's order
                old = blocks[d]
                block = PassageBlock(block.version, old.position, old.ids + block.ids,
                                     np.concatenate([old.vectors, block.vectors]), old.meta,
                                     None if old.own is None and block.own is None and old.meta == block.meta
                                     else [old.meta_of(i) for i in range(len(old.ids))]
                                     + [block.meta_of(i) for i in range(len(block.ids))])
            blocks[d] = block
            rows.clear()

        for page in pages:
            for cid, vec, meta in page:
                d = meta.get("doc_id")
                rec = records.get(d)
                if d in wanted and rec is not None and rec.content_hash == meta.get("doc_hash"):
                    if rows and rows[0][3]["doc_id"] != d:
                        close()
                    rows.append((position, cid, vec, meta))
                position += 1
        close()
        return blocks, position


__all__ = ["PassageBlock", "PassageMatrix", "top_rows"]
