"""The follow-up gold set and its scorer (evaluation.followups)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.followups import FollowupError, ask_conversation, load_followups, summarise
from qa.types import Answer, Citation

GOLD = Path(__file__).resolve().parents[2] / "eval" / "followups.jsonl"


def test_the_gold_set_has_forty_conversations_over_two_corpora_split_dev_test():
    convs = load_followups(GOLD)
    assert len(convs) >= 40
    assert {c.corpus for c in convs} == {"seed", "realtimeqa"}
    assert {c.split for c in convs} == {"dev", "test"}
    for c in convs:
        assert 2 <= len(c.turns) <= 3
        for t in c.turns[1:]:
            assert t.standalone and t.answers and t.docs and t.keys, (c.id, t.question)
    assert len(load_followups(GOLD, "dev")) + len(load_followups(GOLD, "test")) == len(convs)


def test_bad_files_say_what_is_wrong(tmp_path):
    bad = tmp_path / "f.jsonl"
    bad.write_text(json.dumps({"id": "x", "split": "dev", "turns": [{"question": "Q", "answers": ["a"], "docs": ["d"]}]}))
    with pytest.raises(FollowupError, match="at least 2 turns"):
        load_followups(bad)
    bad.write_text(json.dumps({"id": "x", "split": "dev", "turns": [
        {"question": "Q", "answers": ["a"], "docs": ["d"]}, {"question": "F", "answers": [], "docs": ["d"]}]}))
    with pytest.raises(FollowupError, match="turn 2 'answers'"):
        load_followups(bad)
    with pytest.raises(FollowupError, match="split"):
        load_followups(GOLD, "train")


class _Chat:
    def __init__(self, replies):
        self.replies = list(replies)

    def ask(self, question, **kw):
        return self.replies.pop(0)


class _Assistant:
    def __init__(self, replies):
        self.replies = replies

    def conversation(self):
        return _Chat(self.replies)


def _answer(q, text, doc, standalone=None, latency=0.1):
    cite = Citation(1, doc, 0, len(text), text)
    return Answer(q, f"{text} [1]\nPublished: [1] Daily · undated · {text}", [cite], standalone_question=standalone,
                  latency_s=latency)


def test_a_follow_up_is_resolved_when_it_cites_the_thread_and_correct_when_it_holds_an_alias(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_text(json.dumps({"id": "c1", "corpus": "realtimeqa", "split": "test", "turns": [
        {"question": "Who won?", "answers": ["Anna"], "docs": ["rtqa:20240101_1"]},
        {"question": "When?", "answers": ["May 4"], "docs": ["rtqa:20240101_1"], "keys": ["Anna|Berg"],
         "standalone": "When did Anna win?"},
        {"question": "Where?", "answers": ["Oslo"], "docs": ["rtqa:20240101_1"]}]}))
    conv = load_followups(path)[0]
    rows = ask_conversation(_Assistant([
        _answer("Who won?", "Anna won.", "ev_20240101_1"),
        _answer("When?", "She won on May 4.", "gcs_20240101_1_3", "When (Anna)?"),
        _answer("Where?", "In Oslo.", "gcs_20240202_7_0", "Where (Anna)?", latency=0.5)]), conv, "quote")
    assert [r["resolved"] for r in rows] == [True, True, False]  # the third landed on another question's doc
    assert [r["correct"] for r in rows] == [True, True, True]
    assert rows[1]["keys"] is True and rows[2]["keys"] is None
    s = summarise(rows)
    assert s["followups"] == 2 and s["resolved"] == 0.5 and s["correct"] == 1.0
    assert s["latency_max_s"] == 0.5 and s["under_300ms"] == 0.5
