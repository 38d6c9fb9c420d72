"""The suite section of a report: per benchmark, every configuration side by side (mean and
bootstrap 95% CI, deltas against the first configuration), per question type accuracy, refusal,
false refusal, citation precision and latency p50/p95, published figures; and the plots
(headline metrics with CI error bars, per-type accuracy, the answerability-score reliability
plot). `report.markdown()` / `report.figures()` call these for a report with a "suite" key."""

from __future__ import annotations

from typing import Any

from .report import table

TYPE_COLUMNS = ("accuracy", "refusal", "false_refusal", "fallback", "citation_precision")


def _mean_ci(s: dict | None) -> str:
    if not s:
        return "–"
    ci = s.get("ci95")
    return f"{s['mean']:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else f"{s['mean']:.3f}"


def _delta(d: dict | None) -> str:
    if not d:
        return "–"
    ci = d.get("ci95") or [d["delta"], d["delta"]]
    sig = "" if ci[0] <= 0.0 <= ci[1] else " *"
    return f"{d['delta']:+.3f} [{ci[0]:+.3f}, {ci[1]:+.3f}]{sig}"


def _ms(lat: dict, key: str) -> str:
    v = (lat or {}).get(key)
    return "–" if v is None else f"{v * 1000:.0f}"


def bench_markdown(bench: str, runs: dict, deltas: dict, configs: list[str], published: dict | None) -> str:
    first = runs[configs[0]]
    parts = [f"## {bench} ({first['questions']} questions, {first['documents']} documents indexed)"]
    metrics = list(first["summary"]["metrics"])
    header = ["metric", *[f"{c} (mean [95% CI])" for c in configs]]
    header += [f"Δ {c} − {configs[0]}" for c in configs[1:]]
    rows = []
    for m in metrics:
        row: list[Any] = [m, *[_mean_ci(runs[c]["summary"]["metrics"].get(m)) for c in configs]]
        row += [_delta((deltas.get(c) or {}).get(m)) for c in configs[1:]]
        rows.append(row)
    rows.append(["latency p50 / p95 (ms)", *[f"{_ms(runs[c]['summary']['latency'], 'p50')} / "
                                              f"{_ms(runs[c]['summary']['latency'], 'p95')}" for c in configs],
                 *["" for _ in configs[1:]]])
    parts.append(table(header, rows))
    if len(configs) > 1:
        parts.append("Δ: paired over the items both configurations scored; * the 95% interval excludes 0.")
    for c in configs:
        by_type = runs[c]["by_type"]
        trows = []
        for t, s in by_type.items():
            ms = s["metrics"]
            trows.append([t, s["n"], *[(ms.get(m) or {}).get("mean") for m in TYPE_COLUMNS],
                          _ms(s["latency"], "p50"), _ms(s["latency"], "p95")])
        parts.append(f"By question type, {c}:")
        parts.append(table(["type", "n", *TYPE_COLUMNS, "p50 ms", "p95 ms"], trows))
    if published and published.get("figures"):
        parts.append(f"Published figures ({published['note']}):")
        parts.append(table(["system", "value"], [[k, v] for k, v in published["figures"].items()]))
    elif published:
        parts.append(f"Published figures: {published['note']}.")
    return "\n\n".join(parts)


def suite_markdown(suite: dict) -> str:
    configs = suite["configs"]
    parts = ["# Benchmark suite: " + ", ".join(configs)]
    for bench, runs in suite["benchmarks"].items():
        parts.append(bench_markdown(bench, runs, suite["deltas"].get(bench, {}), configs,
                                    (suite.get("published") or {}).get(bench)))
    for c, bins in (suite.get("reliability") or {}).items():
        if bins:
            parts.append(f"Answerability score (verdict.score) against the share of items answered correctly "
                         f"(unanswerable items count as not answered correctly), {c}:")
            parts.append(table(["score bin", "n", "mean score", "share answered correctly"],
                               [[f"{b['lo']:.2f}–{b['hi']:.2f}", b["n"], b["score"], b["correct"]] for b in bins]))
        else:
            parts.append(f"Reliability, {c}: the answers carry no answerability score (verdict.score).")
    return "\n\n".join(parts)


def suite_figures(suite: dict, png) -> dict[str, bytes]:
    import matplotlib.pyplot as plt

    figs: dict[str, bytes] = {}
    configs = suite["configs"]
    for bench, runs in suite["benchmarks"].items():
        metrics = [m for m in runs[configs[0]]["summary"]["metrics"] if not m.endswith("@all")][:9]
        if not metrics:
            continue
        fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(metrics) * len(configs)), 4))
        width = 0.8 / len(configs)
        for i, c in enumerate(configs):
            ms = runs[c]["summary"]["metrics"]
            ys = [(ms.get(m) or {}).get("mean") or 0.0 for m in metrics]
            err = [[max(0.0, y - ((ms.get(m) or {}).get("ci95") or [y, y])[0]) for m, y in zip(metrics, ys)],
                   [max(0.0, ((ms.get(m) or {}).get("ci95") or [y, y])[1] - y) for m, y in zip(metrics, ys)]]
            ax.bar([x + i * width for x in range(len(metrics))], ys, width, yerr=err, capsize=3, label=c)
        ax.set_xticks([x + width * (len(configs) - 1) / 2 for x in range(len(metrics))], metrics,
                      rotation=30, ha="right")
        ax.set(ylim=(0, 1.05), ylabel="mean (95% bootstrap CI)", title=f"{bench}: metrics by configuration")
        ax.legend(fontsize=8)
        figs[f"suite_{bench}"] = png(fig)
        types = list(runs[configs[0]]["by_type"])
        fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(types) * len(configs)), 4))
        for i, c in enumerate(configs):
            bt = runs[c]["by_type"]
            ys = [_correct_rate(bt.get(t)) for t in types]
            ax.bar([x + i * width for x in range(len(types))], ys, width, label=c)
        ax.set_xticks([x + width * (len(configs) - 1) / 2 for x in range(len(types))], types, rotation=30, ha="right")
        ax.set(ylim=(0, 1.05), ylabel="share correct (refusal for null types)",
               title=f"{bench}: by question type")
        ax.legend(fontsize=8)
        figs[f"suite_{bench}_by_type"] = png(fig)
    rel = {c: b for c, b in (suite.get("reliability") or {}).items() if b}
    if rel:
        fig, ax = plt.subplots(figsize=(5, 5))
        ax.plot([0, 1], [0, 1], ls="--", color="grey", label="perfectly calibrated")
        for c, bins in rel.items():
            ax.plot([b["score"] for b in bins], [b["correct"] for b in bins], marker="o", label=c)
        ax.set(xlabel="answerability score (verdict.score, bin mean)", ylabel="share answered correctly",
               title="Reliability of the answerability score", xlim=(0, 1), ylim=(0, 1.02))
        ax.legend(fontsize=8)
        figs["suite_reliability"] = png(fig)
    return figs


def _correct_rate(s: dict | None) -> float:
    if not s:
        return 0.0
    ms = s["metrics"]
    for m in ("accuracy", "refusal", "error_detection", "mixed_accuracy"):
        if ms.get(m):
            return ms[m]["mean"]
    return 0.0



def select_configs(report: dict, names: list[str]) -> dict:
    """The report restricted to `names` (in that order), deltas recomputed against the first."""
    from .stats import paired_delta

    suite = report["suite"]
    names = [n for n in names if n in suite["configs"]]
    if not names:
        raise ValueError(f"none of the chosen configurations is in this report; it has {', '.join(suite['configs'])}")
    benches = {b: {c: runs[c] for c in names} for b, runs in suite["benchmarks"].items()}
    deltas = {b: {c: {m: paired_delta(runs[names[0]]["records"], runs[c]["records"], m)
                      for m in runs[names[0]]["summary"]["metrics"]} for c in names[1:]}
              for b, runs in benches.items()}
    rel = {c: (suite.get("reliability") or {}).get(c, []) for c in names}
    return {**report, "suite": {**suite, "configs": names, "benchmarks": benches, "deltas": deltas, "reliability": rel}}
