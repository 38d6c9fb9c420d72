"""`qa eval --suite`: the command-line side of evaluation/suite.py and evaluation/gate.py."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def load_configs(base, paths: tuple[str, ...]) -> list[tuple[str, object]]:
    """(name, Settings) per --config file (name: the file's stem); none given: ("current", base).
    The data dir, Chroma URL and collection always come from `base`: each benchmark has its own index."""
    from qa.settings import Settings

    if not paths:
        return [("current", base)]
    out, seen = [], set()
    for p in paths:
        try:
            s = Settings.load(p, env={})
        except ValueError as exc:
            raise click.UsageError(f"--config {p}: {exc}") from None
        name = Path(p).stem
        while name in seen:
            name += "'"
        seen.add(name)
        out.append((name, s.with_overrides({"data_dir": base.data_dir, "chroma_url": base.chroma_url,
                                            "collection": base.collection})))
    return out


def run_suite_cmd(obj, configs: tuple[str, ...], quick: int | None, split: str | None, mode: str, k: int | None,
                  benchmarks: tuple[str, ...], bench_dir: str | None, cache_dir: str | None, rtqa_index: str | None,
                  write_baseline: str | None, check_baseline: str | None, reason: str, progress: bool) -> dict:
    """Run the suite (or, with --check-baseline, the baseline's own sample) and return the report;
    exits 1 when --check-baseline finds a regression."""
    from .beir import bench_dir as default_bench_dir, cache_root
    from .gate import baseline_from, check, load_baseline, write_baseline as write
    from .suite import BENCHMARKS, SuiteOptions, run_suite

    if mode == "both":
        raise click.UsageError("--suite runs one mode; give --mode quote or --mode llm")
    baseline = None
    if check_baseline:
        try:
            baseline = load_baseline(check_baseline)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        sample = baseline["sample"]
        quick, split, mode = sample.get("quick"), sample.get("split") or "dev", sample.get("mode") or mode
        benchmarks = tuple(sample.get("benchmarks") or BENCHMARKS)
    try:
        opts = SuiteOptions(Path(bench_dir) if bench_dir else default_bench_dir(), split=split or "dev",
                            quick=quick, mode=mode, k=k, benchmarks=tuple(benchmarks) or BENCHMARKS,
                            cache_dir=Path(cache_dir) if cache_dir else cache_root() / "eval-index",
                            rtqa_seed=Path(rtqa_index) if rtqa_index else None, progress=progress)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        report = run_suite(load_configs(obj.settings, configs), opts)
    except (FileNotFoundError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if write_baseline:
        path = write(write_baseline, baseline_from(report, reason=reason))
        click.echo(f"wrote baseline {path}", err=True)
    if baseline is not None:
        failures = check(report, baseline)
        report["gate"] = {"baseline": check_baseline, "passed": not failures, "failures": failures}
        for f in failures:
            click.echo(f"regression: {f}", err=True)
        click.echo("quality gate: " + ("passed" if not failures else f"FAILED ({len(failures)})"), err=True)
    return report
