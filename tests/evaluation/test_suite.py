"""The suite (every benchmark under each configuration, one report with CIs and deltas) and the
quality gate (fails on a planted regression), with the word-overlap assistant; the real stack
runs in test_suite_real.py."""

from __future__ import annotations

import json

import pytest
from bench_fixtures import OverlapAssistant, write_bench

from evaluation import gate as G
from evaluation import stats as S
from evaluation.report import markdown, write_report
from evaluation.suite import SuiteOptions, open_bench_index, realtimeqa_assistant, run_suite, sample
from qa.settings import Settings


class Docs:
    """A factory: the assistant answers from the documents of the index it is given."""

    def __init__(self, refuse_every: int = 0):
        self.refuse_every = refuse_every

    def __call__(self, settings, index):
        docs = [index.get_document(d) for d in index.records(fresh=True)]
        return OverlapAssistant(docs, refuse_every=self.refuse_every)


@pytest.fixture(scope="module")
def suite_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("suite")
    bench = write_bench(root / "bench")
    settings = Settings(data_dir=str(root / "data"))
    opts = SuiteOptions(bench, split="dev", cache_dir=root / "cache", progress=False)
    return root, settings, opts


def test_suite_report_compares_configurations(suite_env, tmp_path):
    root, settings, opts = suite_env
    worse = settings.with_overrides({"retrieval.k": 3})

    def factory(s, index):  # the "worse" configuration refuses every other question
        return Docs(refuse_every=2 if s.retrieval.k == 3 else 0)(s, index)

    report = run_suite([("good", settings), ("worse", worse)], opts, factory=factory)
    suite = report["suite"]
    assert suite["configs"] == ["good", "worse"] and set(suite["benchmarks"]) == {"realtimeqa", "multihop", "rgb"}
    rt = suite["benchmarks"]["realtimeqa"]["good"]
    assert rt["summary"]["metrics"]["accuracy"]["mean"] == 1.0 and rt["questions"] == 2
    assert set(rt["by_type"]) == {"free_form", "nota", "evidence_removed"}
    acc = suite["benchmarks"]["multihop"]["good"]["summary"]["metrics"]["accuracy"]
    assert acc["mean"] == 0.5 and acc["ci95"][0] <= 0.5 <= acc["ci95"][1]
    assert "accuracy" in suite["deltas"]["realtimeqa"]["worse"]
    assert suite["published"]["multihop"]["note"].count("NOT directly comparable") == 1
    md = markdown(report)
    assert "## realtimeqa" in md and "Δ worse − good" in md and "GPT-3 + GCS" in md
    paths = write_report(tmp_path / "out", report)
    html = paths["html"].read_text()
    assert html.count("<img") >= 6 and "suite_rgb_by_type" in html
    assert json.loads(paths["json"].read_text())["suite"]["configs"] == ["good", "worse"]


def test_index_is_cached_by_settings_and_reused(suite_env):
    root, settings, opts = suite_env
    from evaluation.benchmarks import load_rgb

    docs, _ = load_rgb(opts.bench_dir / "rgb-en-fact", "dev")
    index, isettings = open_bench_index(settings, "rgb", docs, opts.cache_dir)
    again, same = open_bench_index(settings, "rgb", docs, opts.cache_dir)
    assert same.data_dir == isettings.data_dir and (root / "cache").is_dir()
    other = settings.with_overrides({"index.chunk_sentences": 2})
    _, changed = open_bench_index(other, "rgb", docs[:1], opts.cache_dir)
    assert changed.data_dir != isettings.data_dir
    assert len(again.records(fresh=True)) == len(docs)


def test_realtimeqa_assistant_asks_over_the_suite_index_of_its_split(suite_env):
    root, settings, opts = suite_env
    from evaluation.benchmarks import load_realtimeqa

    assistant, docs, questions = realtimeqa_assistant(settings, "dev", opts.bench_dir, opts.cache_dir)
    assert (docs, questions) == load_realtimeqa(opts.bench_dir / "realtimeqa", "dev")
    assert sorted(assistant.index.records(fresh=True)) == sorted(d.doc_id for d in docs)
    assert str(opts.cache_dir / "eval-index") in assistant.settings.data_dir


def test_sample_is_fixed_and_bounded():
    class Q:
        def __init__(self, i):
            self.id = str(i)

    qs = [Q(i) for i in range(50)]
    a, b = sample(qs, 5, "x"), sample(list(reversed(qs)), 5, "x")
    assert [q.id for q in a] == [q.id for q in b] and len(a) == 5
    assert len(sample(qs, None, "x")) == 50
    with pytest.raises(ValueError, match="quick must be >= 1"):
        SuiteOptions("b", quick=0)


def test_bootstrap_is_seeded_and_deltas_are_paired():
    assert S.bootstrap_ci([1, 0, 1, 1, 0]) == S.bootstrap_ci([1, 0, 1, 1, 0])
    lo, hi = S.bootstrap_ci([0.0] * 10 + [1.0] * 10)
    assert 0.25 < lo < 0.5 < hi < 0.75
    base = [{"type": "t", "id": str(i), "metrics": {"accuracy": 1.0}} for i in range(10)]
    worse = [{"type": "t", "id": str(i), "metrics": {"accuracy": float(i % 2)}} for i in range(10)]
    d = S.paired_delta(base, worse, "accuracy")
    assert d["delta"] == -0.5 and d["ci95"][1] < 0
    rel = S.reliability([{"score": 0.9, "correct": True}, {"score": 0.1, "correct": False}, {"score": None, "correct": True}])
    assert [b["n"] for b in rel] == [1, 1] and rel[-1]["correct"] == 1.0
    # a right refusal of an unanswerable question is not a correct answer: the score predicts answers
    rel = S.reliability([{"score": 0.1, "correct": True, "answerable": False}])
    assert rel[0]["correct"] == 0.0


def test_gate_passes_on_the_same_system_and_fails_on_a_planted_regression(suite_env, tmp_path):
    root, settings, opts = suite_env
    good = run_suite([("current", settings)], opts, factory=Docs())
    baseline = G.baseline_from(good, reason="test")
    path = G.write_baseline(tmp_path / "baseline.json", baseline)
    loaded = G.load_baseline(path)
    assert loaded["sample"] == {"split": "dev", "quick": None, "mode": "quote",
                                "benchmarks": ["realtimeqa", "multihop", "rgb"]}
    assert G.check(run_suite([("current", settings)], opts, factory=Docs()), loaded) == []
    worse = run_suite([("current", settings)], opts, factory=Docs(refuse_every=1))  # refuses everything
    failures = G.check(worse, loaded)
    assert any(f.startswith("rgb.accuracy: 0.000 < baseline 1.000") for f in failures), failures
    assert any("false_refusal" in f for f in failures)


def test_gate_allows_the_interval_and_one_item_but_not_more():
    def report(acc, n=10):
        return {"suite": {"configs": ["c"], "benchmarks": {"b": {"c": {"summary": {"metrics": {
            "accuracy": {"mean": acc, "n": n}, "false_refusal": {"mean": 1 - acc, "n": n}}}}}}}}

    base = {"tolerance": 0.05, "metrics": {"b": {"accuracy": {"mean": 0.9, "n": 10, "ci95": [0.7, 1.0]},
                                                 "false_refusal": {"mean": 0.1, "n": 10, "ci95": [0.0, 0.3]}}}}
    assert G.check(report(0.75), base) == []  # inside the interval
    assert G.check(report(0.6), base) == ["b.accuracy: 0.600 < baseline 0.900 - 0.200",
                                          "b.false_refusal: 0.400 > baseline 0.100 + 0.200"]
    tight = {"metrics": {"b": {"accuracy": {"mean": 1.0, "n": 10, "ci95": [1.0, 1.0]}}}}
    assert G.check(report(0.9), tight) == [] and len(G.check(report(0.8), tight)) == 1


def test_gate_reports_bad_baselines(tmp_path):
    bad = tmp_path / "b.json"
    bad.write_text("{}")
    with pytest.raises(ValueError, match="regenerate it with `qa eval --suite"):
        G.load_baseline(bad)
    with pytest.raises(ValueError, match="cannot read a quality-gate baseline"):
        G.load_baseline(tmp_path / "missing.json")
