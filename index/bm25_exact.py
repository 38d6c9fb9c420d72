"""FTS5's bm25() recomputed in Python for chosen rows, equal to the last bit, so that BM25
search need not score every match in the index (index.bm25_sqlite).

FTS5 (fts5_aux.c) scores a row, for the phrases of the query in order, as

    idf_i = log((N - n_i + 0.5) / (n_i + 0.5)), or 1e-6 when that is <= 0
    score = sum_i idf_i * (f_i * (k1 + 1)) / (f_i + k1 * (1 - b + b * D / avgdl))

with N its row count and avgdl its token total / N (the averages record, %_data id 1), n_i
the rows holding phrase i (fts5vocab's `doc`), f_i the phrase's occurrences in the row and D
the row's tokens (%_docsize). The same double operations in the same order give the same
double. A phrase here is one BM25 term, and the terms and rows read are lower-case ASCII
letters and digits joined by single spaces, which unicode61 splits exactly where str.split
does; anything else (and any row whose token count disagrees with FTS5's) answers None, and
the caller asks FTS5 itself.

(A MaxScore top-k search on these scores, bounding each term by idf * (k1 + 1), fell back to
FTS5 for 295 of 300 RealTime QA questions at 100k passages: the bound is too loose to prune.)
"""

from __future__ import annotations

import math
import re

K1, B = 1.2, 0.75  # FTS5's bm25() constants
TERM = re.compile(r"[0-9a-z]+")
_ROW = re.compile(r"[0-9a-z]+(?: [0-9a-z]+)*")


def varints(blob: bytes) -> list[int]:
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


class Stats:
    """FTS5's statistics for one query's terms, read in the caller's read transaction."""

    def __init__(self, conn, terms: list[str]):
        averages = conn.execute("SELECT block FROM chunk_fts_data WHERE id = 1").fetchall()
        self.hits: dict[str, int] = dict(conn.execute(
            f"SELECT term, doc FROM chunk_vocab WHERE term IN ({', '.join('?' * len(terms))})", terms).fetchall())
        totals = varints(averages[0][0]) if averages else []
        self.ok = len(totals) >= 2 and totals[0] > 0
        self.terms = terms
        self.idf: list[float] = []
        if self.ok:
            n_row = totals[0]
            self.avgdl = float(sum(totals[1:])) / float(n_row)
            for t in terms:
                v = math.log((n_row - self.hits.get(t, 0) + 0.5) / (self.hits.get(t, 0) + 0.5))
                self.idf.append(v if v > 0.0 else 1e-6)

    def score(self, rows, allowed_docs: set[str] | None = None) -> list[tuple[str, float]] | None:
        """(chunk_id, score as `-bm25()`) of the rows (chunk_id, doc_id, terms, docsize) that
        match a term, in the allowed documents; None when one cannot be scored exactly here."""
        out, wanted, avgdl = [], set(self.terms), self.avgdl
        for cid, doc_id, text, size in rows:
            if allowed_docs is not None and doc_id not in allowed_docs:
                continue
            toks = text.split(" ")
            present = wanted.intersection(toks)
            if not present:
                continue  # no term: not a match (FTS5 scores matches only)
            d = sum(size) if max(size, default=0) < 0x80 else sum(varints(size))  # one-byte varints: the bytes
            if not _ROW.fullmatch(text) or len(toks) != d:
                return None
            d, score = float(d), 0.0
            for w, t in zip(self.idf, self.terms):
                f = float(toks.count(t)) if t in present else 0.0
                score += w * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + B * d / avgdl)))
            out.append((cid, -(-1.0 * score)))
        return out


__all__ = ["B", "K1", "Stats", "TERM", "varints"]
