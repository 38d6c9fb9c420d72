"""Retrieval mode 'articles' from the settings tree: the weights reach the retriever and the
assistant hands it the question's as_of (the recency prior's reference day)."""

from __future__ import annotations

from corpus import Document
from qa.assistant import Assistant
from qa.components import build_retriever
from qa.settings import Settings

# two stories equally on topic (different wording: near-copies would collapse into one story)
TWINS = [Document("north", "Flood", "Daily", "2024-01-05", "Water from the river covered the streets of Northam."),
         Document("south", "Flood", "Daily", "2024-06-05", "Southby was under water when the river burst its banks.")]


def test_settings_reach_the_article_retriever(make_index):
    s = Settings(retrieval={"mode": "articles", "article_weight": 0.3, "passage_weight": 0.7,
                            "article_bm25_weight": 0.1, "recency_weight": 0.2, "recency_days": 14})
    w = build_retriever(s, make_index()).articles.weights
    assert (w.article, w.passage, w.bm25, w.recency, w.recency_days) == (0.3, 0.7, 0.1, 0.2, 14)


def test_the_assistant_asks_as_of_its_day(make_index):
    index = make_index()
    for d in TWINS:
        index.write(d)
    s = Settings(retrieval={"mode": "articles", "recency_weight": 0.5, "recency_days": 30})
    a = Assistant.from_settings(s, index)
    first = lambda day: a.ask("Which town did the river flood?", as_of=day).passages[0].doc_id  # noqa: E731
    assert first("2024-06-06") == "south"
    assert first("2024-01-06") == "north"
