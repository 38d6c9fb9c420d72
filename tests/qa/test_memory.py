"""ChatMemory: the one conversation memory (LlamaIndex ChatMemoryBuffer) behind qa chat, the
UI's sessions and Conversation."""

from __future__ import annotations

import copy
import pickle

import pytest

from qa.question.followup import parse_history, standalone_question
from qa.question.memory import ChatMemory


def test_turns_round_trip_with_their_standalone_rewrite():
    m = ChatMemory(max_turns=5)
    m.remember("Who led the delegation to Oslo?", "Anna Berg led it. [1]")
    m.remember("and who accompanied her?", "Her deputy. [1]", "who accompanied Anna Berg to Oslo?")
    turns = m.turns()
    assert [t.question for t in turns] == ["Who led the delegation to Oslo?", "and who accompanied her?"]
    assert turns[0].standalone is None and turns[1].standalone == "who accompanied Anna Berg to Oslo?"
    assert turns[1].answer == "Her deputy. [1]"
    # the messages read back through the same parser the API uses
    assert [t.question for t in parse_history(m.messages())] == [t.question for t in turns]
    assert m.as_dicts()[0] == {"role": "user", "content": "Who led the delegation to Oslo?"}
    # and a follow-up is rewritten from them
    assert "Anna Berg" in standalone_question("Why did she go?", m.turns())


def test_window_keeps_the_last_turns_and_the_word_limit():
    m = ChatMemory(max_turns=2)
    for i in range(5):
        m.remember(f"question {i}?", f"answer {i}.")
    assert [t.question for t in m.turns()] == ["question 3?", "question 4?"] and len(m) == 2
    small = ChatMemory(max_turns=10, token_limit=12)
    for i in range(5):
        small.remember(f"question number {i}?", f"the answer is {i}.")
    kept = small.turns()
    assert kept and len(kept) < 5 and kept[-1].question == "question number 4?"
    m.reset()
    assert m.turns() == []


def test_sessions_copy_and_pickle_without_a_tokenizer_download():
    m = ChatMemory()
    m.remember("q?", "a.")
    for clone in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        clone.remember("q2?", "a2.")  # counting words needs no vocabulary download
        assert [t.question for t in clone.turns()] == ["q?", "q2?"]


def test_bad_limits_are_named():
    with pytest.raises(ValueError, match="max_turns"):
        ChatMemory(max_turns=0)
    with pytest.raises(ValueError, match="token_limit"):
        ChatMemory(token_limit=0)
