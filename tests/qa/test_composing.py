"""The small components Assistant wires together: AnswerComposer (quote answers, llm
finishing), IndexView (article texts, copies, vocabulary) and QueryMemo (one embedding per
question), each constructed and tested on its own, and injected through the constructor."""

from __future__ import annotations

import pytest

from corpus import Document
from qa.assistant import Assistant
from qa.answer.composing import AnswerComposer
from qa.index_view import IndexView
from qa.query_memo import QueryMemo
from qa.types import Answer

DOCS = [
    Document("a", "Ship seized", "Coast Daily", "2024-01-10",
             "Ship seized\nCoast guards seized the cargo ship Aurora on Monday near Varna. "
             "The ship's captain, Ivan Petrov, was questioned by police."),
    Document("b", "Fair opens", "Business Weekly", "2023-05-20",
             "Fair opens\nThe annual trade fair in Varna opened with two hundred exhibitors."),
]


def test_constructors_name_the_bad_value(make_index):
    with pytest.raises(TypeError, match="copies_of"):
        AnswerComposer(quote=None, copies_of=None)
    with pytest.raises(ValueError, match="size"):
        QueryMemo(object(), size=0)


def test_query_memo_embeds_a_question_once():
    class Counting:
        calls = 0

        def embed_query(self, text):
            Counting.calls += 1
            return [len(text)]

    memo = QueryMemo(Counting(), size=2)
    assert memo.embed_query("q1") == memo.embed_query("q1") == [2]
    assert Counting.calls == 1
    memo.embed_query("q2"), memo.embed_query("q3")  # q1 falls out of the memo
    memo.embed_query("q1")
    assert Counting.calls == 4


def test_index_view_reads_copies_and_vocabulary(assistant_over):
    assistant = assistant_over(DOCS)
    view = IndexView(assistant.index)
    assert view.copies_of("a") == []
    assert any(w.startswith("captain") for w in view.corpus_vocab())


def test_assistant_answers_through_the_injected_composer(assistant_over):
    base = assistant_over(DOCS)
    seen = []

    class Composer(AnswerComposer):
        def quote_answer(self, question, standalone, passages, ranked):
            seen.append((question, len(ranked)))
            return super().quote_answer(question, standalone, passages, ranked)

    composer = Composer(base.quote, lambda doc_id: [])
    assistant = Assistant(base.settings, base.index, composer=composer)
    ans = assistant.ask("Who was the ship's captain questioned by police?")
    assert seen and seen[0][0].startswith("Who was the ship's captain")
    assert not ans.abstained and "Ivan Petrov" in ans.text
    texts = {d.doc_id: d.text for d in DOCS}
    for c in ans.citations:
        assert texts[c.doc_id][c.start:c.end] == c.quote


def test_finish_llm_keeps_a_refusal_when_the_fallback_is_off(assistant_over):
    base = assistant_over(DOCS)
    composer = AnswerComposer(base.quote, lambda doc_id: [], fallback_to_quote=False)
    p = base.prepare("Who was the ship's captain questioned by police?")
    refusal = Answer(p.question, "I cannot tell.", [], p.passages, abstained=True, mode="llm")
    assert composer.finish_llm(p.question, p.standalone, p.passages, p.ranked, refusal).abstained
    composer.fallback_to_quote = True
    ans = composer.finish_llm(p.question, p.standalone, p.passages, p.ranked, refusal)
    assert not ans.abstained and ans.fallback == "quote" and ans.mode == "llm"
