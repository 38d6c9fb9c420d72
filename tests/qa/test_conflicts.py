"""Conflicting figures across articles, spelled-out numbers included."""

from __future__ import annotations

from index import Chunk, ScoredPassage
from qa.check.conflicts import find_conflicts, mentions
from qa.answer.quote import SentenceScorer, candidate_sentences


def passage(doc_id, text, published):
    return ScoredPassage(Chunk(f"{doc_id}#0", doc_id, 0, len(text), text), 1.0, outlet=f"out-{doc_id}",
                         published=published)


A = "The ministry said the ship carried 3 foreign sailors when it was seized."
B = "Officials said six foreign sailors were aboard the ship when it was seized."
C = "The ministry said the ship carried three foreign sailors when it was seized."


def ranked(fake_embedder, q, passages):
    return SentenceScorer(fake_embedder).score(q, candidate_sentences(passages))


def test_spelled_out_and_digit_values_disagree(fake_embedder):
    q = "How many foreign sailors were on the ship?"
    found = find_conflicts(q, ranked(fake_embedder, q, [passage("a", A, "2024-01-01"), passage("b", B, None)]))
    assert len(found) == 1
    assert set(found[0].values) == {3.0, 6.0}
    assert "sailors" in found[0].topic


def test_same_value_written_differently_is_no_conflict(fake_embedder):
    q = "How many foreign sailors were on the ship?"
    assert find_conflicts(q, ranked(fake_embedder, q, [passage("a", A, None), passage("c", C, None)])) == []


def test_one_article_is_not_a_conflict(fake_embedder):
    q = "How many foreign sailors were on the ship?"
    text = A + " " + B
    assert find_conflicts(q, ranked(fake_embedder, q, [passage("a", text, None)])) == []


def test_dates_and_years_are_not_counts(fake_embedder):
    [s] = candidate_sentences([passage("a", "On March 3, 2024 the 12 envoys met in 2023 rooms.", None)])
    values = [m.value for m in mentions(s)]
    assert 12.0 in values and 2024.0 not in values and 3.0 not in values


def test_subset_of_total_counts_the_clause(fake_embedder):
    [s] = candidate_sentences([passage("a", "There are at least six out of the 220 hostages who hold French citizenship.", None)])
    ms = {m.value: m for m in mentions(s)}
    assert "citizenship" in " ".join(ms[6.0].context) or any(c.startswith("citizen") for c in ms[6.0].context)
    assert not any(c.startswith("citizen") for c in ms[220.0].context)


def test_a_number_counts_its_unit_not_a_later_noun(fake_embedder):
    from qa.check.conflicts import counts

    [s] = candidate_sentences([passage("a", "The first phase, over 42 days, saw the release of sailors.", None)])
    [m] = [m for m in mentions(s) if m.value == 42.0]
    assert counts(m, "day") and not counts(m, "sailor")
