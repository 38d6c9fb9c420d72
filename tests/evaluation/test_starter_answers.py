"""bench/starter_answers.py: the naive starter's query engine graded by the suite's own RealTime
QA runner beside news-qa (a fake query engine here; the real run needs the Qwen model)."""

from __future__ import annotations

import sys
from pathlib import Path

from bench_fixtures import write_bench

from evaluation import benchmarks as B
from evaluation.news_bench import run_realtimeqa

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.starter_answers import StarterAssistant, headline, suite_report  # noqa: E402


class _Node:
    def __init__(self, doc_id: str, text: str):
        self.metadata, self._text = {"doc_id": doc_id}, text

    def get_content(self) -> str:
        return self._text


class _Scored:
    def __init__(self, node):
        self.node = node


class _Response:
    def __init__(self, text: str, nodes):
        self.text, self.source_nodes = text, [_Scored(n) for n in nodes]

    def __str__(self) -> str:
        return self.text


class _Engine:
    def __init__(self, docs, answers):
        self.docs, self.answers, self.asked = docs, answers, []

    def query(self, question: str):
        self.asked.append(question)
        return _Response(self.answers.get(question, "The context does not say."), self.docs[:2])


class _Index:
    def __init__(self, engine):
        self.engine, self.calls = engine, []

    def as_query_engine(self, **kwargs):
        self.calls.append(kwargs)
        return self.engine


class _Starter:
    def __init__(self, index):
        self.index = index


def test_the_starter_is_graded_like_news_qa_without_refusals_or_filters(tmp_path):
    docs, qs = B.load_realtimeqa(write_bench(tmp_path / "bench") / "realtimeqa", "all")
    q1 = next(q for q in qs if q.id == "q1")
    nodes = [_Node("ev_q1", "Colombia elected its first leftist president."), _Node("gcs_q2_0", "Ford ...")]
    engine = _Engine(nodes, {q1.question: "Colombia elected Gustavo Petro."})
    index = _Index(engine)
    llm = object()
    starter = StarterAssistant(_Starter(index), llm)
    assert index.calls == [{"llm": llm, "similarity_top_k": 2}]  # the tutorial's engine, our LLM

    records = run_realtimeqa(starter, qs, [d.doc_id for d in docs], "llm", progress=False)
    by_id = {(r["id"], r["type"]): r for r in records}
    assert {t for _, t in by_id} <= {"free_form", "nota"}  # no filters: no evidence-removed re-ask
    assert by_id[("q1", "free_form")]["correct"] and not by_id[("q2", "free_form")]["correct"]
    assert all(not r["abstained"] for r in records)  # it never refuses
    assert by_id[("q1", "free_form")]["cited"] == ["ev_q1", "gcs_q2_0"]  # its two source nodes
    assert by_id[("q1", "free_form")]["metrics"]["citation_precision"] == 0.5
    assert engine.asked == [q.question for q in qs]


def test_the_report_is_the_suites_with_the_starter_first(tmp_path):
    from evaluation.report import write_report

    def rec(system, qid, correct):
        return {"system": system, "benchmark": "realtimeqa", "id": qid, "type": "free_form", "answerable": True,
                "correct": correct, "abstained": False, "latency": 1.0, "score": None,
                "metrics": {"accuracy": float(correct), "mc_accuracy": float(correct)}}

    records = [rec("news-qa", "a", True), rec("news-qa", "b", True), rec("starter", "a", True), rec("starter", "b", False)]
    report = suite_report(records, {"split": "test"})
    assert report["suite"]["configs"] == ["starter", "news-qa"]
    fig = headline(report)
    assert fig["news-qa"]["accuracy"] == 1.0 and fig["starter"]["accuracy"] == 0.5
    delta = fig["delta news-qa - starter"]["accuracy"]
    assert delta["delta"] == 0.5 and delta["n"] == 2  # paired by question
    paths = write_report(tmp_path / "out", report)
    md = paths["md"].read_text()
    assert "# Benchmark suite: starter, news-qa" in md and "Δ news-qa − starter" in md
