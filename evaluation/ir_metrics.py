"""Ranking metrics (BEIR conventions): nDCG@k with graded relevance, Recall@k, MRR@k, hit@k.

`ranked` is a list of ids best first; `relevant` maps id -> relevance grade (> 0 relevant).
"""

from __future__ import annotations

import math


def dcg(gains: list[float]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at_k(ranked: list[str], relevant: dict[str, float], k: int = 10) -> float:
    """Normalised DCG with linear gains; 0.0 when nothing is relevant."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    ideal = dcg(sorted((g for g in relevant.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    seen: set[str] = set()
    gains = []
    for doc in ranked[:k]:
        gains.append(relevant.get(doc, 0.0) if doc not in seen else 0.0)  # duplicates earn nothing
        seen.add(doc)
    return dcg(gains) / ideal


def recall_at_k(ranked: list[str], relevant: dict[str, float], k: int) -> float:
    rel = {d for d, g in relevant.items() if g > 0}
    if not rel:
        return 0.0
    return len(rel & set(ranked[:k])) / len(rel)


def hit_at_k(ranked: list[str], relevant: dict[str, float], k: int) -> float:
    return 1.0 if any(relevant.get(d, 0) > 0 for d in ranked[:k]) else 0.0


def mrr_at_k(ranked: list[str], relevant: dict[str, float], k: int | None = None) -> float:
    for i, d in enumerate(ranked[: k or len(ranked)], start=1):
        if relevant.get(d, 0) > 0:
            return 1.0 / i
    return 0.0
