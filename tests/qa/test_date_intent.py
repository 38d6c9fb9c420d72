"""Date intents: order ('most recent', 'first') and ranges ('in 2024', 'before May 2024')."""

from __future__ import annotations

from index import Chunk, ScoredPassage
from qa.question.dates import DateIntent, apply_intent, parse_intent, strip_intent
from qa.answer.quote import SentenceScorer, candidate_sentences


def test_parse_intent():
    assert parse_intent("What is the most recent visit?").order == "latest"
    assert parse_intent("When was the first meeting?").order == "earliest"
    i = parse_intent("What happened in 2024?")
    assert (i.date_from, i.date_to) == ("2024-01-01", "2024-12-31")
    i = parse_intent("Who visited before March 2024?")
    assert i.date_to == "2024-02-29" and i.date_from is None
    assert parse_intent("Who led the delegation?").empty
    assert strip_intent("What is the most recent visit?") == "What is the visit?"


def _p(doc_id, text, published):
    return ScoredPassage(Chunk(f"{doc_id}#0", doc_id, 0, len(text), text), 1.0, published=published)


def test_latest_prefers_newest_relevant_article(fake_embedder):
    ps = [_p("old", "The envoy visited the capital for talks.", "2023-05-01"),
          _p("new", "The envoy visited the capital for new talks.", "2025-01-10"),
          _p("mid", "The envoy visited the capital for talks again.", "2024-02-02")]
    ranked = SentenceScorer(fake_embedder).score("envoy visited capital talks", candidate_sentences(ps))
    assert apply_intent(DateIntent(order="latest"), ranked)[0].doc_id == "new"
    assert apply_intent(DateIntent(order="earliest"), ranked)[0].doc_id == "old"


def test_range_promotes_articles_in_range(fake_embedder):
    ps = [_p("a", "The envoy visited the capital for talks.", "2023-05-01"),
          _p("b", "The envoy visited the capital for talks.", "2024-06-01")]
    ranked = SentenceScorer(fake_embedder).score("envoy visited capital talks", candidate_sentences(ps))
    out = apply_intent(DateIntent(date_from="2024-01-01", date_to="2024-12-31"), ranked)
    assert out[0].doc_id == "b"


def test_bad_order_is_rejected():
    import pytest

    with pytest.raises(ValueError, match="date order"):
        DateIntent(order="soonest")


def test_an_ordinal_the_articles_use_as_a_name_is_not_an_order():
    text = "The first phase of the plan lasts six weeks. The second phase follows."
    assert parse_intent("How long does the first phase last?", text).order is None
    assert strip_intent("How long does the first phase last?", text) == "How long does the first phase last?"
    # the same words are an order when the articles do not name anything 'first phase'
    assert parse_intent("How long does the first phase last?", "Talks resumed.").order == "earliest"
    # an ordering word that qualifies a verb stays an order
    assert parse_intent("When did the minister first visit?", text).order == "earliest"
    assert parse_intent("What is the latest first phase figure?", text).order == "latest"
