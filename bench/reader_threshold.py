"""Choose the reader's refusal threshold on news dev halves, from a forced-answer suite run.

Every question of a forced-answer run is answered (bench/reader-forced.toml: the reader reads
and its margin is recorded in the verdict features, nothing is refused), so each refusal rule's
figures can be computed offline: an answerable question counts as correct when the rule lets
it through and the answer was correct; an unanswerable one (RealTime QA with its evidence
removed, MultiHop-RAG "insufficient information") counts as refused when the rule refuses it.

    qa eval --suite --split dev --benchmark realtimeqa --benchmark multihop \\
        --config bench/reader-forced.toml --out DEV
    python bench/reader_threshold.py DEV/report.json

Prints, per benchmark and pooled, accuracy / refusal / false refusal for the refusal gate, the
reader's margin at each threshold of a grid, and both together; then the threshold with the
best balanced score (mean of accuracy and refusal, pooled over the benchmarks; refusing
everything scores 0.5, so a useful rule must beat 0.5)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def rows(report: Path) -> list[dict]:
    rep = json.loads(report.read_text())
    out = []
    for bench, by_config in rep["suite"]["benchmarks"].items():
        for rec in next(iter(by_config.values()))["records"]:
            f = rec.get("features") or {}
            if not f or bench not in ("realtimeqa", "multihop"):
                continue
            if bench == "realtimeqa" and rec["type"] not in ("free_form", "evidence_removed"):
                continue
            answerable = bool(rec["answerable"]) and rec["type"] != "evidence_removed"
            out.append({"bench": bench, "answerable": answerable, "correct": bool(rec["correct"]),
                        # no passage read (nothing retrieved): the reader refuses
                        "margin": float(f.get("reader_margin", float("-inf"))), "gate": bool(f.get("gate"))})
    return out


def figures(rs: list[dict], lets_through) -> dict:
    ans = [r for r in rs if r["answerable"]]
    una = [r for r in rs if not r["answerable"]]
    mean = lambda xs: round(sum(xs) / len(xs), 3) if xs else None  # noqa: E731
    return {"accuracy": mean([lets_through(r) and r["correct"] for r in ans]),
            "refusal": mean([not lets_through(r) for r in una]),
            "false_refusal": mean([not lets_through(r) for r in ans]), "n": (len(ans), len(una))}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("report", type=Path)
    ap.add_argument("--grid", default="-4,-3,-2,-1,-0.5,0,0.5,1,1.5,2,3,4,5,6")
    a = ap.parse_args(argv)
    rs = rows(a.report)
    if not rs:
        print("no rows with verdict features: run the suite with --config bench/reader-forced.toml", file=sys.stderr)
        return 2
    grid = [float(x) for x in a.grid.split(",")]
    rules = {"gate": lambda r: r["gate"], "none (answer all)": lambda r: True}
    for t in grid:
        rules[f"reader > {t:g}"] = (lambda t: lambda r: r["margin"] > t)(t)
        rules[f"gate and reader > {t:g}"] = (lambda t: lambda r: r["gate"] and r["margin"] > t)(t)
    benches = sorted({r["bench"] for r in rs})
    print("| rule | " + " | ".join(f"{b} acc / refusal / false ref." for b in benches) + " | pooled balanced |")
    print("|---|" + "---|" * (len(benches) + 1))
    best = None
    for name, rule in rules.items():
        cells, bal = [], []
        for b in benches:
            f = figures([r for r in rs if r["bench"] == b], rule)
            cells.append(f"{f['accuracy']} / {f['refusal']} / {f['false_refusal']}")
            bal.append(((f["accuracy"] or 0) + (f["refusal"] or 0)) / 2)
        score = round(sum(bal) / len(bal), 3)
        print(f"| {name} | " + " | ".join(cells) + f" | {score} |")
        if name.startswith("reader >") and (best is None or score > best[1]):
            best = (name, score)
    print(f"\nbest reader rule on these rows: {best[0]} (balanced {best[1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
