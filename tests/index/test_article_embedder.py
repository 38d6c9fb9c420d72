"""Article vectors with their own model (index.article_embed_model, e.g. bge-small int8): the
title-and-lead vectors are written and searched with it, passages with theirs, while the
sentence model (index.embedder) is asked only when a level uses it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fakes import STORM_DOCS as DOCS
from fakes import FakeEmbedder
from index import ChromaStore, Filters, NewsIndex, ingest_documents
from index.article_retrieval import query_vectors
from index.store import StoreError



class CountingQueries(FakeEmbedder):
    def __init__(self, dim: int):
        super().__init__(dim)
        self.queries = 0

    def embed_query(self, text):
        self.queries += 1
        return super().embed_query(text)


def _three_model_index(path: Path):
    sentences, passages, articles = CountingQueries(32), CountingQueries(16), CountingQueries(64)
    store = ChromaStore(path, embed_model="fake", passage_model="fake-passages", article_model="fake-articles")
    return NewsIndex(store, sentences, passage_embedder=passages, article_embedder=articles), (sentences, passages,
                                                                                                  articles)


def test_articles_passages_and_sentences_each_use_their_own_model(tmp_path):
    index, (sentences, passages, articles) = _three_model_index(tmp_path / "d")
    report = ingest_documents(index, DOCS)
    assert articles.texts_embedded == len(DOCS)  # one title-and-lead vector per article
    assert passages.texts_embedded == report.chunks_written and sentences.texts_embedded == 0
    assert len(index.store.article_vectors(["a1"])["a1"][0]) == 64
    q = "ferries stopped after the storm"
    avec, pvec = query_vectors(index, q)
    np.testing.assert_array_equal(avec, articles.embed_query(q))
    np.testing.assert_array_equal(pvec, passages.embed_query(q))
    assert sentences.queries == 0  # neither level uses the sentence model: not asked
    from fakes import plain_retriever

    ret = plain_retriever(index)
    got = ret.retrieve(q, 3, "articles", Filters())
    assert got and got[0].doc_id == "b2"
    # the article scores are the article model's cosines with the question
    m, cos, _, _ = ret.articles.article_scores(articles.embed_query(q), Filters(), None, None)
    want = {d: float(v @ articles.embed_query(q)) for d, (v, _) in index.store.article_vectors(["a1", "b2"]).items()}
    for doc_id, c in zip(m.doc_ids, cos.tolist()):
        assert c == pytest.approx(want[doc_id], abs=1e-6)


def test_one_model_for_articles_and_sentences_embeds_the_question_once(tmp_path):
    sentences, passages = CountingQueries(32), CountingQueries(16)
    index = NewsIndex(ChromaStore(tmp_path / "d", embed_model="fake", passage_model="fake-passages"), sentences,
                      passage_embedder=passages)
    avec, pvec = query_vectors(index, "storm")
    assert sentences.queries == 1 and passages.queries == 1 and len(avec) == 32 and len(pvec) == 16


def test_a_store_refuses_another_article_model_and_auto_adopts_the_one_built(tmp_path):
    index, _ = _three_model_index(tmp_path / "d")
    ingest_documents(index, DOCS[:1])
    with pytest.raises(StoreError, match=r"embedded its articles with 'fake-articles', not 'fake'.*"
                                         r"article_embed_model = 'fake-articles'"):
        ChromaStore(tmp_path / "d", embed_model="fake", passage_model="fake-passages")
    again = ChromaStore(tmp_path / "d", embed_model="fake", passage_model="auto", article_model="auto")
    assert again.article_model == "fake-articles" and again.passage_model == "fake-passages"
    assert ChromaStore(tmp_path / "new", embed_model="fake", article_model="auto").article_model == "fake"


def test_settings_pick_the_article_model_and_an_index_keeps_the_one_it_was_built_with(tmp_path, monkeypatch):
    import qa.components
    from qa.settings import Settings

    fakes = {}
    monkeypatch.setattr(qa.components, "get_embedder", lambda spec, threads=None: fakes.setdefault(spec, FakeEmbedder()))
    new = qa.components.build_index(Settings.load(env={}, index__embed_model="minilm", data_dir=str(tmp_path / "new")))
    assert new.store.article_model == "minilm" and new.article_embedder is new.embedder is fakes["minilm"]
    bge = qa.components.build_index(Settings.load(env={}, index__embed_model="minilm", data_dir=str(tmp_path / "bge"),
                                                  index__article_embed_model="bge-small-int8"))
    assert bge.store.article_model == "bge-small-int8" and bge.article_embedder is fakes["bge-small-int8"]
    ingest_documents(bge, DOCS[:1])
    assert fakes["bge-small-int8"].texts_embedded == 1 and fakes["minilm"].texts_embedded == 0
    again = qa.components.build_index(Settings.load(env={}, index__embed_model="minilm", data_dir=str(tmp_path / "bge")))  # "auto"
    assert again.store.article_model == "bge-small-int8" and again.article_embedder is fakes["bge-small-int8"]
    with pytest.raises(StoreError, match="article_embed_model = 'bge-small-int8'"):
        qa.components.build_index(Settings.load(env={}, index__embed_model="minilm", data_dir=str(tmp_path / "bge"),
                                                index__article_embed_model="same"))


@pytest.mark.slow
def test_real_bge_articles_over_the_corpus(tmp_path):
    from corpus import load_paths
    from index.bge_embedder import BgeSmallEmbedder
    from qa.components import build_index, build_retriever
    from qa.settings import Settings

    settings = Settings.load(env={}, data_dir=str(tmp_path / "data"), index__article_embed_model="bge-small-int8")
    index = build_index(settings)
    docs = load_paths([Path(__file__).resolve().parents[2] / "corpus"]).documents
    ingest_documents(index, docs)
    assert index.store.article_model == "bge-small-int8"
    q = "Who led the Hamas delegation to Moscow?"
    avec, _ = query_vectors(index, q)
    np.testing.assert_allclose(avec, BgeSmallEmbedder().embed_query(q), atol=1e-5)  # the query instruction too
    got = build_retriever(settings, index).retrieve(q, 5, "articles", Filters())
    assert any("Marzouq" in p.text for p in got[:3])
