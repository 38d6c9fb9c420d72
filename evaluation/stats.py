"""Summaries of benchmark records: means with bootstrap 95% confidence intervals (numpy, fixed
seed), per question type, latency percentiles, configuration deltas and a reliability table of
the answerability score against actual correctness."""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from . import metrics as M

SEED = 20240531
RESAMPLES = 1000
# Metrics where a higher value is worse (the gate and the deltas read them the other way).
LOWER_IS_BETTER = frozenset({"false_refusal", "fallback", "fake_answer_rate", "mixed_fake_answer_rate"})


def bootstrap_ci(values: Sequence[float], resamples: int = RESAMPLES, seed: int = SEED) -> tuple[float, float] | None:
    """Percentile 95% interval of the mean; None for no values."""
    x = np.asarray([v for v in values if v is not None], dtype=float)
    if x.size == 0:
        return None
    if x.size == 1:
        return float(x[0]), float(x[0])
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(resamples, x.size))].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return float(lo), float(hi)


def metric_summary(values: Iterable[float | None]) -> dict | None:
    xs = [float(v) for v in values if v is not None]
    if not xs:
        return None
    ci = bootstrap_ci(xs)
    return {"mean": sum(xs) / len(xs), "n": len(xs), "ci95": list(ci) if ci else None}


def _metric_names(records: Sequence[dict]) -> list[str]:
    names: dict[str, None] = {}
    for r in records:
        for k in r["metrics"]:
            names.setdefault(k, None)
    return list(names)


def summarize(records: Sequence[dict]) -> dict:
    """{"n", "metrics": {name: {mean, n, ci95}}, "latency": {p50, p95, ...}}"""
    metrics = {}
    for name in _metric_names(records):
        s = metric_summary(r["metrics"].get(name) for r in records)
        if s is not None:
            metrics[name] = s
    lat = M.latency_summary([r["latency"] for r in records if r.get("latency")])
    return {"n": len(records), "metrics": metrics, "latency": lat}


def summarize_by_type(records: Sequence[dict]) -> dict[str, dict]:
    types = sorted({r["type"] for r in records})
    return {t: summarize([r for r in records if r["type"] == t]) for t in types}


def paired_delta(base: Sequence[dict], other: Sequence[dict], metric: str) -> dict | None:
    """Mean difference other - base over the items both scored (matched by type and id), with a
    paired bootstrap 95% interval."""
    a = {(r["type"], r["id"]): r["metrics"].get(metric) for r in base}
    b = {(r["type"], r["id"]): r["metrics"].get(metric) for r in other}
    diffs = [b[key] - a[key] for key in a if key in b and a[key] is not None and b[key] is not None]
    if not diffs:
        return None
    ci = bootstrap_ci(diffs)
    return {"delta": sum(diffs) / len(diffs), "n": len(diffs), "ci95": list(ci) if ci else None}


def reliability(records: Sequence[dict], bins: int = 5) -> list[dict]:
    """Items with an answerability score, binned by score: mean score and, per bin, the share
    of items answered correctly (an answerable question with a correct answer; a question with
    no answer in the corpus counts as 0 whatever the system did: the score predicts whether a
    correct answer can be given, not whether a refusal is right)."""
    scored = [(float(r["score"]), bool(r.get("answerable", True)) and bool(r["correct"]))
              for r in records if r.get("score") is not None]
    if not scored:
        return []
    edges = np.linspace(0.0, 1.0, bins + 1)
    lo_all = min(s for s, _ in scored)
    hi_all = max(s for s, _ in scored)
    if lo_all < 0.0 or hi_all > 1.0:  # not a probability: bin by rank instead of value
        edges = np.quantile([s for s, _ in scored], np.linspace(0, 1, bins + 1))
    out = []
    for i in range(bins):
        lo, hi = edges[i], edges[i + 1]
        inside = [(s, c) for s, c in scored if (lo <= s < hi) or (i == bins - 1 and s == hi)]
        if inside:
            out.append({"lo": float(lo), "hi": float(hi), "n": len(inside),
                        "score": sum(s for s, _ in inside) / len(inside),
                        "correct": sum(c for _, c in inside) / len(inside)})
    return out
