"""Incremental ingest: unchanged documents cost nothing, changed ones are replaced,
`prune` drops documents whose files are gone, and bad files never stop the others."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from corpus import DEFAULT_MAX_BYTES, Document, FieldMap, LoadError, load_paths

from .news_index import NewsIndex


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    chunks_written: int = 0
    repaired_chunks: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict:
        return {
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
            "removed": self.removed, "chunks_written": self.chunks_written,
            "repaired_chunks": self.repaired_chunks,
            "errors": [{"path": e.path, "reason": e.reason} for e in self.errors],
        }


def ingest_documents(
    index: NewsIndex, docs: list[Document], report: IngestReport | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> IngestReport:
    report = report or IngestReport()
    with index.write_lock:
        report.repaired_chunks += index.store.repair()
        index.invalidate()
        records = index.records(fresh=True)
        try:
            for i, doc in enumerate(docs):
                if progress:
                    progress(i, len(docs), doc.doc_id)
                rec = records.get(doc.doc_id)
                if (
                    rec is not None and rec.content_hash == doc.content_hash
                    and rec.chunker == index.chunker_key  # new chunk sizes re-chunk the document
                    and rec.n_chunks == index.store.count_chunks(doc.doc_id)
                ):
                    report.unchanged.append(doc.doc_id)
                    continue
                report.chunks_written += index.write(doc)
                (report.updated if rec is not None else report.added).append(doc.doc_id)
        finally:
            index.flush()
        if progress:
            progress(len(docs), len(docs), "")
    return report


def ingest_paths(
    index: NewsIndex, paths: list[Path | str], *, prune: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES, progress: Callable[[int, int, str], None] | None = None,
    fields: FieldMap | None = None,
) -> IngestReport:
    """Load and ingest every file under `paths` (bulk exports read with the field map
    `fields`); with `prune`, remove indexed documents whose source files no longer exist."""
    loaded = load_paths(list(paths), max_bytes=max_bytes, fields=fields)
    report = IngestReport(errors=list(loaded.errors))
    ingest_documents(index, loaded.documents, report, progress)
    if prune:
        present = {d.doc_id for d in loaded.documents}
        with index.write_lock:
            for doc_id, rec in index.records(fresh=True).items():
                if doc_id not in present and rec.source and not Path(rec.source).exists():
                    index.remove(doc_id)
                    report.removed.append(doc_id)
    return report
