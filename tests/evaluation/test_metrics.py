"""Metric functions against hand-computed examples, edge cases included."""

from __future__ import annotations

import math

import pytest

from evaluation import metrics as M
from evaluation.gold import Evidence


def ev(doc: str, start: int, end: int) -> Evidence:
    return Evidence(doc, "x" * (end - start), ((start, end),))


# -- SQuAD answer metrics -------------------------------------------------------------------
def test_normalisation_is_squads():
    assert M.normalize_answer("The  Anadolu, news-agency!") == "anadolu newsagency"
    assert M.normalize_answer("An apple a day") == "apple day"


def test_exact_match_and_f1_hand_computed():
    assert M.exact_match("the Fatah.", "Fatah") == 1.0
    # pred tokens: mousa abu marzouk headed (4); gold: abu marzouk (2); common 2
    # P = 2/4, R = 2/2, F1 = 2*0.5*1/(1.5) = 0.6667
    assert M.token_f1("Mousa Abu Marzouk headed", "Abu Marzouk") == pytest.approx(2 / 3)
    assert M.token_f1("Bogdanov", "Lavrov") == 0.0


def test_best_alias_wins():
    assert M.best_exact_match("1,400", ["approximately 1,400", "1400"]) == 1.0
    assert M.best_f1("about 1400 people", ["1400", "approximately 1,400"]) == pytest.approx(0.5)


def test_empty_answer_and_unanswerable_follow_squad2():
    # unanswerable: gold is [""]; only an empty prediction (an abstention) scores
    assert M.best_exact_match("", []) == 1.0 and M.best_f1("", []) == 1.0
    assert M.best_exact_match("Moscow", []) == 0.0 and M.best_f1("Moscow", []) == 0.0
    # answerable but the system said nothing
    assert M.best_exact_match("", ["Qatar"]) == 0.0 and M.best_f1("", ["Qatar"]) == 0.0
    # an alias that normalises to nothing is dropped, leaving the question unanswerable
    assert M.best_exact_match("", ["the"]) == 1.0


def test_prediction_text_strips_markers_and_abstention():
    assert M.prediction_text("Qatar [1], then Doha [2, 3].", False) == "Qatar, then Doha."
    assert M.prediction_text("The articles don't say.", True) == ""


def test_contains_alias_on_token_boundaries():
    assert M.contains_alias("He lives in Qatar as an exile [1].", ["Qatar"])
    assert not M.contains_alias("sixty hostages", ["six"])
    # a possessive mentions the name; curly quotes are punctuation like straight ones
    assert M.contains_alias("Gustavo Petro will become Colombia’s first leftist leader.", ["Colombia"])
    assert M.contains_alias("Netflix renewed Squid Game for a second season.", ["“Squid Game”"])
    assert not M.contains_alias("Colombians voted on Sunday.", ["Colombia"])
    assert M.contains_alias("at least six hostages", ["six"])
    assert not M.contains_alias("anything", [])


# -- refusal ------------------------------------------------------------------------------------
def test_refusal_stats_hand_computed():
    # 2 unanswerable (1 abstained), 4 answerable (1 abstained)
    r = M.refusal_stats([(False, True), (False, False), (True, False), (True, True), (True, False),
                         (True, False)])
    assert r.refusal_accuracy == 0.5 and r.false_refusal_rate == 0.25
    assert (r.n_unanswerable, r.n_answerable) == (2, 4)


def test_refusal_stats_with_abstention_only_and_empty():
    r = M.refusal_stats([(False, True)])
    assert r.refusal_accuracy == 1.0 and r.false_refusal_rate is None
    assert M.refusal_stats([]).refusal_accuracy is None


# -- citations -----------------------------------------------------------------------------------
def test_citation_precision_and_recall():
    gold = [ev("a", 10, 20), ev("b", 0, 5)]
    cites = [
        ("a", 15, 30, "overlaps the first quote"),
        ("a", 20, 30, "touches only at the end: no overlap"),
        ("c", 0, 9, "elsewhere but says Qatar"),
    ]
    s = M.citation_scores(cites, gold, ["Qatar"])
    assert (s.correct, s.total) == (2, 3)
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == 0.5  # quote b is never cited


def test_citation_scores_without_citations_or_evidence():
    s = M.citation_scores([], [ev("a", 0, 3)], ["x"])
    assert s.precision is None and s.recall == 0.0
    s = M.citation_scores([("a", 0, 3, "abc")], [], [])
    assert s.precision == 0.0 and s.recall is None


# -- retrieval --------------------------------------------------------------------------------------
def test_passage_relevance_by_span_overlap():
    gold = [ev("a", 100, 150)]
    assert M.passage_relevance([("a", 0, 100), ("a", 140, 300), ("b", 100, 150), ("a", 149, 150)], gold) == \
        [False, True, False, True]


def test_retrieval_no_relevant_passage():
    r = M.retrieval_scores([("x", 0, 10), ("y", 0, 10)], [ev("a", 0, 5)])
    assert all(v == 0.0 for v in r.values())


def test_retrieval_all_relevant():
    gold = [ev("a", 0, 5), ev("b", 0, 5)]
    r = M.retrieval_scores([("a", 0, 50), ("b", 0, 50)], gold)
    assert r["hit@1"] == 1.0 and r["recall@1"] == 0.5 and r["recall@3"] == 1.0
    assert r["mrr"] == 1.0 and r["ndcg@10"] == pytest.approx(1.0)


def test_retrieval_hand_computed_ranks():
    gold = [ev("a", 0, 5), ev("b", 0, 5)]
    # relevant at ranks 2 and 4: DCG = 1/log2(3) + 1/log2(5); IDCG = 1 + 1/log2(3)
    r = M.retrieval_scores([("x", 0, 9), ("a", 0, 9), ("y", 0, 9), ("b", 0, 9)], gold)
    assert r["hit@1"] == 0.0 and r["hit@3"] == 1.0
    assert r["recall@3"] == 0.5 and r["recall@5"] == 1.0 and r["recall@10"] == 1.0
    assert r["mrr"] == 0.5
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert r["ndcg@10"] == pytest.approx(expected)


def test_retrieval_ties_duplicates_earn_nothing_new():
    # two passages overlap the same single quote: the second adds no gain (nDCG stays 1)
    gold = [ev("a", 0, 5)]
    r = M.retrieval_scores([("a", 0, 9), ("a", 2, 12)], gold)
    assert r["ndcg@10"] == pytest.approx(1.0) and r["recall@1"] == 1.0


def test_retrieval_one_passage_covering_two_quotes_counts_both_for_recall():
    gold = [ev("a", 0, 5), ev("a", 10, 15)]
    r = M.retrieval_scores([("a", 0, 20)], gold)
    assert r["recall@1"] == 1.0 and r["hit@1"] == 1.0


def test_retrieval_needs_evidence():
    with pytest.raises(ValueError, match="evidence"):
        M.retrieval_scores([("a", 0, 1)], [])


# -- latency -------------------------------------------------------------------------------------------
def test_percentiles_interpolate_like_numpy():
    xs = [4.0, 1.0, 3.0, 2.0]
    assert M.percentile(xs, 50) == 2.5
    assert M.percentile(xs, 95) == pytest.approx(3.85)
    assert M.percentile([7.0], 95) == 7.0
    assert M.percentile([], 50) is None
    with pytest.raises(ValueError, match="percentile"):
        M.percentile(xs, 101)


def test_latency_summary():
    s = M.latency_summary([0.1, 0.2, 0.3])
    assert s["n"] == 3 and s["p50"] == pytest.approx(0.2) and s["max"] == 0.3
    assert M.latency_summary([])["p50"] is None
