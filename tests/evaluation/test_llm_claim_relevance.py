"""bench/llm_claim_relevance.py: each claim's signals are read against the sources it cites,
and the rule table counts the answers that would lose every claim."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.llm_claim_relevance import claim_rows, main, rule_table  # noqa: E402


class LengthScorer:
    """A fake cross-encoder: the logit is the text's length in words, minus 10."""

    def __init__(self):
        self.calls = []

    def score(self, query, texts):
        self.calls.append((query, list(texts)))
        return [len(t.split()) - 10.0 for t in texts]


def _source(marker, doc_id, text, title):
    from index import Chunk, ScoredPassage
    from qa.check.claims import Source

    return Source.whole(marker, ScoredPassage(Chunk(f"{doc_id}:0", doc_id, 0, len(text), text), 1.0, title=title))


def test_a_claim_is_read_against_the_sources_it_cites():
    """The Delta claim repeats the question's couple and fee, which its source [2] never
    mentions; the Ryanair claim cites [1], which holds them. A remark about the sources is
    not a claim."""
    question = "Which airline charged an elderly couple £110 to print boarding passes?"
    ryanair = _source(1, "a", "Ryanair charged an elderly couple £110 to print their boarding passes.", "Fees")
    delta = _source(2, "b", "Delta Air Lines cancelled flights after an outage.", "Outage")
    generated = ("Delta Air Lines charged an elderly couple £110 to print boarding passes [2]. "
                 "Ryanair charged an elderly couple £110 for boarding passes [1]. "
                 "This information is provided in the sources [1].")
    scorer = LengthScorer()
    rows = claim_rows(question, [ryanair, delta], generated, ["Ryanair"], scorer)
    assert [r["gold"] for r in rows] == [False, True]
    assert rows[0]["echo"] < 0.3 and rows[1]["echo"] == pytest.approx(1.0)
    assert rows[0]["qce"] == pytest.approx(len(delta.text.split()) - 10)
    assert [texts for _, texts in scorer.calls] == [[delta.text], [ryanair.text]]


def test_the_rule_table_counts_answers_that_lose_every_claim(tmp_path, capsys):
    questions = [
        {"id": "1", "correct": False, "fallback": False, "claims": [{"echo": 0.2, "qce": -5.0, "gold": False}]},
        {"id": "2", "correct": True, "fallback": False,
         "claims": [{"echo": 0.2, "qce": -5.0, "gold": False}, {"echo": 1.0, "qce": 5.0, "gold": True}]},
        {"id": "3", "correct": True, "fallback": True, "claims": [{"echo": 0.1, "qce": -9.0, "gold": True}]},
    ]
    lines = rule_table(questions, echos=(0.5,), qces=(0.0, float("inf")))
    # echo < 0.5 and qce < 0: question 1 loses its one claim; 2 keeps one; 3 already fell back
    assert lines[2] == "| echo < 0.5 and qce < 0 | 1 | 0 | 3 | 1 |"
    assert lines[3] == "| echo < 0.5 and qce < inf | 1 | 0 | 3 | 1 |"
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps(q) + "\n" for q in questions))
    assert main(["--table", "--rows", str(rows)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 answered questions, 4 claims, 2 with the gold answer")
    with pytest.raises(SystemExit):
        main(["--rows", str(rows)])  # neither --collect nor --table
