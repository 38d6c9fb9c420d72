"""BM25 over SQLite FTS5 in the registry file: terms are written in the same transaction that
commits a document, so BM25 always holds exactly the committed documents' chunks, persisted
incrementally (no whole-corpus object to rebuild, load or pickle).

Terms are the project's BM25 terms (index.text.tokenize: folded, stop words dropped,
Porter-stemmed), stored space-joined; FTS5's bm25() ranks them (k1 = 1.2, b = 0.75).
"""

from __future__ import annotations

import json
import math

from .bm25_exact import TERM, Stats
from .registry import Registry
from .text import tokenize

EXTRA = 50  # rows read past the k-th by `search`, to settle ties at the k-th score



def chunk_terms(text: str) -> str:
    return " ".join(tokenize(text))


class _Postings:
    """Read-only view for callers that used BM25Index._postings: `.get(term, ())` has the
    term's document frequency as its length; `.keys()` is the vocabulary."""

    def __init__(self, df: dict[str, int]):
        self._df = df

    def get(self, term: str, default=()):
        n = self._df.get(term)
        return range(n) if n else default

    def keys(self):
        return self._df.keys()

    def __contains__(self, term: str) -> bool:
        return term in self._df

    def __len__(self) -> int:
        return len(self._df)


class SqliteBM25:
    """The BM25Index interface (search, chunk_ids, len, fingerprint) over the registry."""

    def __init__(self, registry: Registry, fingerprint: str | None = None):
        self.registry = registry
        self.fingerprint = fingerprint
        self._df: dict[str, int] | None = None
        self._n: int | None = None

    def __len__(self) -> int:
        return int(self.registry._query("SELECT COUNT(*) FROM chunk_rows")[0][0])

    def __contains__(self, chunk_id: str) -> bool:
        return bool(self.registry._query("SELECT 1 FROM chunk_fts WHERE chunk_id = ? LIMIT 1", (chunk_id,)))

    def chunk_ids(self) -> set[str]:
        return {r[0] for r in self.registry._query("SELECT chunk_id FROM chunk_fts")}

    def df(self, term: str) -> int:
        """How many chunks contain `term` (a stemmed BM25 term)."""
        return self.document_frequencies().get(term, 0)

    def document_frequencies(self) -> dict[str, int]:
        if self._df is None:
            self._df = dict(self.registry._query("SELECT term, doc FROM chunk_vocab"))
        return self._df

    def rarity(self, query: str) -> float:
        """How rare the query's terms are here: the mean over its distinct terms found in the
        chunks of log(N / df) / log(N) (0: in every chunk, 1: in one), 0.0 when none is found.
        A query of rare terms (a claim full of technical names) is one BM25 can pin down; a
        query of common words is one where articles sharing its words crowd out the answer."""
        df = self.document_frequencies()
        if self._n is None:
            self._n = max(len(self), 2)
        n = self._n
        found = [df[t] for t in set(tokenize(query)) if df.get(t)]
        if not found:
            return 0.0
        return float(sum(math.log(n / min(f, n)) for f in found) / (len(found) * math.log(n)))

    @property
    def _postings(self) -> _Postings:
        return _Postings(self.document_frequencies())

    def _read(self, terms: list[str], sql: str, args: tuple):
        """(Stats of the terms, rows of `sql`) in one read transaction: one state of the index."""
        reg = self.registry
        with reg._lock:
            reg._conn.execute("BEGIN")
            try:
                stats = Stats(reg._conn, terms)
                return stats, (reg._conn.execute(sql, args).fetchall() if stats.ok else [])
            finally:
                reg._conn.execute("COMMIT")

    def search_in(self, query: str, doc_ids: set[str], k: int) -> list[tuple[str, float]]:
        """`search(query, k, allowed_docs=doc_ids)`, the same rows and scores to the last bit,
        reading only those documents' chunks (index.bm25_exact) instead of every match in the
        index: for a few articles, far cheaper. What bm25_exact cannot score goes to FTS5."""
        terms = sorted(set(tokenize(query)))
        if not terms or k <= 0 or not doc_ids:
            return []
        if not all(TERM.fullmatch(t) for t in terms) or len(doc_ids) > 500:
            return self.search(query, k, allowed_docs=doc_ids)
        stats, rows = self._read(terms, (
            "SELECT f.chunk_id, f.doc_id, f.terms, d.sz FROM chunk_rows r JOIN chunk_fts f ON f.rowid = r.rowid "
            f"JOIN chunk_fts_docsize d ON d.id = r.rowid WHERE r.doc_id IN ({', '.join('?' * len(doc_ids))})"),
            tuple(doc_ids))
        scored = stats.score(rows) if stats.ok else None
        if scored is None:
            return self.search(query, k, allowed_docs=doc_ids)
        scored.sort(key=lambda x: (-x[1], x[0]))
        return scored[:k]

    def _top(self, match: str, k: int) -> list[tuple[str, float]] | None:
        """What `ORDER BY s DESC, chunk_id LIMIT k` over every match gives, reading the chunk ids
        of the best rows only: ranked by score alone, the matches are only rowids (reading each
        one's chunk id was about 60% of the query at 100k passages). The best k + EXTRA rows are
        read; the k-th score's ties are settled by chunk id, and when they may reach past those
        rows the answer is None (the caller runs the whole query). Caller holds the lock."""
        conn = self.registry._conn
        conn.execute("BEGIN")  # one state of the index for both statements
        try:
            best = conn.execute("SELECT rowid, -bm25(chunk_fts) AS s FROM chunk_fts WHERE chunk_fts MATCH ? "
                                "ORDER BY s DESC LIMIT ?", (match, k + EXTRA)).fetchall()
            if len(best) == k + EXTRA:  # not every match: all those tied with the k-th must be here
                if not best[-1][1] < best[k - 1][1]:
                    return None
                best = [r for r in best if r[1] >= best[k - 1][1]]
            ids = dict(conn.execute(f"SELECT rowid, chunk_id FROM chunk_fts WHERE rowid IN "
                                    f"({', '.join('?' * len(best))})", [r for r, _ in best]).fetchall()) if best else {}
        finally:
            conn.execute("COMMIT")
        return sorted(((ids[r], s) for r, s in best), key=lambda x: (-x[1], x[0]))[:k]

    def search(self, query: str, k: int = 10, allowed_docs: set[str] | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk_id, score), best first; ties broken by chunk id for determinism."""
        terms = sorted(set(tokenize(query)))
        if not terms or k <= 0 or (allowed_docs is not None and not allowed_docs):
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        reg = self.registry
        with reg._lock:
            if allowed_docs is None:
                rows = self._top(match, k)
                if rows is None:  # ties at the k-th score reach past the rows read: FTS5 settles them
                    rows = reg._conn.execute(
                        "SELECT chunk_id, -bm25(chunk_fts) AS s FROM chunk_fts WHERE chunk_fts MATCH ? "
                        "ORDER BY s DESC, chunk_id LIMIT ?", (match, k)).fetchall()
            else:  # the allowed ids as one JSON parameter: no temporary table written per query
                rows = reg._conn.execute(
                    "SELECT chunk_id, -bm25(chunk_fts) AS s FROM chunk_fts WHERE chunk_fts MATCH ? "
                    "AND doc_id IN (SELECT value FROM json_each(?)) ORDER BY s DESC, chunk_id LIMIT ?",
                    (match, json.dumps(sorted(allowed_docs)), k)).fetchall()
        return [(cid, float(s)) for cid, s in rows]

