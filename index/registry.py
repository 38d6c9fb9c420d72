"""The document registry in SQLite (stdlib `sqlite3`): one row per committed document (its
text, metadata, content hash, chunk count, duplicate cluster) and a `pending` table.

Crash safety: a write first marks its documents pending and drops their rows (one
transaction), then replaces their chunks in the vector store, then commits their rows and
clears the marks (one transaction). A document is visible only when its row is committed
after its chunks; after a crash, `pending()` names exactly the documents whose chunks may be
debris. The file lives in the data dir, also when the chunks are on a Chroma server.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass, fields
from pathlib import Path

from corpus import Document

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, n_chunks INTEGER NOT NULL,
    title TEXT, outlet TEXT, published TEXT, published_ord INTEGER, url TEXT, source TEXT,
    ingested_at REAL NOT NULL, chunker TEXT, dup_of TEXT, dup_count INTEGER NOT NULL DEFAULT 1,
    text TEXT NOT NULL, extra TEXT
);
CREATE INDEX IF NOT EXISTS documents_published ON documents(published_ord);
CREATE INDEX IF NOT EXISTS documents_dup_of ON documents(dup_of);
CREATE TABLE IF NOT EXISTS pending (doc_id TEXT PRIMARY KEY, since REAL NOT NULL);
CREATE TABLE IF NOT EXISTS minhash (doc_id TEXT PRIMARY KEY, signature BLOB NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_fts USING fts5(terms, chunk_id UNINDEXED, doc_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_vocab USING fts5vocab(chunk_fts, row);
CREATE TABLE IF NOT EXISTS chunk_rows (rowid INTEGER PRIMARY KEY, doc_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunk_rows_doc ON chunk_rows(doc_id);
"""


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
    dup_of: str | None = None  # the earliest copy of a syndicated article (None: this is it)
    dup_count: int = 1  # copies in this document's near-duplicate cluster, itself included

    def to_meta(self) -> dict:
        """The set fields by name (asdict's, without its deep copy: every field is a plain value)."""
        return {k: v for k in _RECORD_COLUMNS if (v := getattr(self, k)) is not None}

    @classmethod
    def from_meta(cls, meta: dict) -> "DocRecord":
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in meta.items() if k in known})


_RECORD_COLUMNS = [f.name for f in fields(DocRecord)]


def published_ord(published: str | None) -> int | None:
    """'2024-06-25' -> 20240625, for range filters inside the stores."""
    return int(published.replace("-", "")) if published else None


class Registry:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None, timeout=60)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA)

    def _tx(self, statements: list[tuple[str, list]]) -> None:
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                for sql, rows in statements:
                    cur.executemany(sql, rows)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    # -- reads ------------------------------------------------------------------------------
    def version(self) -> tuple[int, int]:
        """Changes when any connection commits to the file (SQLite's data_version counts the
        others' commits, total_changes this connection's rows), so a cache keyed by it is fresh."""
        with self._lock:
            return int(self._conn.execute("PRAGMA data_version").fetchone()[0]), self._conn.total_changes

    def records(self) -> dict[str, DocRecord]:
        rows = self._query(f"SELECT {', '.join(_RECORD_COLUMNS)} FROM documents")
        return {r[0]: DocRecord(*r) for r in rows}

    def get_document(self, doc_id: str) -> Document | None:
        rows = self._query(
            "SELECT title, outlet, published, text, url, source, extra FROM documents WHERE doc_id = ?", (doc_id,)
        )
        if not rows:
            return None
        title, outlet, published, text, url, source, extra = rows[0]
        return Document(doc_id=doc_id, title=title, outlet=outlet, published=published, text=text,
                        url=url, source=source, extra=json.loads(extra) if extra else {})

    def texts(self, doc_ids) -> dict[str, tuple[str, str]]:
        """doc_id -> (content hash, text) of committed documents, in one query per 500 ids."""
        ids, out = list(doc_ids), {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            out.update((d, (h, t)) for d, h, t in self._query(
                f"SELECT doc_id, content_hash, text FROM documents WHERE doc_id IN ({', '.join('?' * len(part))})",
                tuple(part)))
        return out

    def doc_ids_where(self, outlets: tuple[str, ...] = (), doc_ids: tuple[str, ...] = (),
                      date_from: int | None = None, date_to: int | None = None, undated: bool = False) -> set[str]:
        """Committed documents matching the filters, selected in SQL (dates as YYYYMMDD
        integers on an indexed column; an undated document matches a date range only with
        `undated`)."""
        where, args = [], []
        for column, values in (("outlet", outlets), ("doc_id", doc_ids)):
            if values:
                where.append(f"{column} IN ({', '.join('?' * len(values))})")
                args.extend(values)
        dates = []
        if date_from is not None:
            dates.append("published_ord >= ?")
            args.append(date_from)
        if date_to is not None:
            dates.append("published_ord <= ?")
            args.append(date_to)
        if dates:
            clause = " AND ".join(dates)
            where.append(f"(({clause}) OR published_ord IS NULL)" if undated else clause)
        sql = "SELECT doc_id FROM documents" + (" WHERE " + " AND ".join(where) if where else "")
        return {r[0] for r in self._query(sql, tuple(args))}

    def pending(self) -> list[str]:
        return [r[0] for r in self._query("SELECT doc_id FROM pending ORDER BY doc_id")]

    def total_chunks(self) -> int:
        return int(self._query("SELECT COALESCE(SUM(n_chunks), 0) FROM documents")[0][0])

    def stats(self) -> dict:
        """Counts for `qa index status`: documents, date range, undated, duplicate clusters."""
        (n, undated, lo, hi), = self._query(
            "SELECT COUNT(*), SUM(published IS NULL), MIN(published), MAX(published) FROM documents")
        (clusters, copies), = self._query(
            "SELECT COUNT(DISTINCT dup_of), COUNT(*) FROM documents WHERE dup_of IS NOT NULL")
        return {"documents": n, "undated": undated or 0, "date_from": lo, "date_to": hi,
                "duplicate_clusters": clusters, "duplicate_copies": copies}

    def duplicates(self, doc_id: str) -> list[DocRecord]:
        """Every other copy in `doc_id`'s near-duplicate cluster, earliest first."""
        rows = self._query("SELECT dup_of FROM documents WHERE doc_id = ?", (doc_id,))
        if not rows:
            return []
        head = rows[0][0] or doc_id
        cols = ", ".join(_RECORD_COLUMNS)
        found = self._query(
            f"SELECT {cols} FROM documents WHERE (doc_id = ? OR dup_of = ?) AND doc_id != ? "
            "ORDER BY published IS NULL, published, doc_id", (head, head, doc_id))
        return [DocRecord(*r) for r in found]

    # -- writes -----------------------------------------------------------------------------
    def begin(self, doc_ids: list[str]) -> None:
        """Mark documents pending and make them invisible (registry row and BM25 terms gone),
        before their chunks change."""
        now = time.time()
        ids = [(d,) for d in doc_ids]
        self._tx([
            ("INSERT OR REPLACE INTO pending(doc_id, since) VALUES (?, ?)", [(d, now) for d in doc_ids]),
            ("DELETE FROM documents WHERE doc_id = ?", ids),
            ("DELETE FROM chunk_fts WHERE rowid IN (SELECT rowid FROM chunk_rows WHERE doc_id = ?)", ids),
            ("DELETE FROM chunk_rows WHERE doc_id = ?", ids),
        ])

    def commit(self, items: list[tuple[DocRecord, Document]], signatures: dict[str, bytes] | None = None,
               terms: list[tuple[str, str, str]] | None = None) -> None:
        """Make documents visible (after their chunks are written) and clear their marks, in
        one transaction with their BM25 terms: `terms` is (chunk_id, doc_id, space-joined terms)."""
        cols = [*_RECORD_COLUMNS, "published_ord", "text", "extra"]
        rows = [
            (*(getattr(r, c) for c in _RECORD_COLUMNS), published_ord(r.published), d.text,
             json.dumps(d.extra, ensure_ascii=False, default=str) if d.extra else None)
            for r, d in items
        ]
        statements = [
            (f"INSERT OR REPLACE INTO documents({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows),
            ("DELETE FROM pending WHERE doc_id = ?", [(r.doc_id,) for r, _ in items]),
        ]
        if signatures:
            statements.append(("INSERT OR REPLACE INTO minhash(doc_id, signature) VALUES (?, ?)",
                               list(signatures.items())))
        if terms:
            with self._lock:
                (top,), = self._conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM chunk_rows").fetchall()
                rowids = range(top + 1, top + 1 + len(terms))
                statements += [
                    ("INSERT INTO chunk_rows(rowid, doc_id) VALUES (?, ?)", [(r, t[1]) for r, t in zip(rowids, terms)]),
                    ("INSERT INTO chunk_fts(rowid, terms, chunk_id, doc_id) VALUES (?, ?, ?, ?)",
                     [(r, t[2], t[0], t[1]) for r, t in zip(rowids, terms)]),
                ]
                self._tx(statements)
            return
        self._tx(statements)

    def clear_pending(self, doc_ids: list[str]) -> None:
        self._tx([("DELETE FROM pending WHERE doc_id = ?", [(d,) for d in doc_ids])])

    def delete(self, doc_id: str) -> bool:
        existed = bool(self._query("SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)))
        self.begin([doc_id])  # chunks go next; a crash between leaves a pending mark
        self._tx([("DELETE FROM minhash WHERE doc_id = ?", [(doc_id,)])])
        return existed

    def set_duplicates(self, assignments: dict[str, tuple[str | None, int]]) -> None:
        """doc_id -> (dup_of, dup_count) for documents whose cluster changed."""
        self._tx([("UPDATE documents SET dup_of = ?, dup_count = ? WHERE doc_id = ?",
                   [(head, n, d) for d, (head, n) in assignments.items()])])

    def signatures(self) -> dict[str, bytes]:
        return dict(self._query("SELECT doc_id, signature FROM minhash"))

    def close(self) -> None:
        with self._lock:
            self._conn.close()
