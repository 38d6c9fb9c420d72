"""The short answer span: an entity of the asked type inside a cited sentence, exact offsets."""

import pytest

from qa.answer.short_answer import Entity, ShortAnswerFinder
from qa.types import AnswerSpan, Citation

SENT = "On Sunday the ministry said 3 Russian citizens were freed in Gaza by Hamas."


def _cite(text=SENT, start=500, marker=1, doc="d1"):
    return Citation(marker, doc, start, start + len(text), text)


def _fake_entities(text):
    out = []
    for surface, label in (("Sunday", "DATE"), ("3", "CARDINAL"), ("Russian", "NORP"), ("Gaza", "GPE"),
                           ("Hamas", "ORG"), ("Paris", "GPE"), ("Lavrov", "PERSON")):
        i = text.find(surface)
        if i >= 0:
            out.append(Entity(i, i + len(surface), label))
    return out


@pytest.mark.parametrize("question,kind,expected", [
    ("How many Russian citizens were freed?", "quantity", "3"),
    ("When were the citizens freed?", "date", "Sunday"),
    ("Where were the Russian citizens freed?", "place", "Gaza"),
])
def test_span_is_the_typed_entity_with_exact_offsets(question, kind, expected):
    c = _cite()
    span = ShortAnswerFinder(_fake_entities).find(question, kind, [c])
    assert isinstance(span, AnswerSpan) and span.text == expected
    assert SENT[span.start - c.start:span.end - c.start] == expected  # doc offsets, not sentence offsets
    assert span.marker == 1 and span.doc_id == "d1"


def test_entity_the_question_names_is_not_the_answer():
    # "Gaza" is in the question, so a place question about it has no other place to answer with
    assert ShortAnswerFinder(_fake_entities).find("Where in Gaza were they freed?", "place", [_cite()]) is None


def test_no_span_for_untyped_questions_or_without_citations():
    f = ShortAnswerFinder(_fake_entities)
    assert f.find("Why were they freed?", "reason", [_cite()]) is None
    assert f.find("How many were freed?", "quantity", []) is None


def test_falls_back_to_the_next_citation():
    other = "Lavrov met them in Paris."
    span = ShortAnswerFinder(_fake_entities).find("Who met them?", "person",
                                                  [_cite("No names here at all.", 0), _cite(other, 900, marker=2)])
    assert span.marker == 2 and span.text == "Lavrov" and span.start == 900


def test_nearest_to_the_question_words_wins_among_same_label():
    text = "In Paris the talks ended, and in Gaza the hostages were freed."
    span = ShortAnswerFinder(_fake_entities).find("Where were the hostages freed?", "place", [_cite(text, 0)])
    assert span.text == "Gaza"


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="max_citations"):
        ShortAnswerFinder(_fake_entities, max_citations=0)
    with pytest.raises(ValueError, match="answer span"):
        AnswerSpan(1, "d", 5, 9, "abc")


@pytest.mark.slow
def test_real_spacy_finds_a_count_and_a_date():
    c = _cite("Hamas released eight hostages, including 3 Russian citizens, on Sunday in Gaza.", 10)
    f = ShortAnswerFinder()
    assert f.find("When did Hamas release the hostages?", "date", [c]).text == "Sunday"
    span = f.find("Who released the hostages?", "person", [c])
    assert span.text == "Hamas" and span.start == 10


HOSTAGES = "At least six of the 220 hostages held by Hamas hold Russian citizenship, Israel said."


def _hostage_entities(text):
    return [Entity(text.find(s), text.find(s) + len(s), "CARDINAL") for s in ("six", "220") if s in text]


def test_llm_mode_bolds_the_value_the_answer_states_not_the_one_beside_it():
    # the case: the answer says "six"; "220 hostages" sits nearer the question's words
    c = _cite(HOSTAGES)
    q = "How many of the hostages hold Russian citizenship?"
    finder = ShortAnswerFinder(_hostage_entities)
    assert finder.find(q, "quantity", [c]).text == "220"  # quote mode: nearest to the question
    claims = {1: "Six of the hostages hold Russian citizenship, according to Israel [1]."}
    assert finder.find(q, "quantity", [c], claims=claims).text == "six"
    # a citation no supported sentence cites, or a value no sentence states: nothing is bolded
    assert finder.find(q, "quantity", [c], claims={}) is None
    assert finder.find(q, "quantity", [c], claims={1: "Some hostages are Russian [1]."}) is None
