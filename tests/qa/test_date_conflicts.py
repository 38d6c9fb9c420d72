"""Conflicting dates across articles: the same granularity only, the asked thing only."""

from __future__ import annotations

import pytest

from corpus import Document
from index import Chunk, ScoredPassage
from qa.check.conflicts import find_conflicts
from qa.check.date_conflicts import asked_units, date_mentions, find_date_conflicts
from qa.answer.quote import SentenceScorer, candidate_sentences


def passage(doc_id, text, published=None):
    return ScoredPassage(Chunk(f"{doc_id}#0", doc_id, 0, len(text), text), 1.0, outlet=f"out-{doc_id}",
                         published=published)


def ranked(fake_embedder, q, passages):
    return SentenceScorer(fake_embedder).score(q, candidate_sentences(passages))


def conflicts(fake_embedder, q, *texts):
    ps = [passage(chr(ord("a") + i), t) for i, t in enumerate(texts)]
    return find_date_conflicts(q, ranked(fake_embedder, q, ps))


WEEKDAY_Q = "On which weekday did the delegation meet the foreign minister in Vienna?"
MONDAY = "The delegation met the foreign minister in Vienna on Monday, the ministry said."
FRIDAY = "The foreign minister received today, Friday, the delegation in Vienna, officials said."
DATE_Q = "On what date was the treaty signed in Vienna?"
MARCH_3 = "The treaty was signed in Vienna on March 3, 2024, by both ministers."
MARCH_3_UK = "Both ministers signed the treaty in Vienna on 3 March 2024."
MARCH_5 = "The treaty was signed in Vienna on March 5, 2024, by both ministers."


def test_different_weekdays_from_two_articles_conflict(fake_embedder):
    found = conflicts(fake_embedder, WEEKDAY_Q, MONDAY, FRIDAY)
    assert len(found) == 1
    assert set(found[0].values) == {"Monday", "Friday"}
    assert {m.doc_id for ms in found[0].values.values() for m in ms} == {"a", "b"}
    assert found[0].topic.startswith("day of the week") and "Vienna" in found[0].topic
    # find_conflicts (counts, then dates) returns it too
    assert [set(f.values) for f in find_conflicts(WEEKDAY_Q, ranked(
        fake_embedder, WEEKDAY_Q, [passage("a", MONDAY), passage("b", FRIDAY)]))] == [{"Monday", "Friday"}]


def test_different_full_dates_conflict_but_one_date_written_two_ways_does_not(fake_embedder):
    found = conflicts(fake_embedder, DATE_Q, MARCH_3, MARCH_5)
    assert [set(f.values) for f in found] == [{"2024-03-03", "2024-03-05"}]
    assert conflicts(fake_embedder, DATE_Q, MARCH_3, MARCH_3_UK) == []


def test_one_article_with_two_dates_is_no_conflict(fake_embedder):
    assert conflicts(fake_embedder, DATE_Q, MARCH_3 + " " + MARCH_5) == []
    assert conflicts(fake_embedder, WEEKDAY_Q, MONDAY + " " + FRIDAY) == []


def test_weekday_is_not_compared_with_a_full_date(fake_embedder):
    q = "When was the treaty signed in Vienna?"
    monday = "The treaty was signed in Vienna on Monday by both ministers."
    assert conflicts(fake_embedder, q, monday, MARCH_3) == []


def test_question_that_asks_no_date_gets_no_date_conflict(fake_embedder):
    for q in ("Who signed the treaty in Vienna?",
              "What did the ministers say when the treaty was signed in Vienna?"):
        assert asked_units(q) == ()
        assert conflicts(fake_embedder, q, MARCH_3, MARCH_5) == []


def test_unrelated_date_in_a_relevant_sentence_is_ignored(fake_embedder):
    other = "The treaty was signed in Vienna by both ministers; their talks had been proposed on May 9, 2022."
    [s] = candidate_sentences([passage("b", other)])
    assert [m.value for m in date_mentions(s) if m.unit == "date"] == ["2022-05-09"]
    r = ranked(fake_embedder, DATE_Q, [passage("a", MARCH_3), passage("b", other)])
    assert find_date_conflicts(DATE_Q, r) == []
    # the date's own words decide, not only the similarity guard: off, still no conflict
    assert find_date_conflicts(DATE_Q, r, sem_margin=1.0, band=0.0) == []
    related = "The treaty was signed in Vienna by both ministers on May 9, 2022."
    r = ranked(fake_embedder, DATE_Q, [passage("a", MARCH_3), passage("b", related)])
    assert [set(f.values) for f in find_date_conflicts(DATE_Q, r, sem_margin=1.0, band=0.0)] == [
        {"2024-03-03", "2022-05-09"}]


def test_bound_question_needs_the_same_preposition(fake_embedder):
    q = "Since what year has the ministry held talks with the delegation?"
    since = "The ministry has held talks with the delegation since 2006, officials said."
    visit = "In 2024 the ministry held talks with the delegation in Vienna."
    assert asked_units(q) == ("year",)
    assert conflicts(fake_embedder, q, since, visit) == []


def test_dateline_is_not_a_claim_but_a_dated_event_is():
    [s] = candidate_sentences([passage("a", "date 2024-03-05 The treaty was signed in Vienna.", "2024-03-05")])
    assert date_mentions(s) == []
    [s] = candidate_sentences([passage("a", "On March 5, 2024 the treaty was signed in Vienna.", "2024-03-05")])
    assert [m.value for m in date_mentions(s) if m.unit == "date"] == ["2024-03-05"]


def test_lower_case_words_are_not_dates():
    [s] = candidate_sentences([passage("a", "Talks may march on, the minister said on friday night.")])
    assert date_mentions(s) == []


DOCS = [
    Document("talks-a", "Delegation in Vienna", "Danube Post", "2024-01-15",
             "Delegation in Vienna\n" + MONDAY + " The talks covered trade and visas."),
    Document("talks-b", "Minister hosts delegation", "Alpine Herald", "2024-01-19",
             "Minister hosts delegation\n" + FRIDAY + " Both sides praised the talks."),
    Document("fair-c", "Trade fair opens", "Business Weekly", "2023-05-20",
             "Trade fair opens\nThe annual trade fair in Graz opened with two hundred exhibitors."),
]


@pytest.fixture
def assistant(assistant_over):
    return assistant_over(DOCS)


def test_assistant_states_each_weekday_with_its_source_and_date(assistant):
    # 'what day', not 'which weekday': the gate's asked-category check compares the word
    # 'weekday' with the evidence by word vectors, which the fake embedder does not have
    ans = assistant.ask("On what day did the delegation meet the foreign minister in Vienna?")
    assert not ans.abstained and ans.conflicts, ans.text
    [c] = ans.conflicts
    assert {v.value for v in c.values} == {"Monday", "Friday"}
    cited = {c.marker: c for c in ans.citations}
    for v in c.values:
        [marker] = v.citation_markers
        assert f"{v.value} [{marker}]" in ans.text
        assert v.value in cited[marker].quote
    assert "2024-01-15" in ans.text and "2024-01-19" in ans.text
    for cit in ans.citations:
        doc = next(d for d in DOCS if d.doc_id == cit.doc_id)
        assert doc.text[cit.start:cit.end] == cit.quote
