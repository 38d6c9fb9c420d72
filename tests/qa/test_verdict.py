"""One verdict pipeline: qa.evidence.verdict alone decides to answer or refuse, and its reason is
one of a small closed set of plain-word templates (numbers stay in `score` and `features`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qa.evidence.gate import Evidence
from qa.evidence.verdict import DISAGREE, NO_ARTICLE, VerdictMaker, asked, subject
from qa.llm.adapter import ChatLLM
from qa.llm.answerer import LLMAnswerer
from qa.types import ABSTAIN_TEXT, VERDICT_KINDS, Answer, Citation, Conflict, ConflictValue

from test_assistant import DOCS  # the synthetic harbour articles
from test_llm_answerer import ScriptedLLM

REPO = Path(__file__).resolve().parents[2]
# Building a Verdict or marking an answer refused is deciding; only the verdict module may.
DECIDING = re.compile(r"(?<!class )\bVerdict\(|abstained\s*=\s*True|\.abstained\s*=(?!=)")
REASON = re.compile(r"^(answered from \d+ articles?|the articles discuss [\w’' ,\-]+ but never say [\w’' \-]+|"
                    + re.escape(NO_ARTICLE) + "|" + re.escape(DISAGREE) + ")$")


def test_one_module_decides_the_verdict():
    deciders = sorted({str(p.relative_to(REPO)) for pkg in ("qa", "ui", "evaluation")
                       for p in (REPO / pkg).rglob("*.py") if DECIDING.search(p.read_text(encoding="utf-8"))})
    assert deciders == ["qa/evidence/verdict.py"], deciders


def _maker():
    return VerdictMaker(model=None, finder=type("F", (), {"find": staticmethod(lambda *a: None)})())


def test_reasons_are_plain_words_from_the_templates():
    vm = _maker()
    q = "When did Abu Marzouk meet Bogdanov in Moscow?"
    ev = Evidence(True, "", "supported", 0.8, 0.7, ["abu", "marzouk", "bogdanov", "moscow"], [])
    cases = [
        vm._refused(q, "date", ev.failed("no_dated_names", "no relevant sentence gives a date"), None, {}),
        vm._refused(q, "date", Evidence(False, "far", "cosine 0.36, term coverage 0.17", 0.36, 0.17), None, {}),
        vm._refused(q, "date", None, None, {}, empty_index=True),
    ]
    assert [v.kind for v in cases] == ["not_stated", "off_topic", "no_index"]
    assert cases[0].reason == "the articles discuss Abu Marzouk, Bogdanov and Moscow but never say when"
    for v in cases:
        assert REASON.match(v.reason) and not re.search(r"cosine|coverage|score|\d", v.reason), v.reason


def test_what_is_asked_and_about_what_in_words():
    ev = Evidence(True, "", "", 0, 0, ["hamas"], [])
    assert subject("Who led the Hamas delegation?", ev) == "Hamas"
    marked = subject("<img src=x onerror=alert(2)> Who led it?", Evidence(True, key_terms=["src", "alert", "2"]))
    assert not re.search(r"[<>=()\d]", marked)  # words only, never the markup around them
    assert asked("How many ships sank?", "quantity", None) == "how many"
    assert asked("What is the name of the ship's captain?", "entity",
                 Evidence(False, "no_name", "", named="captain")) == "the captain's name"
    assert asked("Who led it?", "person", None) == "who"


def test_finish_names_the_articles_or_the_disagreement():
    vm = _maker()
    before = vm._refused("q", None, None, None, {})  # any verdict; an answerable one below
    ok = type(before)(True, "answered", "answered from 2 articles", 0.8, {"best_sem": 0.7})
    cites = [Citation(1, "a", 0, 5, "Hello"), Citation(2, "a", 6, 11, "World"), Citation(3, "b", 0, 3, "Hey")]
    ans = vm.finish(Answer("q", "x [1][2][3]", cites), ok, "q", None)
    assert (ans.verdict.kind, ans.verdict.reason, ans.verdict.score) == ("answered", "answered from 2 articles", 0.8)
    split = Answer("q", "x [1][3]", cites[:1] + cites[2:],
                   conflicts=[Conflict("number of ships", (ConflictValue("3", (1,), ("a",), (None,)),
                                                           ConflictValue("6", (3,), ("b",), (None,))))])
    assert vm.finish(split, ok, "q", None).verdict.reason == DISAGREE
    empty = vm.finish(Answer("q", "", []), ok, "q", "date")
    assert empty.abstained and empty.text == ABSTAIN_TEXT and empty.verdict.kind == "not_stated"


def test_an_llm_answer_with_nothing_supported_is_refused_by_the_verdict(assistant_over, fake_embedder):
    from qa.assistant import Assistant

    base = assistant_over(DOCS)
    llm = LLMAnswerer(ChatLLM(ScriptedLLM(reply=ABSTAIN_TEXT, prompts=[]), "scripted"), fake_embedder)
    settings = base.settings.with_overrides({"llm": {"fallback_to_quote": False}})
    a = Assistant.from_settings(settings, base.index, llm=llm)
    ans = a.ask("Who was the ship's captain questioned by police?", mode="llm")
    assert ans.abstained and ans.text == ABSTAIN_TEXT and ans.citations == []
    assert (ans.verdict.answerable, ans.verdict.kind) == (False, "not_stated")
    assert ans.to_json()["verdict"]["kind"] == "not_stated"


def test_every_kind_is_reachable_through_the_assistant(assistant_over, make_index, tmp_path):
    from qa.assistant import Assistant
    from qa.settings import Settings

    a = assistant_over(DOCS)
    answered = a.ask("Who was the ship's captain questioned by police?")
    assert answered.verdict.kind == "answered" and REASON.match(answered.verdict.reason)
    off = a.ask("What did Zygmunt Wrobelski say about the Quetzaltenango budget?")
    assert off.abstained and (off.verdict.kind, off.verdict.reason) == ("off_topic", NO_ARTICLE)
    empty = Assistant.from_settings(Settings(), make_index(tmp_path / "empty")).ask("Who won?")
    assert empty.abstained and empty.verdict.kind == "no_index"
    assert {answered.verdict.kind, off.verdict.kind, empty.verdict.kind} <= set(VERDICT_KINDS)


@pytest.mark.parametrize("q", ["<script>alert(1)</script> What did the Chinese foreign minister say?",
                               "What is the name of the harbour master's dog?"])
def test_refusal_reasons_echo_no_markup(assistant_over, q):
    ans = assistant_over(DOCS).ask(q)
    if ans.abstained:
        assert REASON.match(ans.verdict.reason) and "<" not in ans.verdict.reason and "script" not in ans.verdict.reason
