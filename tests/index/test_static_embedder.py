"""Static passage vectors (index/static_embedder.py): a text's vector is the normalised mean
of its tokens' rows, checked against brute force; the table is made once and read back; an
index with a separate passage embedder writes passages and articles with their own models,
retrieval asks each with its own question vector, and a store refuses to mix passage models.
The real thing: the table distilled from the installed MiniLM, over corpus/ with real Chroma."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fakes import STORM_DOCS as DOCS
from fakes import FakeEmbedder
from index import ChromaStore, Filters, NewsIndex, ingest_documents
from index.embedders import make_embedder
from index.model_files import ModelNotInstalled, minilm_path, model_key
from index.static_embedder import RECIPE, StaticEmbedder
from index.store import StoreError



def _fake_table(cache: Path, dims: int = 8) -> np.ndarray:
    """A random table under the name StaticEmbedder looks for, so no model runs."""
    from tokenizers import Tokenizer

    model_dir = Path(minilm_path())
    n = Tokenizer.from_file(str(model_dir / "tokenizer.json")).get_vocab_size()
    table = np.random.default_rng(0).normal(size=(n, dims)).astype(np.float32)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(cache / f"minilm-{model_key(model_dir)}-d{dims}-r{RECIPE}.npy", table)
    return table


def test_a_text_is_the_normalised_mean_of_its_token_rows(tmp_path):
    from tokenizers import Tokenizer

    table = _fake_table(tmp_path)
    emb = StaticEmbedder(8, cache=tmp_path)
    texts = ["The storm hit the northern coast.", "Ferries stopped; prices rose 12%.", "", "[CLS]"]
    got = emb.embed_documents(texts)
    tok = Tokenizer.from_file(str(Path(minilm_path()) / "tokenizer.json"))
    special = {tok.token_to_id(t) for t in ("[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]")}
    for text, vec in zip(texts, got):  # brute force, one token at a time
        ids = [i for i in tok.encode(text, add_special_tokens=False).ids if i not in special]
        if not ids:
            assert not vec.any()  # nothing to average: the zero vector, not NaN
            continue
        want = sum(table[i] for i in ids) / len(ids)
        np.testing.assert_allclose(vec, want / np.linalg.norm(want), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(emb.embed_query(texts[0]), got[0])
    assert emb.name == "minilm-static8" and emb.dim == 8 and emb.texts_embedded == 5


def test_bad_dims_and_specs_are_errors_that_name_the_value():
    with pytest.raises(ValueError, match="between 1 and 384, got 0"):
        StaticEmbedder(0)
    with pytest.raises(ModelNotInstalled, match="'minilm-staticx'"):
        make_embedder("minilm-staticx")
    assert make_embedder("minilm-static").name == "minilm-static256"


def _two_model_index(path: Path, passages=None, articles=None, passage_model="fake-passages"):
    store = ChromaStore(path, embed_model="fake", passage_model=passage_model)
    return NewsIndex(store, articles or FakeEmbedder(64), passage_embedder=passages)


def test_passages_and_articles_are_written_and_asked_with_their_own_models(tmp_path):
    passages, articles = FakeEmbedder(16), FakeEmbedder(64)
    index = _two_model_index(tmp_path / "d", passages, articles)
    report = ingest_documents(index, DOCS)
    assert passages.texts_embedded == report.chunks_written  # every passage, with the passage model
    assert articles.texts_embedded == len(DOCS)  # one title-and-lead vector per article
    _, vec, _ = index.store.chunk_vectors(["a1"])[0]
    assert len(vec) == 16 and len(index.store.article_vectors(["a1"])["a1"][0]) == 64
    from fakes import plain_retriever

    ret = plain_retriever(index)
    for mode in ("articles", "dense", "hybrid"):
        got = ret.retrieve("ferries stopped after the storm", 3, mode, Filters())
        assert got and got[0].doc_id == "b2", mode
    # the passage scores are the passage model's cosines with the question
    best = ret.articles.candidates("ferries stopped after the storm", Filters())
    want = {cid: float(v @ passages.embed_query("ferries stopped after the storm"))
            for cid, v, _ in index.store.chunk_vectors(["a1", "b2"])}
    for cid, cos in zip(best.chunk_ids, best.cos.tolist()):
        assert cos == pytest.approx(want[cid], abs=1e-6)


def test_a_store_refuses_another_passage_model_and_auto_adopts_the_one_built(tmp_path):
    index = _two_model_index(tmp_path / "d", FakeEmbedder(16))
    ingest_documents(index, DOCS[:1])
    with pytest.raises(StoreError, match=r"embedded its passages with 'fake-passages', not 'fake'.*"
                                         r"passage_embed_model = 'fake-passages'"):
        ChromaStore(tmp_path / "d", embed_model="fake")
    assert ChromaStore(tmp_path / "d", embed_model="fake", passage_model="auto").passage_model == "fake-passages"
    assert ChromaStore(tmp_path / "new", embed_model="fake", passage_model="auto").passage_model == "minilm-static256"
    with pytest.raises(StoreError, match="embedded its articles with 'fake', not 'other'"):
        ChromaStore(tmp_path / "d", embed_model="other", passage_model="fake-passages")


def test_a_new_index_from_settings_gets_static_passages_and_an_old_one_keeps_its_own(tmp_path, monkeypatch):
    import qa.components
    from qa.settings import Settings

    fakes = {}
    monkeypatch.setattr(qa.components, "get_embedder", lambda spec, threads=None: fakes.setdefault(spec, FakeEmbedder()))
    new = qa.components.build_index(Settings.load(env={}, data_dir=str(tmp_path / "new")))
    assert new.store.passage_model == "minilm-static256" and new.passage_embedder is fakes["minilm-static256"]
    old = NewsIndex(ChromaStore(tmp_path / "old", embed_model="minilm"), FakeEmbedder())
    ingest_documents(old, DOCS[:1])  # an index made before static passages: MiniLM for both
    again = qa.components.build_index(Settings.load(env={}, data_dir=str(tmp_path / "old")))
    assert again.store.passage_model == "minilm" and again.passage_embedder is fakes["minilm"]
    # the default sentence model changed since (bge-small): the old article vectors stay MiniLM's too
    assert again.store.article_model == "minilm" and again.article_embedder is fakes["minilm"]
    assert again.embedder is fakes["bge-small-int8"]


@pytest.mark.slow
def test_real_table_distilled_from_minilm_is_made_once_and_ranks_passages(tmp_path):
    emb = StaticEmbedder(cache=tmp_path)
    vecs = emb.embed_documents(["The storm cut power lines on the coast.", "Power lines were cut by the wind.",
                                "The council voted on the school budget."])
    assert vecs.shape == (3, 256) and np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2]  # related sentences are closer than unrelated ones
    files = list(tmp_path.glob("minilm-*-d256-r1.npy"))
    assert len(files) == 1
    again = StaticEmbedder(cache=tmp_path).embed_documents(["The storm cut power lines on the coast."])
    np.testing.assert_array_equal(again[0], vecs[0])  # read back from the file: the same table


@pytest.mark.slow
def test_real_static_passages_over_the_corpus_find_the_answer(tmp_path):
    from corpus import load_paths
    from qa.components import build_index, build_retriever
    from qa.settings import Settings

    settings = Settings.load(env={}, data_dir=str(tmp_path / "data"))
    index = build_index(settings)
    docs = load_paths([Path(__file__).resolve().parents[2] / "corpus"]).documents
    ingest_documents(index, docs)
    assert index.store.passage_model == "minilm-static256"
    got = build_retriever(settings, index).retrieve("Who led the Hamas delegation to Moscow?", 5, "articles", Filters())
    assert any("Marzouq" in p.text for p in got[:3])
