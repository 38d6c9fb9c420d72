"""The Evaluation tab's runner: a gold file through the server's assistant, evaluation's report."""

from __future__ import annotations

import json

import pytest

GOLD = [
    {"id": "t-1", "question": "Who did the Hamas delegation meet in Moscow?", "answers": ["Mikhail Bogdanov", "Bogdanov"],
     "evidence": [{"doc": "000_22e84eabdeff59f2", "quote": "Russian Deputy Foreign Minister Mikhail Bogdanov"}],
     "type": "single_fact", "answerable": True},
    {"id": "t-2", "question": "What recipe for sourdough bread do the articles give?", "answers": [],
     "evidence": [], "type": "unanswerable", "answerable": False},
]


def write_gold(path, items=GOLD):
    path.write_text("\n".join(json.dumps(i) for i in items) + "\n")
    return path


@pytest.fixture
def service(shared_fake_assistant):
    from ui.service import NewsService

    settings, assistant = shared_fake_assistant
    return NewsService(settings, assistant=assistant)


def test_run_evaluation_gives_the_eval_report(service, tmp_path):
    from evaluation.report import figures, markdown
    from ui.evaluation_tab import run_evaluation

    report = run_evaluation(service, str(write_gold(tmp_path / "g.jsonl")), "quote", 0)
    run = report["gold"][0]
    assert run["mode"] == "quote" and [d["id"] for d in run["details"]] == ["t-1", "t-2"]
    assert "accuracy" in run["summary"] and report["meta"]["questions"] == 2
    assert "Evaluation report" in markdown(report)
    assert figures(report)  # plots to show
    assert len(run_evaluation(service, str(tmp_path / "g.jsonl"), "quote", 1)["gold"][0]["details"]) == 1


def test_run_evaluation_bad_input(service, tmp_path):
    from ui.evaluation_tab import run_evaluation

    with pytest.raises(ValueError, match="no gold file"):
        run_evaluation(service, str(tmp_path / "missing.jsonl"), "quote", 0)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    with pytest.raises(ValueError, match="invalid gold file"):
        run_evaluation(service, str(bad), "quote", 0)
    with pytest.raises(ValueError, match="unknown mode"):
        run_evaluation(service, str(write_gold(tmp_path / "g.jsonl")), "poetry", 0)


def suite_report(tmp_path):
    """A two-configuration suite report written the way `qa eval --suite --out DIR` writes it."""
    from evaluation import stats as S
    from evaluation.report import write_report

    def recs(acc):
        return [{"benchmark": "rgb", "id": str(i), "type": "true", "answerable": True, "correct": bool(a),
                 "abstained": False, "latency": 0.1, "score": 0.5 + a / 4, "answer": "x", "cited": [],
                 "metrics": {"accuracy": float(a)}} for i, a in enumerate(acc)]

    runs = {c: {"summary": S.summarize(r), "by_type": S.summarize_by_type(r), "records": r, "seconds": 1.0,
                "questions": len(r), "documents": 3}
            for c, r in (("a", recs([1, 1, 0, 1])), ("b", recs([0, 1, 0, 0])), ("c", recs([1, 1, 1, 1])))}
    report = {"meta": {"split": "dev"}, "suite": {"configs": ["a", "b", "c"], "benchmarks": {"rgb": runs},
                                                  "deltas": {}, "reliability": {c: S.reliability(runs[c]["records"])
                                                                                for c in runs}, "published": {}}}
    write_report(tmp_path / "suite", report)
    return tmp_path / "suite"


def test_suite_report_is_shown_and_configurations_compared(tmp_path):
    from ui.evaluation_tab import load_suite_report, suite_view

    report = load_suite_report(str(suite_report(tmp_path)))
    md, images = suite_view(report, ["c", "b"])
    assert "c (mean [95% CI])" in md and "Δ b − c" in md and "a (mean" not in md
    assert "-0.750" in md  # b - c on accuracy, paired over the same four items
    assert {cap for _, cap in images} >= {"rgb: metrics by configuration (mean, 95% CI)",
                                          "rgb: metrics by question type (mean, 95% CI)",
                                          "Reliability: answerability score vs. share answered correctly"}
    md_all, _ = suite_view(report, [])
    assert "Δ c − a" in md_all


def test_suite_report_bad_input(tmp_path):
    from ui.evaluation_tab import load_suite_report, suite_view

    with pytest.raises(ValueError, match="cannot read a suite report"):
        load_suite_report(str(tmp_path / "missing"))
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "report.json").write_text(json.dumps({"gold": []}))
    with pytest.raises(ValueError, match="not a suite report"):
        load_suite_report(str(tmp_path / "gold"))
    report = load_suite_report(str(suite_report(tmp_path)))
    with pytest.raises(ValueError, match="none of the chosen configurations"):
        suite_view(report, ["zzz"])


def test_tab_builds(service):
    import gradio as gr

    from ui.evaluation_tab import build_evaluation_tab

    with gr.Blocks():
        build_evaluation_tab(service)


def test_galleries_show_only_with_figures_and_abbreviations_are_explained():
    from ui.eval_glossary import glossary_html
    from ui.evaluation_tab import shown_if

    assert shown_if([])["visible"] is False
    assert shown_if([("a.png", "A")])["visible"] is True
    html = glossary_html()
    for term in ("recall@k", "MRR", "nDCG@10", "cite P", "95% CI", "Δ"):
        assert f">{term}" in html
