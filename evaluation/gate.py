"""The quality gate: a committed baseline of suite metrics on a fixed small sample, and a check
that fails when a metric falls below its baseline by more than the largest of: the baseline's
bootstrap 95% interval (its extent below the mean), `tolerance`, and one item of the sample
(1/n: on a handful of items a percentile interval at 0 or 1 has no width, and one flipped item is
noise, not a regression).

The baseline file records the sample it was measured on (split, quick size, mode, benchmarks),
so the check always re-runs exactly that sample. Regenerate it with one command:

    qa eval --suite --quick 8 --split dev --write-baseline evaluation/baseline.json
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from .files import read_json
from .stats import LOWER_IS_BETTER

DEFAULT_TOLERANCE = 0.05
REGENERATE = "qa eval --suite --quick 8 --split dev --write-baseline evaluation/baseline.json"
NOT_GATED = ("ev_recall@all", "fact_recall@all")  # these move with k, not with quality


def baseline_from(report: dict, config: str | None = None, reason: str = "") -> dict:
    """The baseline of one configuration (default: the first) of a suite report."""
    suite = report["suite"]
    config = config or suite["configs"][0]
    meta = report.get("meta") or {}
    metrics = {}
    for bench, runs in suite["benchmarks"].items():
        ms = runs[config]["summary"]["metrics"]
        metrics[bench] = {m: {"mean": round(s["mean"], 4), "n": s["n"],
                              "ci95": [round(x, 4) for x in s["ci95"]] if s.get("ci95") else None}
                          for m, s in ms.items() if m not in NOT_GATED}
    return {"created": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "reason": reason,
            "regenerate": REGENERATE, "tolerance": DEFAULT_TOLERANCE,
            "sample": {"split": meta.get("split"), "quick": meta.get("quick"), "mode": meta.get("mode"),
                       "benchmarks": list(suite["benchmarks"])},
            "config": meta.get("configs", {}).get(config, {}), "metrics": metrics}


def write_baseline(path: str | Path, baseline: dict) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(baseline, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def load_baseline(path: str | Path) -> dict:
    data = read_json(path, "a quality-gate baseline", f"regenerate it with `{REGENERATE}`")
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict) or "sample" not in data:
        raise ValueError(f"baseline {path} has no 'metrics'/'sample'; regenerate it with `{REGENERATE}`")
    return data


def check(report: dict, baseline: dict, config: str | None = None, tolerance: float | None = None) -> list[str]:
    """Regressions of `config` (default: the first) against the baseline, one line each; []: passed."""
    suite = report["suite"]
    config = config or suite["configs"][0]
    tol = baseline.get("tolerance", DEFAULT_TOLERANCE) if tolerance is None else tolerance
    failures = []
    for bench, base_metrics in baseline["metrics"].items():
        runs = suite["benchmarks"].get(bench)
        if runs is None:
            failures.append(f"{bench}: not run (the baseline has it)")
            continue
        now = runs[config]["summary"]["metrics"]
        for m, b in base_metrics.items():
            if m not in now:
                failures.append(f"{bench}.{m}: missing from this run (baseline {b['mean']:.3f})")
                continue
            ci = b.get("ci95") or [b["mean"], b["mean"]]
            cur = now[m]["mean"]
            one = 1.0 / max(1, b.get("n") or 1) + 1e-9
            if m in LOWER_IS_BETTER:
                allowed = max(ci[1] - b["mean"], tol, one)
                if cur > b["mean"] + allowed:
                    failures.append(f"{bench}.{m}: {cur:.3f} > baseline {b['mean']:.3f} + {allowed:.3f}")
            else:
                allowed = max(b["mean"] - ci[0], tol, one)
                if cur < b["mean"] - allowed:
                    failures.append(f"{bench}.{m}: {cur:.3f} < baseline {b['mean']:.3f} - {allowed:.3f}")
    return failures
