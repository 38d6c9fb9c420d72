"""bench/sentence_classifier.py: sentences are labelled by where an answer starts, and scored
rows get the classifier's logit and its gap to the question's best."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.sentence_classifier import score_rows, sentence_groups  # noqa: E402


def test_the_sentence_where_an_answer_starts_is_the_positive():
    context = "The bridge opened in 1932. It cost four million pounds. Crowds came to see it."
    start = context.index("four million")
    groups = sentence_groups([
        {"question": "What did it cost?", "context": context, "answers": [("four million pounds", start)]},
        {"question": "Who painted it?", "context": context, "answers": []},
        {"question": "When?", "context": "One sentence only.", "answers": [("One", 0)]},
    ])
    assert len(groups) == 2, "a paragraph of one sentence has nothing to choose from"
    question, sentences, labels = groups[0]
    assert sentences == ["The bridge opened in 1932.", "It cost four million pounds.", "Crowds came to see it."]
    assert labels == [0, 1, 0]
    assert groups[1][2] == [0, 0, 0]


class WordCount:
    def score(self, question, texts):
        return [float(len(t.split())) for t in texts]


def test_scored_rows_carry_the_logit_and_its_gap(tmp_path):
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"id": "q1", "question": "Q?", "texts": ["a b", "a b c d"],
                                "rows": [{"ce": 1.0}, {"ce": 2.0}], "labels": [0, 1]}) + "\n")
    out = tmp_path / "out.jsonl"
    assert score_rows(rows, out, WordCount()) == 1
    got = json.loads(out.read_text())
    assert [(r["sq"], r["sq_gap"]) for r in got["rows"]] == [(2.0, -2.0), (4.0, 0.0)]
    assert [r["ce"] for r in got["rows"]] == [1.0, 2.0]
    rows.write_text(json.dumps({"id": "old", "rows": [{"ce": 1.0}], "labels": [1]}) + "\n")
    with pytest.raises(SystemExit, match="question old has no texts"):
        score_rows(rows, out, WordCount())
