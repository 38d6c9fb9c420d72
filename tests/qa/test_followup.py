"""Follow-up rewriting and conversation history."""

from __future__ import annotations

import pytest

from qa.question.followup import Turn, entities, needs_context, parse_history, rewrite
from qa.question.memory import Conversation
from qa.types import Answer


def test_entities():
    assert entities("Who did Anna Berg meet in Oslo?") == ["Anna Berg", "Oslo"]
    assert "Ministry of Trade" in entities("She spoke to the Ministry of Trade.")


def test_standalone_question_is_unchanged():
    hist = [Turn("Who led the delegation to Oslo?", "Anna Berg led it. [1]")]
    assert rewrite("What did the Oslo talks decide?", hist) == "What did the Oslo talks decide?"
    assert not needs_context("What did the Oslo talks decide?")


def test_pronoun_resolves_to_the_person_in_the_previous_answer():
    hist = [Turn("Who led the delegation to Oslo?",
                 "The delegation was led by Anna Berg, the trade minister. [1] (Daily, published 2024-03-01)")]
    out = rewrite("and who accompanied him?", hist)
    assert "Anna Berg" in out and "accompanied" in out and not out.lower().startswith("and")


def test_elliptical_question_carries_entities_over():
    hist = [Turn("When did Anna Berg visit Oslo?", "In May. [1]")]
    out = rewrite("and why?", hist)
    assert "Anna Berg" in out and "Oslo" in out


def test_what_about():
    hist = [Turn("How many sailors were on the ship Aurora?", "Six. [1]")]
    out = rewrite("what about the ship Borealis?", hist)
    assert "sailors" in out and "Borealis" in out


def test_parse_history_formats():
    msgs = [{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"}]
    assert parse_history(msgs)[0].answer == "A1"
    assert parse_history([("Q", "A")])[0].question == "Q"
    with pytest.raises(ValueError, match="history item"):
        parse_history([42])


class _EchoAssistant:
    def __init__(self):
        self.seen = []

    def ask(self, question, history=None, **kw):
        self.seen.append(rewrite(question, list(history or [])))
        return Answer(question, "Anna Berg led it.", standalone_question=self.seen[-1])


def test_conversation_keeps_turns():
    conv = Conversation(_EchoAssistant(), max_turns=2)
    conv.ask("Who led the delegation to Oslo?")
    conv.ask("and who accompanied her?")
    conv.ask("Why did Anna Berg go?")
    assert len(conv.turns) == 2
    assert "Anna Berg" in conv.assistant.seen[1]
    with pytest.raises(ValueError, match="max_turns"):
        Conversation(_EchoAssistant(), max_turns=0)


def test_a_follow_up_prefers_sentences_the_previous_answer_did_not_show():
    from types import SimpleNamespace as S

    from qa.question.followup import demote_shown

    ranked = [S(text="The captain was questioned."), S(text="His deputy was with him."), S(text="Rain.")]
    out = demote_shown(ranked, "The captain  was questioned. [1] (Daily)")
    assert [s.text for s in out] == ["His deputy was with him.", "Rain.", "The captain was questioned."]
    assert demote_shown(ranked, "") == ranked


def test_they_agrees_in_number_with_the_previous_question():
    """'they' is the plural noun phrase asked about, not a country the answer names."""
    from qa.question.followup import Turn, rewrite

    prev = Turn("Which two US presidents died on July 4 in the same year?",
                "Five years later, James Monroe died on July 4, 1831. [1]", doc_ids=("d1",))
    out = rewrite("In which year did they die?", [prev])
    assert out.startswith("In which year did the two US presidents die"), out
    prev = Turn("How many Americans will return to the States after the swap?", "Three Americans were freed. [1]",
                doc_ids=("d1",))
    assert "among the Americans" in rewrite("Which journalist was among them?", [prev])


def test_it_carries_what_the_previous_question_was_about():
    from qa.question.followup import Turn, rewrite, topic_phrases

    assert topic_phrases("How many days does the first phase of the Gaza ceasefire agreement last?") == [
        "first phase", "Gaza ceasefire agreement"]
    prev = Turn("How many days does the first phase of the Gaza ceasefire agreement last?",
                "Abu Marzouk said the agreement was proposed after the UN resolution. [1]", doc_ids=("d1",))
    out = rewrite("When did it take effect?", [prev])
    assert "Gaza ceasefire agreement" in out and "days" not in out, out
