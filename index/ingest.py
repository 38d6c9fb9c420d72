"""Incremental ingest: unchanged documents cost nothing, changed ones are replaced,
`prune` drops documents whose files are gone, and bad files or records never stop the others.

Documents are read (parsed, HTML extracted) on a background thread while the main thread
chunks, embeds and writes them in batches of about `batch_chunks` chunks: one embedding
call and one Chroma write per batch, then one registry transaction that makes the batch
visible. A crash leaves the batch pending; the next run repairs it.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from corpus import DEFAULT_MAX_BYTES, Document, FieldMap, LoadError, iter_documents

from .news_index import NewsIndex
from .types import Chunk

BATCH_CHUNKS = 512


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    chunks_written: int = 0
    repaired_chunks: int = 0
    articles_added: int = 0  # article vectors embedded for documents indexed before they existed

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict:
        return {
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
            "removed": self.removed, "chunks_written": self.chunks_written,
            "repaired_chunks": self.repaired_chunks, "articles_added": self.articles_added,
            "errors": [{"path": e.path, "reason": e.reason} for e in self.errors],
        }


_DONE = object()


def prefetch(items: Iterable, depth: int = 256) -> Iterator:
    """Iterate `items` on a background thread (parsing overlaps embedding); exceptions are
    re-raised here; stopping early stops the thread."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        q.put((True, item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put((True, _DONE))
        except BaseException as exc:  # handed to the consumer
            q.put((False, exc))

    thread = threading.Thread(target=produce, name="ingest-reader", daemon=True)
    thread.start()
    try:
        while True:
            ok, item = q.get()
            if not ok:
                raise item
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()


def ingest_documents(
    index: NewsIndex, docs: Iterable[Document | LoadError], report: IngestReport | None = None,
    progress: Callable[[int, int | None, str], None] | None = None, *,
    batch_chunks: int = BATCH_CHUNKS, total: int | None = None,
) -> IngestReport:
    """Ingest `docs` (Documents, or LoadErrors to report). `progress(i, total, doc_id)` is
    called per item; if it has a `chunks_done(n)` method, that is called per written batch."""
    if batch_chunks < 1:
        raise ValueError(f"batch_chunks must be >= 1, got {batch_chunks}")
    report = report or IngestReport()
    if total is None and hasattr(docs, "__len__"):
        total = len(docs)  # type: ignore[arg-type]
    with index.write_lock:
        report.repaired_chunks += index.store.repair()
        report.articles_added += index.ensure_articles()
        index.invalidate()
        records = index.records(fresh=True)
        batch: list[tuple[Document, list[Chunk]]] = []
        pending_chunks = 0

        def flush_batch() -> None:
            nonlocal pending_chunks
            if not batch:
                return
            report.chunks_written += index.write_many(batch)
            for doc, _ in batch:
                (report.updated if doc.doc_id in records else report.added).append(doc.doc_id)
            if hasattr(progress, "chunks_done"):
                progress.chunks_done(pending_chunks)
            batch.clear()
            pending_chunks = 0

        i = 0
        try:
            for item in prefetch(docs) if not isinstance(docs, list) else docs:
                if isinstance(item, LoadError):
                    report.errors.append(item)
                    continue
                doc = item
                if progress:
                    progress(i, total, doc.doc_id)
                i += 1
                rec = records.get(doc.doc_id)
                # A committed record implies all its chunks are in (it is written after them).
                if (
                    rec is not None and rec.content_hash == doc.content_hash
                    and rec.chunker == index.chunker_key  # new chunk sizes re-chunk the document
                ):
                    report.unchanged.append(doc.doc_id)
                    continue
                chunks = index.chunker.chunk(doc)
                batch.append((doc, chunks))
                pending_chunks += len(chunks)
                if pending_chunks >= batch_chunks:
                    flush_batch()
            flush_batch()
        finally:
            index.flush()
        if report.added or report.updated:
            index.update_duplicates()
        if progress:
            progress(i, total if total is not None else i, "")
    return report


def ingest_paths(
    index: NewsIndex, paths: list[Path | str], *, prune: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES, progress: Callable[[int, int | None, str], None] | None = None,
    fields: FieldMap | None = None, batch_chunks: int = BATCH_CHUNKS, total: int | None = None,
) -> IngestReport:
    """Load and ingest every file under `paths` (bulk exports read with the field map
    `fields`); with `prune`, remove indexed documents whose source files no longer exist."""
    report = IngestReport()
    present: set[str] = set()

    def documents() -> Iterator[Document | LoadError]:
        for item in iter_documents(list(paths), max_bytes=max_bytes, fields=fields):
            if isinstance(item, Document):
                present.add(item.doc_id)
            yield item

    ingest_documents(index, documents(), report, progress, batch_chunks=batch_chunks, total=total)
    if prune:
        with index.write_lock:
            for doc_id, rec in index.records(fresh=True).items():
                if doc_id not in present and rec.source and not Path(rec.source).exists():
                    index.remove(doc_id)
                    report.removed.append(doc_id)
    return report
