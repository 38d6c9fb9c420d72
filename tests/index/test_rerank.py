"""Second stage: the embedding cache, the re-scoring reranker, score fusion and the
Retriever's reranker hook."""

from __future__ import annotations

import numpy as np
import pytest

from corpus import Document
from index import Chunk, ScoredPassage

from fakes import plain_retriever
from index.rerank import CachedEmbedder, EmbeddingCache, EmbeddingReranker
from index.retrieval import convex


def _p(cid: str, score: float, text: str, title: str | None = None) -> ScoredPassage:
    return ScoredPassage(Chunk(cid, cid.split("#")[0], 0, len(text), text), score, title=title)


def test_cache_round_trip_and_persistence(tmp_path):
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    vecs = np.array([[1, 0, 0], [0, 0.6, 0.8]], dtype=np.float32)
    cache.put_many(["alpha", "beta"], vecs)
    again = EmbeddingCache(tmp_path / "c.sqlite")  # another process, later
    got = again.get_many(["beta", "gamma", "alpha"])
    assert set(got) == {"alpha", "beta"}
    assert np.array_equal(got["beta"], vecs[1])
    assert len(again) == 2


def test_an_unreadable_cache_file_is_an_error_unless_the_cache_is_tolerant(tmp_path, fake_embedder, caplog):
    """A sentence-vector file beside an index is only a cache: a corrupt one costs time, not
    answers (tolerant); a benchmark's cache still says loudly that its file is bad."""
    bad = tmp_path / "c.sqlite"
    bad.write_bytes(b"not a database " * 100)
    with pytest.raises(Exception, match="not a database|file is encrypted"):
        EmbeddingCache(bad)
    cache = EmbeddingCache(bad, tolerant=True)
    assert "could not open it" in caplog.text and "Remove the file" in caplog.text
    cached = CachedEmbedder(fake_embedder, cache)
    assert cached.embed_documents(["a b", "c d"]).shape == (2, fake_embedder.dim)
    assert cache.get_many(["a b"]) == {} and len(cache) == 0
    assert bad.read_bytes() == b"not a database " * 100  # left alone


def test_a_cut_short_row_is_embedded_again(tmp_path):
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    cache.put_many(["alpha"], np.array([[1, 0, 0]], dtype=np.float32))
    cache._db.execute("UPDATE vec SET data = substr(data, 1, 5)")
    cache._db.commit()
    assert cache.get_many(["alpha"]) == {}


def test_cached_embedder_embeds_only_what_is_missing(tmp_path, fake_embedder):
    cached = CachedEmbedder(fake_embedder, EmbeddingCache(tmp_path / "c.sqlite"), block=2)
    first = cached.embed_documents(["a b", "c d", "a b", "e f g"])
    assert fake_embedder.texts_embedded == 3  # the duplicate once
    second = cached.embed_documents(["e f g", "a b", "new words"])
    assert fake_embedder.texts_embedded == 4
    assert np.allclose(second[0], first[3]) and np.allclose(second[1], first[0])
    assert second.shape == (3, fake_embedder.dim)
    with pytest.raises(ValueError, match="block must be >= 1, got 0"):
        CachedEmbedder(fake_embedder, EmbeddingCache(tmp_path / "c.sqlite"), block=0)


def test_convex_fusion_by_hand():
    fused = convex([{"a": 0.9, "b": 0.5, "c": 0.1}, {"b": 12.0, "d": 4.0}], [0.6, 0.4])
    assert fused == pytest.approx({"a": 0.6, "b": 0.6 * 0.5 + 0.4, "c": 0.0, "d": 0.0})
    assert convex([{"x": 3.0}], [1.0]) == {"x": 0.0}  # a single score has no spread


def test_reranker_reorders_the_head_and_keeps_the_tail_below(fake_embedder):
    query = "solar panel efficiency record"
    passages = [
        _p("d1#0000", 0.9, "Wind farms expand offshore"),
        _p("d2#0000", 0.8, "Solar panel efficiency hits a record"),
        _p("d3#0000", 0.7, "Rainfall totals for the month"),
        _p("d4#0000", 0.6, "Solar panel record efficiency again"),  # below depth: not re-scored
    ]
    out = EmbeddingReranker(fake_embedder, depth=3, weight=1.0).rerank(query, passages)
    assert out[0].doc_id == "d2"  # the only passage that shares the query's words
    assert out[-1].doc_id == "d4"
    assert out[-1].score <= min(p.score for p in out[:3])
    assert "rerank" in out[0].scores and "rerank" not in out[-1].scores
    kept = EmbeddingReranker(fake_embedder, depth=3, weight=0.0).rerank(query, [
        _p(p.chunk.chunk_id, s, p.text) for p, s in zip(passages, (0.9, 0.8, 0.7, 0.6))
    ])
    assert [p.doc_id for p in kept] == ["d1", "d2", "d3", "d4"]  # weight 0: first stage only


def test_reranker_puts_the_title_first_and_validates(fake_embedder):
    r = EmbeddingReranker(fake_embedder)
    assert r.passage_text(_p("d#0001", 1, "Body text.", "Headline")) == "Headline\nBody text."
    assert r.passage_text(_p("d#0000", 1, "Headline\nBody.", "Headline")) == "Headline\nBody."
    with pytest.raises(ValueError, match="weight must be in \\[0, 1\\], got 1.5"):
        EmbeddingReranker(fake_embedder, weight=1.5)
    with pytest.raises(ValueError, match="depth must be >= 1, got 0"):
        EmbeddingReranker(fake_embedder, depth=0)


class _Reverse:
    calls = 0

    def rerank(self, query, passages):
        _Reverse.calls += 1
        return list(reversed(passages))


def test_retriever_hook_runs_on_hybrid_only(make_index):
    index = make_index()
    from index import ingest_documents

    docs = [
        Document(f"doc{i}", f"T{i}", "Outlet", "2024-01-0" + str(i + 1), f"Topic {w} appears in article {i}. Other words follow.")
        for i, w in enumerate(["harbour", "harbour strike", "harbour strike vote"])
    ]
    ingest_documents(index, docs)
    plain = plain_retriever(index).retrieve("harbour strike vote", 3, "hybrid")
    hooked = plain_retriever(index, reranker=_Reverse()).retrieve("harbour strike vote", 3, "hybrid")
    assert _Reverse.calls == 1
    assert [p.doc_id for p in hooked] == list(reversed([p.doc_id for p in plain]))
    plain_retriever(index, reranker=_Reverse()).retrieve("harbour strike vote", 3, "bm25")
    assert _Reverse.calls == 1
    conv = plain_retriever(index, fusion="convex").retrieve("harbour strike vote", 3, "hybrid")
    assert conv[0].doc_id == "doc2" and "convex" in conv[0].scores
    with pytest.raises(ValueError, match="unknown fusion 'max'"):
        plain_retriever(index, fusion="max")


@pytest.mark.slow
def test_real_minilm_reranker_lifts_the_paraphrase(tmp_path):
    from index import SentenceTransformerEmbedder

    emb = SentenceTransformerEmbedder("minilm")
    passages = [
        _p("a#0000", 1.0, "The council approved the budget for new bus routes."),
        _p("b#0000", 0.9, "Officials voted to fund extra public transport lines."),
        _p("c#0000", 0.8, "A heatwave is expected later this week."),
    ]
    r = EmbeddingReranker(emb, depth=3, weight=1.0, cache=EmbeddingCache(tmp_path / "m.sqlite"))
    out = r.rerank("money for more buses and trams", passages)
    assert out[-1].doc_id == "c"
    assert len(EmbeddingCache(tmp_path / "m.sqlite")) == 3


def test_settings_wire_the_second_stage(make_index, monkeypatch):
    from qa import components
    from qa.settings import Settings

    monkeypatch.setattr(components, "get_embedder", lambda spec, threads=None: f"embedder:{spec}")
    index = make_index()
    plain = components.build_retriever(Settings(), index)
    assert plain.reranker is None and plain.fusion == Settings().retrieval.fusion
    s = Settings().with_overrides({"retrieval.rerank": True, "retrieval.rerank_depth": 7, "retrieval.fusion": "rrf"})
    r = components.build_retriever(s, index)
    assert type(r.reranker).__name__ == "SentenceMaxSimReranker"
    assert r.reranker.depth == 7 and r.fusion == "rrf"
    assert r.reranker.embedder == "embedder:minilm"
    bad = Settings().with_overrides({"retrieval.rerank": True, "retrieval.rerank_method": "colbert"})
    with pytest.raises(ValueError, match="unknown retrieval.rerank_method 'colbert'"):
        components.build_retriever(bad, index)


def test_maxsim_scores_a_passage_by_its_best_sentence(fake_embedder):
    from index.rerank import SentenceMaxSimReranker

    query = "harbour strike vote"
    diluted = _p("b#0000", 0.9, "Harbour news today with a strike mention and vote counting among many other words.")
    focused = _p("a#0000", 0.1, "Harbour strike vote. Weather sport music films gardens recipes travel markets.")
    r = SentenceMaxSimReranker(fake_embedder, depth=2, weight=1.0)
    sims = r.similarities(query, [diluted, focused])
    assert sims[1] == pytest.approx(1.0, abs=1e-5)  # the first sentence is the query's words
    assert sims[0] < 0.9
    out = r.rerank(query, [diluted, focused])
    assert [p.doc_id for p in out] == ["a", "b"] and "maxsim" in out[0].scores
