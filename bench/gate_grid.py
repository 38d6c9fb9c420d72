"""The refusal gate's cosine thresholds re-chosen from a suite report, without re-running it.

Raising `gate.min_sem` / `gate.strong_sem` only refuses questions the gate let through, so
their effect is exact from each record's verdict features (`best_sem`, `best_lex`): a question
stays answered iff it was answered and the new "far" check passes (qa.evidence.gate:
refused when best_sem < min_sem, or best_sem < strong_sem and best_lex < min_lex). Run the
suite on a dev split first, then:

    python bench/gate_grid.py --report DEV/report.json --config bge \\
        --strong 0.55,0.57,0.58,0.59,0.6,0.61,0.65

Per threshold: RealTime QA accuracy / refusal / false refusal, MultiHop-RAG accuracy / null
refusal / false refusal, and the objective: the mean over the sets of mean(accuracy, refusal,
1 - false refusal). Thresholds below the run's own are not exact and are refused.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys


def simulate(rec: dict, min_sem: float, strong: float, min_lex: float) -> tuple[bool, float, float]:
    """(refused now, accuracy now, refusal metric now) of one suite record."""
    f, m = rec["features"], rec["metrics"]
    if rec["abstained"]:
        return True, 0.0, 1.0
    if f["best_sem"] < min_sem or (f["best_sem"] < strong and f["best_lex"] < min_lex):
        return True, 0.0, 1.0
    return False, float(m.get("accuracy") or 0.0), float(m.get("refusal") or 0.0)


def figures(records: list[dict], min_sem: float, strong: float, min_lex: float) -> dict:
    answerable = [simulate(r, min_sem, strong, min_lex) for r in records if r["answerable"]]
    other = [simulate(r, min_sem, strong, min_lex) for r in records if not r["answerable"]]
    mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")  # noqa: E731
    return {"accuracy": mean([a for _, a, _ in answerable]), "refusal": mean([r for _, _, r in other]),
            "false_refusal": mean([float(x) for x, _, _ in answerable])}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--report", required=True, help="a `qa eval --suite --out DIR` report.json")
    ap.add_argument("--config", required=True, help="the configuration's name in the report")
    ap.add_argument("--min-sem", default="0.25", help="comma-separated values (the run's own first)")
    ap.add_argument("--strong", default="0.55,0.6,0.65", help="comma-separated values")
    ap.add_argument("--min-lex", type=float, default=0.34)
    ap.add_argument("--run-min-sem", type=float, default=0.25, help="the thresholds the run used")
    ap.add_argument("--run-strong", type=float, default=0.55)
    args = ap.parse_args(argv)
    sets = json.load(open(args.report))["suite"]["benchmarks"]
    grid = itertools.product([float(x) for x in args.min_sem.split(",")], [float(x) for x in args.strong.split(",")])
    for min_sem, strong in grid:
        if min_sem < args.run_min_sem or strong < args.run_strong:
            print(f"min_sem {min_sem} / strong_sem {strong}: below the run's own thresholds, not exact; skipped",
                  file=sys.stderr)
            continue
        row, parts = {}, []
        for name, configs in sets.items():
            if args.config not in configs:
                sys.exit(f"error: no configuration {args.config!r} in {args.report}; it has {sorted(configs)}")
            fig = figures(configs[args.config]["records"], min_sem, strong, args.min_lex)
            row[name] = fig
            parts.append((fig["accuracy"] + fig["refusal"] + 1 - fig["false_refusal"]) / 3)
        cells = "  ".join(f"{n} {f['accuracy']:.3f} / {f['refusal']:.3f} / {f['false_refusal']:.3f}"
                          for n, f in row.items())
        print(f"min_sem {min_sem:.2f} strong_sem {strong:.2f}  {cells}  objective {sum(parts) / len(parts):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
