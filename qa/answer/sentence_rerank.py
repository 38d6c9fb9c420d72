"""The cross-encoder second stage of sentence choice in quote mode: the best `depth` sentences
of the first-stage score (qa.answer.quote.SentenceScorer) are re-ordered by a cross-encoder
(index.cross_encoder, ms-marco MiniLM-L-12 reading question and sentence together).

The first stage's weights were fitted on the seed articles; on RealTime QA dev questions the
cross-encoder alone puts the answer's sentence first more often (bench/sentence_rerank.py).

Scores stay on the first stage's scale, so the ratio rules downstream (a further sentence
scores at least `rel` of the best, conflicts within `band` of the best, the follow-on sentence
at least `follow` of the best) keep their meaning: the re-ordered sentences get the best
first-stage score times their cross-encoder probability relative to the best one's, and the
sentences below the re-ranked ones are scaled under the lowest of them, in their order."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from index.cross_encoder import PairScorer

from ..types import Sentence


class SentenceReranker:
    """Re-orders the first `depth` ranked sentences by `scorer` (question, sentence) logits."""

    def __init__(self, scorer: PairScorer, depth: int = 10):
        if depth < 1:
            raise ValueError(f"SentenceReranker depth must be >= 1, got {depth}")
        if not callable(getattr(scorer, "score", None)):
            raise TypeError(f"SentenceReranker scorer must have score(query, texts), got {type(scorer).__name__}")
        self.scorer = scorer
        self.depth = depth

    def rerank(self, question: str, ranked: Sequence[Sentence]) -> list[Sentence]:
        """`ranked` (best first) with its first `depth` re-ordered; scores rewritten in place."""
        ranked = list(ranked)
        if len(ranked) < 2:
            return ranked
        head, tail = ranked[:self.depth], ranked[self.depth:]
        logits = np.asarray(self.scorer.score(question, [s.text for s in head]), dtype=np.float64)
        if logits.shape != (len(head),):
            raise ValueError(f"cross-encoder gave {logits.shape} scores for {len(head)} sentences")
        for s, x in zip(head, logits):
            s.ce = float(x)
        top = max(s.score for s in head)
        if top <= 0:  # nothing to scale against: order by the cross-encoder, scores as they were
            order = sorted(range(len(head)), key=lambda i: (-logits[i], i))
            return [head[i] for i in order] + tail
        probs = 1.0 / (1.0 + np.exp(-np.clip(logits, -50.0, 50.0)))
        for s, p in zip(head, probs / probs.max()):
            s.score = top * float(p)
        order = sorted(range(len(head)), key=lambda i: (-head[i].score, i))
        head = [head[i] for i in order]
        floor = head[-1].score
        if tail and tail[0].score > floor:
            scale = 0.999 * floor / tail[0].score  # strictly under the re-ranked ones
            for s in tail:
                s.score = s.score * scale if s.score > 0 else s.score
        return head + tail


__all__ = ["SentenceReranker"]
