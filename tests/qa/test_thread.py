"""Follow-ups resolved against what the previous answer was about (qa.question.thread)."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import Document
from qa.question.followup import Turn, parse_history, rewrite
from qa.question.memory import ChatMemory
from qa.question.thread import is_anaphoric, stated_date, thread_filters, thread_of
from qa.types import AnswerSpan, Answer, Citation

LEAD = ("On March 3, 2021, a trade delegation, led by Anna Berg, visited Oslo, in its second visit "
        "to Norway this year. [1]\nPublished: [1] Coast Daily, 3 Mar 2021.")


def _turn(**kw) -> Turn:
    base = dict(question="Who led the trade delegation in Oslo?", answer=LEAD, doc_ids=("a1",),
                span="Anna Berg", published="2021-03-03")
    base.update(kw)
    return Turn(**base)


def test_the_thread_carries_the_cited_articles_the_names_and_the_date():
    t = thread_of([_turn()])
    assert t.doc_ids == ("a1",)
    assert "Anna Berg" in t.names and "Oslo" in t.names
    assert t.people[0] == "Anna Berg"
    assert t.date == "March 3, 2021"  # stated in the cited sentence, not the publication day


def test_a_short_answer_cut_inside_a_word_is_named_as_its_sentence_writes_it():
    t = thread_of([_turn(span="Anna Be")])
    assert t.people[0] == "Anna Berg" and "Anna Be" not in t.names


def test_a_relative_date_is_not_the_thread_date():
    assert stated_date("They met on Monday.") is None
    t = thread_of([_turn(answer="The delegation met on Monday in Oslo. [1]")])
    assert t.date is None and t.doc_ids == ("a1",)


def test_when_was_that_names_the_thread_but_not_its_date():
    out = rewrite("When was that?", [_turn()])
    assert "Anna Berg" in out and "Oslo" in out
    assert "2021" not in out  # the date is what is asked: it would be its own answer


def test_who_else_carries_the_date_of_the_previous_answer():
    out = rewrite("Who else was there?", [_turn()])
    assert "Oslo" in out and "March 3, 2021" in out and "Anna Berg" in out


def test_pronouns_become_the_person_the_answer_named():
    out = rewrite("What did she say next?", [_turn()])
    assert out.startswith("What did Anna Berg say next")


def test_and_in_another_year_narrows_the_previous_question():
    out = rewrite("And in 2019?", [_turn(question="Who led the trade delegation in Oslo in 2021?")])
    assert out == "Who led the trade delegation in Oslo in 2019?"
    assert not is_anaphoric("And in 2019?", thread_of([_turn()]))


def test_chains_do_not_nest_the_context():
    first = _turn()
    second = Turn("When was that?", "On March 3, 2021, ... [1]", rewrite("When was that?", [first]), ("a1",))
    out = rewrite("And in 2019?", [first, second])
    assert out.count("(") == 0 and "2019" in out


def test_anaphoric_follow_ups_are_searched_in_the_cited_articles_first():
    t = thread_of([_turn()])
    assert is_anaphoric("When was that?", t) and is_anaphoric("Who else was there?", t)
    assert not is_anaphoric("What did the Bergen council decide?", t)
    assert thread_filters(None, t).doc_ids == ("a1",)
    from index import Filters

    assert thread_filters(Filters(doc_ids=("x",)), t) is None  # the caller's choice wins


def test_a_refusal_is_skipped_when_reading_the_thread():
    refused = Turn("And the budget?", "The articles don't say.")
    assert thread_of([_turn(), refused]).doc_ids == ("a1",)


def test_history_from_the_api_carries_citations():
    turns = parse_history([{"role": "user", "content": "Who led it?"},
                           {"role": "assistant", "content": LEAD, "doc_ids": ["a1"], "answer_span": "Anna Berg"}])
    assert turns[0].doc_ids == ("a1",) and turns[0].span == "Anna Berg"
    turns = parse_history([{"question": "Q", "answer": "A", "citations": [{"doc_id": "d9", "published": "2020-01-02"}]}])
    assert turns[0].doc_ids == ("d9",) and turns[0].published == "2020-01-02"


def test_chat_memory_keeps_what_the_answer_cited():
    quote = "a trade delegation, led by Anna Berg, visited Oslo"
    ans = Answer("Who led it?", LEAD, [Citation(1, "a1", 10, 10 + len(quote), quote, published="2021-03-03")],
                 answer_span=AnswerSpan(1, "a1", 37, 46, "Anna Berg"))
    mem = ChatMemory()
    mem.remember("Who led it?", ans)
    turn = mem.turns()[0]
    assert turn.doc_ids == ("a1",) and turn.span == "Anna Berg" and turn.published == "2021-03-03"
    assert mem.as_dicts()[1]["doc_ids"] == ["a1"]


def test_assistant_answers_a_follow_up_from_the_article_the_previous_answer_cited(assistant_over):
    """Two articles about two visits: 'When was that?' stays with the visit first answered."""
    a = assistant_over([
        Document("oslo-may", "Berg in Oslo", "Coast Daily", "2021-05-05",
                 "Anna Berg led the trade delegation that visited Oslo on May 4, 2021. "
                 "The delegation signed a fishing accord."),
        Document("oslo-oct", "Lund in Oslo", "Sea Herald", "2020-10-27",
                 "A trade delegation visited Oslo on October 26, 2020. Its leader, Per Lund, met the mayor."),
    ])
    conv = a.conversation()
    first = conv.ask("Who led the trade delegation that signed a fishing accord in Oslo?")
    assert {c.doc_id for c in first.citations} == {"oslo-may"}, first.text
    second = conv.ask("When was that?")
    assert {c.doc_id for c in second.citations} == {"oslo-may"}, second.text
    assert "May 4, 2021" in second.text and "October" not in second.text
    assert "Oslo" in second.standalone_question


@pytest.mark.slow
def test_real_seed_corpus_when_was_that_keeps_the_visit(tmp_path):
    """The issue's conversation on the seed articles, real models: the follow-up is answered
    with the visit the first answer was about, not another one."""
    from index import ingest_paths
    from qa.assistant import Assistant
    from qa.components import build_index
    from qa.settings import Settings

    corpus = Path(__file__).resolve().parents[2] / "corpus"
    settings = Settings(data_dir=str(tmp_path / "data"))
    index = build_index(settings)
    assert not ingest_paths(index, [str(corpus)]).errors
    conv = Assistant.from_settings(settings, index).conversation()
    first = conv.ask("Who led the Hamas delegation in Moscow?", mode="quote")
    cited = {c.doc_id for c in first.citations}
    second = conv.ask("When was that?", mode="quote")
    assert {c.doc_id for c in second.citations} <= cited, (first.text, second.text)
    assert "January 19, 2024" in second.text or "19 Jan" in second.text, second.text
    third = conv.ask("Who else was there?", mode="quote")
    assert "Bassem Naim" in third.text or "Bogdanov" in third.text, third.text


def test_a_name_the_thread_s_articles_mention_keeps_the_follow_up_on_the_thread():
    t = thread_of([_turn()])
    article = "Anna Berg led the delegation. She said Norway should take part in the fishing accord."
    assert not is_anaphoric("What did she say Norway should take part in?", t)  # 'Norway' alone is new
    assert is_anaphoric("What did she say Norway should take part in?", t, articles=article)
    # a date is a new thread even when the article mentions it: 'And in 2019?' asks about another year
    assert not is_anaphoric("And in 2019?", t, articles=article + " In 2019 she was mayor.")


def _visits(assistant_over):
    return assistant_over([
        Document("oslo-may", "Berg in Oslo", "Coast Daily", "2021-05-05",
                 "Anna Berg led the trade delegation that visited Oslo on May 4, 2021. "
                 "The delegation signed a fishing accord. Berg praised the harbour workers."),
        Document("bergen", "Berg in Bergen", "Sea Herald", "2021-06-10",
                 "In Bergen, Anna Berg praised the Oslo trade delegation's museum on May 4, 2021. "
                 "Anna Berg has opened three museums since she became minister."),
    ])


def test_an_anaphoric_follow_up_is_answered_from_the_thread_s_article_when_it_can(assistant_over):
    """'What did she praise?' after the Oslo answer: the Oslo article answers, although the other
    article's sentence shares more words with the rewritten question."""
    conv = _visits(assistant_over).conversation()
    first = conv.ask("Who led the trade delegation that signed a fishing accord in Oslo?")
    assert {c.doc_id for c in first.citations} == {"oslo-may"}, first.text
    second = conv.ask("What did she praise?")
    assert {c.doc_id for c in second.citations} == {"oslo-may"}, second.text


def test_a_follow_up_the_thread_s_article_cannot_answer_searches_the_whole_index(assistant_over):
    conv = _visits(assistant_over).conversation()
    conv.ask("Who led the trade delegation that signed a fishing accord in Oslo?")
    # the Oslo article gives no number of museums (the refusal gate's count check fails there)
    second = conv.ask("How many museums has she opened?")
    assert not second.abstained and "three museums" in second.text, second.text
    assert {c.doc_id for c in second.citations} == {"bergen"}


@pytest.mark.slow
def test_real_seed_corpus_follow_ups_answered_from_the_thread_s_article(tmp_path):
    """Real models, seed articles (two dev conversations of eval/followups.jsonl): 'it' carries
    the agreement asked about and the article the first answer cited answers the follow-up;
    'How did Israel react?' names Israel, which that article mentions, so it stays there too."""
    from index import ingest_paths
    from qa.assistant import Assistant
    from qa.components import build_index
    from qa.settings import Settings

    corpus = Path(__file__).resolve().parents[2] / "corpus"
    settings = Settings(data_dir=str(tmp_path / "data"))
    index = build_index(settings)
    assert not ingest_paths(index, [str(corpus)]).errors
    assistant = Assistant.from_settings(settings, index)
    conv = assistant.conversation()
    first = conv.ask("How many days does the first phase of the Gaza ceasefire agreement last?", mode="quote")
    second = conv.ask("And in how many stages will it be implemented?", mode="quote")
    assert {c.doc_id for c in second.citations} <= {c.doc_id for c in first.citations}, (first.text, second.text)
    assert "three stages" in second.text, second.text
    conv = assistant.conversation()
    first = conv.ask("On what date did Moscow receive a Hamas delegation weeks after Operation Al-Aqsa Flood began?",
                     mode="quote")
    second = conv.ask("How did Israel react?", mode="quote")
    assert {c.doc_id for c in second.citations} <= {c.doc_id for c in first.citations}, (first.text, second.text)
    assert "summoned" in second.text, second.text
