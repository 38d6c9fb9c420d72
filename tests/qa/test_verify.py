"""The citation checker: support per sentence, bad markers removed, exact spans."""

from __future__ import annotations

import pytest

from index import Chunk, ScoredPassage
from qa.settings import VerifySettings
from qa.check.claims import Checker, Source, split_claims

DOC_A = ("Header line.\n"
         "The city council approved a budget of 4.2 million dollars on Monday. "
         "Mayor Lena Ortiz said the money will repair three bridges. "
         "Work starts in May.")
DOC_B = "Storm warning. Heavy rain flooded the harbour district on Tuesday night. Nobody was hurt."


def passage(doc_id, doc_text, start, title="T", outlet="Daily", published="2024-03-05"):
    text = doc_text[start:]
    return ScoredPassage(Chunk(f"{doc_id}:0", doc_id, start, len(doc_text), text), 1.0,
                         title=title, outlet=outlet, published=published)


@pytest.fixture
def sources():
    a = passage("a", DOC_A, DOC_A.index("The city"))
    b = passage("b", DOC_B, 0, title="Weather", outlet="Gazette", published="2024-03-06")
    return [Source.whole(1, a), Source.whole(2, b)]


def test_supported_sentences_get_exact_spans(sources, fake_embedder):
    v = Checker(fake_embedder).verify(
        "The council approved a budget of 4.2 million dollars [1]. Heavy rain flooded the harbour "
        "district [2].", sources)
    assert v.unsupported == []
    assert len(v.citations) == 2
    c1, c2 = v.citations
    assert (c1.doc_id, c1.marker) == ("a", 1)
    assert DOC_A[c1.start:c1.end] == c1.quote
    assert c1.quote.startswith("The city council approved") and c1.quote.endswith("Monday.")
    assert DOC_B[c2.start:c2.end] == c2.quote == "Heavy rain flooded the harbour district on Tuesday night."
    assert v.text == ("The council approved a budget of 4.2 million dollars [1]. "
                      "Heavy rain flooded the harbour district [2].")


def test_planted_unsupported_sentence_is_caught_and_dropped(sources, fake_embedder):
    planted = "The governor resigned after a corruption scandal involving 12 officials [1]."
    v = Checker(fake_embedder).verify(
        "Mayor Lena Ortiz said the money will repair three bridges [1]. " + planted, sources)
    assert v.unsupported == ["The governor resigned after a corruption scandal involving 12 officials."]
    assert "governor" not in v.text
    assert [c.quote for c in v.citations] == ["Mayor Lena Ortiz said the money will repair three bridges."]
    kept = Checker(fake_embedder, VerifySettings(drop_unsupported=False)).verify(
        "Mayor Lena Ortiz said the money will repair three bridges [1]. " + planted, sources)
    assert "governor" in kept.text and "[" not in kept.text.split("governor")[1]


def test_wrong_number_or_name_is_unsupported(sources, fake_embedder):
    v = Checker(fake_embedder).verify(
        "The council approved a budget of 5.2 million dollars on Monday [1]. "
        "Mayor Peter Ortiz said the money will repair three bridges [1].", sources)
    assert len(v.unsupported) == 2
    assert v.citations == []
    assert v.checks[0].missing == ("5.2",) and "peter" in v.checks[1].missing


def test_citation_to_nonexistent_passage_is_removed(sources, fake_embedder):
    v = Checker(fake_embedder).verify("Heavy rain flooded the harbour district on Tuesday night [2][7].",
                                      sources)
    assert v.removed_markers == [7]
    assert "[7]" not in v.text and v.text.endswith("[1].")
    assert [c.doc_id for c in v.citations] == ["b"]


def test_uncited_or_miscited_sentence_is_checked_against_all(sources, fake_embedder):
    v = Checker(fake_embedder).verify("Nobody was hurt. Work starts in May [2].", sources)
    assert v.unsupported == []
    assert [(c.doc_id, c.quote) for c in v.citations] == [("b", "Nobody was hurt."), ("a", "Work starts in May.")]


def test_markers_are_renumbered_one_per_span(sources, fake_embedder):
    v = Checker(fake_embedder).verify(
        "Work starts in May [1]. Nobody was hurt [2]. The work starts in May [1].", sources)
    assert v.text == "Work starts in May [1]. Nobody was hurt [2]. The work starts in May [1]."
    assert [c.marker for c in v.citations] == [1, 2]


def test_split_claims_moves_leading_markers_back():
    assert split_claims("It rained. [1] Then it stopped [2, 3].\n- A bullet [4]") == [
        ("It rained.", [1]), ("Then it stopped.", [2, 3]), ("A bullet", [4])]


def test_source_validates_spans():
    p = passage("a", DOC_A, 13)
    with pytest.raises(ValueError, match="outside its passage"):
        Source(1, p, ((0, 5),))
    with pytest.raises(ValueError, match="min_overlap"):
        VerifySettings(min_overlap=2)


def test_source_text_shows_gaps():
    p = passage("a", DOC_A, DOC_A.index("The city"))
    whole = Source.whole(1, p)
    sub = Source(1, p, (whole.spans[0], whole.spans[2]))
    assert sub.text == whole.sentences[0] + " … " + whole.sentences[2]
    assert Source(1, p, whole.spans[:2]).text == whole.sentences[0] + " " + whole.sentences[1]


def test_words_echoing_the_question_need_no_support(sources, fake_embedder):
    claim = "Among the municipal projects in Springfield, three bridges will be repaired [1]."
    q = "Which municipal projects in Springfield will be paid for?"
    assert Checker(fake_embedder).verify(claim, sources).unsupported  # 'Springfield' is not in [1]
    v = Checker(fake_embedder).verify(claim, sources, question=q)
    assert v.unsupported == [] and v.citations[0].quote.startswith("Mayor Lena Ortiz")
    wrong = "Among the municipal projects in Springfield, seven bridges will be repaired [1]."
    assert Checker(fake_embedder).verify(wrong, sources, question=q).checks[0].missing == ("7",)


def test_empty_lead_in_left_by_a_marker_is_dropped():
    assert split_claims("According to [1], it rained. Per the sources, it stopped [2].") == [
        ("It rained.", [1]), ("It stopped.", [2])]
    assert split_claims("According to the statement from [1], it rained.") == [
        ("According to the statement, it rained.", [1])]
