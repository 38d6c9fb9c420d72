"""BM25 over SQLite FTS5 in the registry file: terms are written in the same transaction that
commits a document, so BM25 always holds exactly the committed documents' chunks, persisted
incrementally (no whole-corpus object to rebuild, load or pickle).

Terms are the project's BM25 terms (index.text.tokenize: folded, stop words dropped,
Porter-stemmed), stored space-joined; FTS5's bm25() ranks them (k1 = 1.2, b = 0.75).
"""

from __future__ import annotations

import json
import math
import re

from .registry import Registry
from .text import tokenize

K1, B = 1.2, 0.75  # FTS5's bm25() constants
# Terms and rows of lower-case ASCII letters and digits: unicode61 splits them on the spaces alone
_TERM = re.compile(r"[0-9a-z]+")
_ROW = re.compile(r"[0-9a-z]+(?: [0-9a-z]+)*")


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

    def search_in(self, query: str, doc_ids: set[str], k: int) -> list[tuple[str, float]]:
        """`search(query, k, allowed_docs=doc_ids)`: the same rows, the same scores to the last
        bit, but reading only those documents' chunks instead of scoring every match in the
        index (for a few articles, far cheaper). FTS5's bm25() is computed here from FTS5's own
        statistics: its row count and token total (the averages record), each term's row count
        (fts5vocab) and each row's token count (docsize), in FTS5's order of operations. Terms or
        rows beyond lower-case ASCII letters and digits (which unicode61 might split otherwise),
        or a row whose tokens disagree with FTS5's count, send the query to `search`."""
        terms = sorted(set(tokenize(query)))
        if not terms or k <= 0 or not doc_ids:
            return []
        if not all(_TERM.fullmatch(t) for t in terms) or len(doc_ids) > 500:
            return self.search(query, k, allowed_docs=doc_ids)
        marks = ", ".join("?" * len(doc_ids))
        reg = self.registry
        with reg._lock:  # one read transaction: statistics and rows of one state of the index
            reg._conn.execute("BEGIN")
            try:
                averages = reg._conn.execute("SELECT block FROM chunk_fts_data WHERE id = 1").fetchall()
                hits = dict(reg._conn.execute(
                    f"SELECT term, doc FROM chunk_vocab WHERE term IN ({', '.join('?' * len(terms))})",
                    terms).fetchall())
                rows = reg._conn.execute(
                    "SELECT f.chunk_id, f.terms, d.sz FROM chunk_rows r JOIN chunk_fts f ON f.rowid = r.rowid "
                    f"JOIN chunk_fts_docsize d ON d.id = r.rowid WHERE r.doc_id IN ({marks})",
                    tuple(doc_ids)).fetchall()
            finally:
                reg._conn.execute("COMMIT")
        totals = _varints(averages[0][0]) if averages else []
        if len(totals) < 2 or totals[0] <= 0:
            return self.search(query, k, allowed_docs=doc_ids)
        n_row = totals[0]
        avgdl = float(sum(totals[1:])) / float(n_row)
        idf = []
        for t in terms:
            v = math.log((n_row - hits.get(t, 0) + 0.5) / (hits.get(t, 0) + 0.5))
            idf.append(v if v > 0.0 else 1e-6)
        out, wanted = [], set(terms)
        for cid, text, size in rows:
            toks = text.split(" ")
            present = wanted.intersection(toks)
            if not present:
                continue  # no term: not a match (FTS5 scores matches only)
            d = sum(size) if max(size, default=0) < 0x80 else sum(_varints(size))  # one-byte varints: the bytes
            if not _ROW.fullmatch(text) or len(toks) != d:
                return self.search(query, k, allowed_docs=doc_ids)
            d, score = float(d), 0.0
            for w, t in zip(idf, terms):
                f = float(toks.count(t)) if t in present else 0.0
                score += w * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + B * d / avgdl)))
            out.append((cid, -(-1.0 * score)))
        out.sort(key=lambda x: (-x[1], x[0]))
        return out[:k]

    def search(self, query: str, k: int = 10, allowed_docs: set[str] | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk_id, score), best first; ties broken by chunk id for determinism."""
        terms = sorted(set(tokenize(query)))
        if not terms or k <= 0 or (allowed_docs is not None and not allowed_docs):
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        reg = self.registry
        with reg._lock:
            if allowed_docs is None:
                rows = reg._conn.execute(
                    "SELECT chunk_id, -bm25(chunk_fts) AS s FROM chunk_fts WHERE chunk_fts MATCH ? "
                    "ORDER BY s DESC, chunk_id LIMIT ?", (match, k)).fetchall()
            else:  # the allowed ids as one JSON parameter: no temporary table written per query
                rows = reg._conn.execute(
                    "SELECT chunk_id, -bm25(chunk_fts) AS s FROM chunk_fts WHERE chunk_fts MATCH ? "
                    "AND doc_id IN (SELECT value FROM json_each(?)) ORDER BY s DESC, chunk_id LIMIT ?",
                    (match, json.dumps(sorted(allowed_docs)), k)).fetchall()
        return [(cid, float(s)) for cid, s in rows]


def _varints(blob: bytes) -> list[int]:
    """SQLite's varints (FTS5's record format): big-endian 7-bit groups, high bit = more; a 9th
    byte gives all 8 bits."""
    out, i = [], 0
    while i < len(blob):
        v = 0
        for j in range(9):
            x = blob[i]
            i += 1
            if j == 8:
                v = (v << 8) | x
                break
            v = (v << 7) | (x & 0x7F)
            if not x & 0x80:
                break
        out.append(v)
    return out
