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
