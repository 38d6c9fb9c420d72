"""The runner on a fake assistant: per-question scoring, summaries and the breakdown by type."""

from __future__ import annotations

import json

import pytest

from evaluation.gold import load_gold
from evaluation.runner import run_gold, summarize

from eval_fakes import DOC, DOCS, OTHER, FakeAssistant

S1 = (0, 31)  # "Abu Marzouk led the delegation."
S2 = (32, 58)  # "It met Bogdanov in Moscow."
S3 = (59, len(DOC.text))  # "The ceasefire began on January 19."


@pytest.fixture
def gold(tmp_path):
    rows = [
        {"id": "a", "question": "Who led?", "answers": ["Abu Marzouk", "Marzouk"], "type": "single_fact",
         "answerable": True, "evidence": [{"doc": "d1", "quote": DOC.text[slice(*S1)]}]},
        {"id": "b", "question": "Whom did they meet?", "answers": ["Bogdanov"], "type": "paraphrase",
         "answerable": True, "evidence": [{"doc": "d1", "quote": "met Bogdanov"}]},
        {"id": "c", "question": "When did it begin?", "answers": ["January 19"], "type": "date",
         "answerable": True, "evidence": [{"doc": "d1", "quote": "January 19"}]},
        {"id": "d", "question": "Which hotel?", "answers": [], "type": "unanswerable", "answerable": False,
         "evidence": []},
        {"id": "e", "question": "How many trucks?", "answers": [], "type": "unanswerable", "answerable": False,
         "evidence": []},
    ]
    p = tmp_path / "gold.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows))
    return load_gold(p, DOCS)


@pytest.fixture
def assistant():
    return FakeAssistant({
        # right answer, right citation, relevant passage first
        "Who led?": ("Abu Marzouk led the delegation. [1]", False, [(DOC, *S1)],
                     [(DOC, *S1), (OTHER, 0, 10)]),
        # right answer but cites the wrong sentence; relevant passage second
        "Whom did they meet?": ("It met Bogdanov in Moscow. [1]", False, [(DOC, *S3)], [(DOC, *S3), (DOC, *S2)]),
        # false refusal; nothing relevant retrieved
        "When did it begin?": ("", True, [], [(OTHER, 0, 10)]),
        # correct abstention
        "Which hotel?": ("", True, [], [(OTHER, 0, 10)]),
        # answers an unanswerable question
        "How many trucks?": ("It met Bogdanov in Moscow. [1]", False, [(DOC, *S2)], [(DOC, *S2)]),
    })


def test_per_question_details(gold, assistant):
    run = run_gold(assistant, gold, "quote", k=4, progress=False)
    d = {x["id"]: x for x in run.details}
    assert assistant.calls[0] == ("Who led?", "quote", 4)
    assert d["a"]["correct"] and d["a"]["em"] == 0.0 and d["a"]["contains"]
    assert d["a"]["citation_precision"] == 1.0 and d["a"]["citation_recall"] == 1.0
    assert d["a"]["retrieval"]["hit@1"] == 1.0 and d["a"]["retrieved"][0]["relevant"]
    # the wrong sentence is cited, but it does not overlap "met Bogdanov" nor contain the alias
    assert d["b"]["correct"] and d["b"]["citation_precision"] == 0.0 and d["b"]["citation_recall"] == 0.0
    assert d["b"]["retrieval"]["mrr"] == 0.5
    assert not d["c"]["correct"] and d["c"]["abstained"] and d["c"]["f1"] == 0.0
    assert d["c"]["retrieval"]["recall@10"] == 0.0
    assert d["d"]["correct"] and d["d"]["em"] == 1.0 and d["d"]["retrieval"] is None
    assert not d["e"]["correct"] and d["e"]["em"] == 0.0
    assert d["a"]["latency"]["total"] == pytest.approx(0.01)


def test_summary_and_breakdown(gold, assistant):
    run = run_gold(assistant, gold, "quote", progress=False)
    s = run.summary
    assert (s["n"], s["n_answerable"], s["n_unanswerable"]) == (5, 3, 2)
    assert s["accuracy"] == pytest.approx(3 / 5)  # a, b, d
    assert s["answer_accuracy"] == pytest.approx(2 / 3)
    assert s["refusal_accuracy"] == 0.5 and s["false_refusal_rate"] == pytest.approx(1 / 3)
    assert s["citation_precision"] == 0.5 and s["citations_total"] == 2  # answered answerable only
    assert s["citation_recall"] == pytest.approx(1 / 3)
    assert s["retrieval"]["n"] == 3 and s["retrieval"]["hit@1"] == pytest.approx(1 / 3)
    assert s["retrieval"]["hit@3"] == pytest.approx(2 / 3) and s["retrieval"]["mrr"] == pytest.approx(0.5)
    assert s["latency"]["total"]["p50"] == pytest.approx(0.01) and "retrieve" in s["latency"]
    assert set(run.by_type) == {"single_fact", "paraphrase", "date", "unanswerable"}
    assert run.by_type["unanswerable"]["accuracy"] == 0.5
    assert json.loads(json.dumps(run.to_json()))["summary"]["n"] == 5


def test_summarize_empty_set_is_none_not_crash():
    s = summarize([])
    assert s["n"] == 0 and s["accuracy"] is None and s["retrieval"]["n"] == 0
