"""llm mode through the Assistant: one source note per answer, the conflict box as in quote
mode, and follow-ups that call the LLM only in llm mode."""

from __future__ import annotations

import pytest

from qa.assistant import Assistant
from qa.llm.adapter import ChatLLM
from qa.llm.answerer import LLMAnswerer, clean_generation
from qa.types import ABSTAIN_TEXT, Answer, Citation

from test_assistant import DOCS, check_spans  # the synthetic harbour articles
from test_llm_answerer import ScriptedLLM


@pytest.fixture
def assistant(assistant_over):
    return assistant_over(DOCS)


@pytest.mark.parametrize("tail", ["\nSources: [1] Coast Daily, 2024-01-10", " Sources:\n[1] Coast Daily",
                                  "\n\n**References:**\n- [1] Coast Daily (2024-01-10)"])
def test_generation_never_carries_a_sources_block(tail):
    assert clean_generation("Ivan Petrov was questioned [1]." + tail) == "Ivan Petrov was questioned [1]."
    # a sentence that merely mentions sources stays
    assert clean_generation("Several sources: police and port staff [1].") == \
        "Several sources: police and port staff [1]."


def test_llm_answer_through_the_assistant_has_one_sources_note(assistant, fake_embedder):
    reply = ("The ship's captain, Ivan Petrov, was questioned by police [1].\n"
             "Sources: [1] Ship seized off the coast, Coast Daily, published 2024-01-10")
    llm = LLMAnswerer(ChatLLM(ScriptedLLM(reply=reply, prompts=[]), "scripted"), fake_embedder)
    assistant = Assistant.from_settings(assistant.settings, assistant.index, llm=llm)
    ans = assistant.ask("Who was the ship's captain questioned by police?", mode="llm")
    assert not ans.abstained and ans.fallback is None, ans.text
    # the model's own block is stripped; the surfaces add the one source note from the citations
    assert "Sources:" not in ans.text and ans.citations
    check_spans(ans)


class _OneSideLLM:
    """A verified llm answer that cites only the first article's count."""

    def answer(self, question, passages, ranked=None):
        doc = next(d for d in DOCS if d.doc_id == "harbor-a")
        quote = "The ministry said the ship carried 3 foreign sailors when it was seized."
        s = doc.text.index(quote)
        cite = Citation(1, doc.doc_id, s, s + len(quote), quote, doc.title, doc.outlet, doc.published)
        return Answer(question, "The ship carried 3 foreign sailors [1].", [cite], passages, mode="llm")

    def stream(self, question, passages, ranked=None):
        yield self.answer(question, passages, ranked)


def test_llm_mode_reports_conflicts_as_quote_mode_does(assistant):
    q = "How many foreign sailors were on the ship Aurora?"
    quoted = assistant.ask(q)
    assistant = Assistant.from_settings(assistant.settings, assistant.index, llm=_OneSideLLM())
    for ans in (assistant.ask(q, mode="llm"), list(assistant.stream(q, mode="llm"))[-1]):
        assert ans.mode == "llm" and ans.fallback is None
        assert [c.topic for c in ans.conflicts] == [c.topic for c in quoted.conflicts]
        assert {v.value for v in ans.conflicts[0].values} == {"3", "six"}
        markers = {m for v in ans.conflicts[0].values for m in v.citation_markers}
        assert markers <= {c.marker for c in ans.citations}
        assert {c.doc_id for c in ans.citations} >= {"harbor-a", "harbor-b"}
        assert ans.citations[0].marker == 1 and len({c.marker for c in ans.citations}) == len(ans.citations)
        # the model's text first, as it streamed; the disagreement is stated after it
        assert ans.text.startswith("The ship carried 3 foreign sailors [1].\nThe articles disagree on the ")
        assert "Sources:" not in ans.text
        check_spans(ans)


def _llm_assistant(assistant, reply, fake_embedder, **settings):
    llm = LLMAnswerer(ChatLLM(ScriptedLLM(reply=reply, prompts=[]), "scripted"), fake_embedder)
    cfg = assistant.settings
    if settings:
        cfg = cfg.model_copy(update={"llm": cfg.llm.model_copy(update=settings)})
    return Assistant.from_settings(cfg, assistant.index, llm=llm)


def _streamed(assistant, question):
    items = list(assistant.stream(question, mode="llm"))
    deltas, final = items[:-1], items[-1]
    assert all(isinstance(d, str) for d in deltas) and isinstance(final, Answer)
    return "".join(deltas), final


def test_the_final_text_is_exactly_what_streamed_with_the_rejected_sentence_marked(assistant, fake_embedder):
    reply = ("The ship's captain, Ivan Petrov, was questioned by police [1]. "
             "He was arrested for smuggling 40 tonnes of fuel [1].")
    a = _llm_assistant(assistant, reply, fake_embedder)
    streamed, final = _streamed(a, "Who was the ship's captain questioned by police?")
    assert final.text == streamed and streamed.startswith(reply + "\nPublished: [1] ")
    assert [v.status for v in final.sentences] == ["supported", "unsupported"]
    bad = final.sentences[1]
    assert final.text[bad.start:bad.end] == "He was arrested for smuggling 40 tonnes of fuel [1]."
    assert bad.reason and "40" in bad.reason
    assert final.unsupported == ["He was arrested for smuggling 40 tonnes of fuel [1]."]
    (c,) = final.citations
    assert c.quote == "The ship's captain, Ivan Petrov, was questioned by police." and c.marker == 1
    assert final.sentences[0].support[0].text == c.quote
    check_spans(final)
    assert a.ask("Who was the ship's captain questioned by police?", mode="llm").text == final.text
    # follow-ups build on what was supported, not on the struck sentence
    from qa.question.followup import Turn

    for kept in (Turn.of("q", final).answer, Turn.of("q", final.to_json()).answer):
        assert "Ivan Petrov" in kept and "40 tonnes" not in kept and "Published: [1]" in kept


def test_a_fallback_to_quotes_follows_the_streamed_text_instead_of_replacing_it(assistant, fake_embedder):
    reply = "The captain was Boris Volkov, a retired admiral [1]."
    a = _llm_assistant(assistant, reply, fake_embedder)
    streamed, final = _streamed(a, "Who was the ship's captain questioned by police?")
    assert final.text == streamed and final.fallback == "quote" and not final.abstained
    assert final.text.startswith(reply + "\n\nWhat the articles say:\n")
    assert final.fallback_start == len(reply + "\n\nWhat the articles say:\n")
    assert final.sentences[0].status == "unsupported" and "Boris Volkov" in final.sentences[0].reason
    # the quotes are numbered after the model's own [1], so no marker means two things
    assert min(c.marker for c in final.citations) == 2 and "[2]" in final.text[final.fallback_start:]
    assert "Ivan Petrov" in final.text[final.fallback_start:]
    check_spans(final)


def test_without_the_fallback_the_refusal_is_added_after_the_streamed_text(assistant, fake_embedder):
    reply = "The captain was Boris Volkov, a retired admiral [1]."
    a = _llm_assistant(assistant, reply, fake_embedder, fallback_to_quote=False)
    streamed, final = _streamed(a, "Who was the ship's captain questioned by police?")
    assert final.text == streamed == f"{reply}\n\n{ABSTAIN_TEXT}" and final.abstained
    refusal = "The articles do not say who the captain was."
    a = _llm_assistant(assistant, refusal, fake_embedder, fallback_to_quote=False)
    streamed, final = _streamed(a, "Who was the ship's captain questioned by police?")
    assert final.text == streamed == refusal and final.abstained  # its own words are the refusal


class _RewriteSpy:
    def __init__(self):
        self.calls = 0

    def rewrite(self, question, turns):
        self.calls += 1
        return "Who accompanied the captain Ivan Petrov?"

    def answer(self, question, passages, ranked=None):
        return _OneSideLLM().answer(question, passages, ranked)


def test_quote_mode_follow_ups_never_call_the_llm(assistant):
    spy = _RewriteSpy()
    assistant = Assistant.from_settings(assistant.settings, assistant.index, llm=spy)
    history = [("Who was the ship's captain questioned by police?", "Ivan Petrov [1]")]
    ans = assistant.ask("and who accompanied him?", history=history, mode="quote")
    assert spy.calls == 0 and "Ivan Petrov" in ans.standalone_question
    ans = assistant.ask("and who accompanied him?", history=history, mode="llm")
    assert spy.calls == 1 and ans.standalone_question == "Who accompanied the captain Ivan Petrov?"


def test_conversation_memory_round_trips_through_chat_messages(assistant):
    from qa.question.followup import parse_history

    conv = assistant.conversation()
    conv.ask("Who was the ship's captain questioned by police?")
    msgs = conv.messages()
    assert [m.role.value for m in msgs] == ["user", "assistant"]
    turns = parse_history(msgs)
    assert turns[0].question == "Who was the ship's captain questioned by police?"
    assert "Ivan Petrov" in turns[0].answer
    ans = assistant.ask("and who accompanied him?", history=msgs)
    assert "Ivan Petrov" in ans.standalone_question and "Elena Markova" in ans.text


class _SwappingLLM:
    """Streams one text, then ends with an answer saying another: what issue 21 saw."""

    def stream(self, question, passages, ranked=None):
        yield "According to the ministry, six sailors were aboard [1]."
        yield Answer(question, "Six sailors aboard the ship [1].", [], passages, mode="llm")


def test_an_answer_that_would_swap_the_streamed_text_is_refused(assistant):
    a = Assistant.from_settings(assistant.settings, assistant.index, llm=_SwappingLLM())
    with pytest.raises(RuntimeError, match="does not continue its streamed text"):
        list(a.stream("How many foreign sailors were on the ship Aurora?", mode="llm"))
