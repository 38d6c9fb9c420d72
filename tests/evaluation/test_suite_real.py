"""The suite on the real stack: `qa eval --suite` over tiny generated benchmark files (real
Chroma, real models), and the CI quality gate on the committed baseline's fixed sample of the
real benchmarks in ../shared/bench."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from bench_fixtures import write_bench
from click.testing import CliRunner

import evaluation.cli  # noqa: F401  (registers `eval`)
from evaluation import gate as G
from evaluation.suite import SuiteOptions, run_suite
from qa.cli.main import cli
from qa.settings import Settings

REPO = Path(__file__).resolve().parents[2]
BASELINE = REPO / "evaluation" / "baseline.json"
BENCH = Path(os.environ.get("QA_BENCH_DIR") or REPO.parent / "shared" / "bench")


@pytest.mark.slow
def test_suite_cli_runs_every_benchmark_on_the_real_assistant(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bench = write_bench(tmp_path / "bench")
    out = tmp_path / "report"
    r = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "data"), "eval", "--suite", "--bench-dir", str(bench),
                                 "--cache-dir", str(tmp_path / "cache"), "--out", str(out), "--no-progress",
                                 "--write-baseline", str(tmp_path / "baseline.json")])
    assert r.exit_code == 0, r.output
    report = json.loads((out / "report.json").read_text())
    runs = report["suite"]["benchmarks"]
    rt = runs["realtimeqa"]["current"]["records"]
    assert {x["type"] for x in rt} == {"free_form", "nota", "evidence_removed"}
    for rec in rt:  # the evidence-removed asks never cite the removed documents
        if rec["type"] == "evidence_removed":
            assert not set(rec["cited"]) & {f"ev_{rec['id']}", f"gcs_{rec['id']}_0"}
    assert {x["type"] for x in runs["rgb"]["current"]["records"]} == {"true", "counterfactual", "mixed"}
    assert runs["multihop"]["current"]["summary"]["metrics"]["fact_recall@5"]["n"] == 2
    assert "## multihop" in (out / "report.md").read_text() and "<img" in (out / "report.html").read_text()
    baseline = G.load_baseline(tmp_path / "baseline.json")
    assert baseline["sample"]["split"] == "dev" and "realtimeqa" in baseline["metrics"]
    # the same run checked against its own baseline passes, and --check-baseline exits 0
    r = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "data"), "eval", "--suite", "--bench-dir", str(bench),
                                 "--cache-dir", str(tmp_path / "cache"), "--no-progress",
                                 "--check-baseline", str(tmp_path / "baseline.json"), "--json"])
    assert r.exit_code == 0, r.output
    assert "quality gate: passed" in r.output


@pytest.mark.slow
@pytest.mark.timeout(1800)  # a few minutes on an idle 2-core machine; far more when it is shared
@pytest.mark.skipif(not (BENCH / "realtimeqa" / "corpus_subset.jsonl").is_file(), reason=f"no benchmarks at {BENCH}")
def test_quality_gate_against_the_committed_baseline(tmp_path):
    """The CI gate: the baseline's fixed sample (a few dozen items across RealTime QA, MultiHop-RAG
    and RGB, quote mode, small corpora) must not fall below the committed baseline by more than
    its bootstrap CI (or the tolerance). After an intended quality change, regenerate with
    `qa eval --suite --quick 8 --split dev --write-baseline evaluation/baseline.json`."""
    baseline = G.load_baseline(BASELINE)
    sample = baseline["sample"]
    opts = SuiteOptions(BENCH, split=sample["split"], quick=sample["quick"], mode=sample["mode"],
                        benchmarks=tuple(sample["benchmarks"]), cache_dir=tmp_path / "cache", progress=False)
    report = run_suite([("current", Settings(data_dir=str(tmp_path / "data")))], opts)
    failures = G.check(report, baseline)
    assert failures == [], "quality regressions:\n" + "\n".join(failures) + f"\n(if intended: {G.REGENERATE})"
