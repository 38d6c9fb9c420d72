"""Generated news-like documents and vectors for scale runs beyond the real articles
(`bench/scale.py --grow`).

A generated article is ~`sentences` sentences drawn (seeded, per article) from the real base
articles, under an id `gen-NNNNNNN`, one of 40 outlets and a date in 2023-2024: BM25 sees real
news vocabulary, date and outlet filters have data, and two generated articles share few
sentences, so they are not near-duplicates of each other (no artificial syndication clusters).

Its chunks' vectors are generated, not embedded: the mean of the real vectors of the base
chunks its sentences came from, plus small noise (sigma 0.02, seeded by the text), unit
length. Real chunks keep their real vectors. The query side always uses the real model.
"""

from __future__ import annotations

import hashlib
import random
import time
from datetime import date, timedelta
from typing import Iterator

import numpy as np

OUTLETS = tuple(f"Outlet {i:02d}" for i in range(40))
PREFIX = "gen-"
SIGMA = 0.02


def sentence_vectors(docs, chunker, table: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each sentence of the base articles -> the real vector of the first chunk holding it."""
    from index import split_sentences

    out: dict[str, np.ndarray] = {}
    for d in docs:
        for c in chunker.chunk(d):
            vec = table.get(c.text)
            if vec is None:
                continue
            for a, b in split_sentences(c.text):
                out.setdefault(c.text[a:b], vec)
    return out


def generated_documents(pool: list[str], start: int, sentences: int = 18, seed: int = 7) -> Iterator:
    """Generated articles gen-<start>, gen-<start+1>, ... (endless; deterministic per index)."""
    from corpus import Document

    day0 = date(2023, 1, 1)
    j = start
    while True:
        rng = random.Random(f"{seed}:{j}")
        text = " ".join(rng.choice(pool) for _ in range(sentences))
        yield Document(doc_id=f"{PREFIX}{j:07d}", title=f"Generated article {j}", outlet=rng.choice(OUTLETS),
                       published=(day0 + timedelta(days=rng.randrange(730))).isoformat(), text=text)
        j += 1


class GeneratedEmbedder:
    """Real vectors for real chunk texts (`table`), generated ones for the rest (see module
    doc); `seconds` counts the time spent here, so ingest rates can leave it out."""

    def __init__(self, inner, table: dict[str, np.ndarray], by_sentence: dict[str, np.ndarray], name: str):
        self.inner, self.table, self.by_sentence, self.name = inner, table, by_sentence, name
        self.fallback = np.stack(list(table.values())) if table else np.zeros((1, 384), np.float32)
        self.seconds = 0.0
        self.generate = True  # during ingest; off afterwards: sentences the answerer scores are embedded for real

    def _generated(self, text: str) -> np.ndarray:
        from index import split_sentences

        h = int(hashlib.md5(text.encode()).hexdigest()[:8], 16)
        parts = [self.by_sentence[text[a:b]] for a, b in split_sentences(text) if text[a:b] in self.by_sentence]
        v = np.mean(parts, axis=0) if parts else self.fallback[h % len(self.fallback)]
        v = v + np.random.default_rng(h).normal(0, SIGMA, v.shape)
        return (v / np.linalg.norm(v)).astype(np.float32)

    def embed_documents(self, texts):
        t = time.perf_counter()
        if not self.generate:
            missing = [x for x in dict.fromkeys(texts) if x not in self.table]
            if missing:
                self.table.update(zip(missing, self.inner.embed_documents(missing)))
        out = [self.table[x] if x in self.table else self._generated(x) for x in texts]
        self.seconds += time.perf_counter() - t
        return np.stack(out) if out else np.zeros((0, self.fallback.shape[1]), np.float32)

    def embed_query(self, text):
        return self.inner.embed_query(text)


__all__ = ["GeneratedEmbedder", "OUTLETS", "PREFIX", "generated_documents", "sentence_vectors"]
