"""Near-duplicate (syndicated) articles by MinHash over word 5-gram shingles (`datasketch`).

Each document's signature is stored in the registry with its record. Clusters are the
connected components of pairs whose estimated Jaccard similarity reaches `threshold`
(candidates from LSH, then checked on the signatures); a cluster's head is its earliest copy
(publication date, then id), and every other member records `dup_of = head`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .text import words

SHINGLE = 5
SEED = 1


@lru_cache(maxsize=4)
def _template(num_perm: int):
    from datasketch import MinHash

    return MinHash(num_perm=num_perm, seed=SEED, hashfunc=zlib.crc32)


@dataclass(frozen=True)
class DuplicateDetector:
    threshold: float = 0.8
    num_perm: int = 128

    def __post_init__(self) -> None:
        if not (0.0 < self.threshold <= 1.0):
            raise ValueError(f"duplicate threshold must be in (0, 1], got {self.threshold}")
        if self.num_perm < 16:
            raise ValueError(f"num_perm must be >= 16, got {self.num_perm}")

    def signature(self, text: str) -> bytes:
        from datasketch import MinHash

        toks = words(text)
        grams = {" ".join(toks[i : i + SHINGLE]) for i in range(max(len(toks) - SHINGLE + 1, 1))}
        t = _template(self.num_perm)  # its permutations are made once, not per document
        m = MinHash(num_perm=self.num_perm, seed=SEED, hashfunc=zlib.crc32, permutations=t.permutations,
                    scheme=t.scheme)  # crc32: C speed, deterministic
        m.update_batch([g.encode("utf-8") for g in grams])
        return np.asarray(m.hashvalues, dtype=np.uint64).tobytes()

    def clusters(self, signatures: dict[str, bytes], order: dict[str, tuple]) -> dict[str, tuple[str | None, int]]:
        """doc_id -> (dup_of or None for a head / a singleton, cluster size), for every
        document; `order` gives each document's sort key (earliest first)."""
        from datasketch import LeanMinHash, MinHash, MinHashLSH

        scheme = MinHash(num_perm=self.num_perm, seed=SEED, hashfunc=zlib.crc32).scheme  # the one signature() uses
        lsh = MinHashLSH(threshold=self.threshold, num_perm=self.num_perm)
        hashes = {}
        for doc_id, raw in signatures.items():
            hv = np.frombuffer(raw, dtype=np.uint64)
            if len(hv) != self.num_perm:
                continue  # made with other settings: left out until re-ingested
            hashes[doc_id] = LeanMinHash(seed=SEED, hashvalues=hv, scheme=scheme)
            lsh.insert(doc_id, hashes[doc_id], check_duplication=False)
        parent = {d: d for d in hashes}

        def find(d: str) -> str:
            while parent[d] != d:
                parent[d] = parent[parent[d]]
                d = parent[d]
            return d

        for doc_id, m in hashes.items():
            for other in lsh.query(m):
                if other != doc_id and m.jaccard(hashes[other]) >= self.threshold:
                    parent[find(other)] = find(doc_id)
        members: dict[str, list[str]] = {}
        for d in hashes:
            members.setdefault(find(d), []).append(d)
        out: dict[str, tuple[str | None, int]] = {}
        for group in members.values():
            group.sort(key=lambda d: order.get(d, ("9999-99-99", d)))
            head = group[0]
            for d in group:
                out[d] = (None if d == head else head, len(group))
        return out
