"""Re-rank candidate answer sentences with the cross-encoder: a cheap first score (MiniLM
cosine + term coverage, `qa.quote.SentenceScorer`) keeps the best `depth` sentences, the
cross-encoder reads each of them with the question, and they are re-ordered by its score."""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np


class PairScorer(Protocol):
    def score(self, question: str, texts: list[str]) -> np.ndarray: ...


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


class CrossEncoderRanker:
    """`rerank(question, ranked)`: the first `depth` sentences of `ranked` (best first by the
    cheap score) get `ce` (the cross-encoder logit) and `score = sigmoid(ce)`, and come first,
    best first; the others follow in their order with scores below every re-scored one."""

    def __init__(self, scorer: PairScorer, depth: int = 16, reorder: bool = True):
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        self.scorer = scorer
        self.depth = depth
        self.reorder = reorder  # False: only read (fill `ce` for the judge), keep the cheap order

    def rerank(self, question: str, ranked: list) -> list:
        if not ranked:
            return []
        head, tail = ranked[:self.depth], ranked[self.depth:]
        logits = self.scorer.score(question, [s.text for s in head])
        for s, v in zip(head, logits):
            s.ce = float(v)
        if not self.reorder:
            return head + tail
        for s in head:
            s.score = sigmoid(s.ce)
        head = sorted(head, key=lambda s: (-s.ce, s.rank, s.doc_id, s.start))
        floor = min(s.score for s in head)
        for i, s in enumerate(tail):
            s.score = floor * 0.5 / (1 + i)
        return head + tail
