"""Answering embeds a question at a time: the sentence-transformers model runs with the
intra-op threads of `index.torch_threads` (one by default), set when the model loads."""

from __future__ import annotations

import pytest

from index import SentenceTransformerEmbedder


def test_threads_must_be_positive():
    with pytest.raises(ValueError, match="threads must be >= 1"):
        SentenceTransformerEmbedder("minilm", threads=0)


def test_the_index_embedder_carries_the_setting(tmp_path):
    from qa.components import build_index
    from qa.settings import Settings

    settings = Settings(data_dir=str(tmp_path / "data"), index={"embed_model": "minilm"})  # a torch model
    assert settings.index.torch_threads == 1
    assert build_index(settings).embedder.threads == 1


def test_loading_the_real_model_sets_torch_threads():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    try:
        emb = SentenceTransformerEmbedder("minilm", threads=1)
        assert emb.embed_query("Who led the delegation?").shape == (384,)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_a_later_caller_sets_the_threads_a_first_one_left_unset(monkeypatch):
    """One embedder per model per process: made first without threads (another level's use of
    the model), it still gets `index.torch_threads` when the index asks for it."""
    import qa.components as components

    monkeypatch.setattr(components, "_embedders", {})
    first = components.get_embedder("minilm")  # the model is not loaded by this
    assert first.threads is None
    assert components.get_embedder("minilm", 1) is first and first.threads == 1
    assert components.get_embedder("minilm", None).threads == 1
    with pytest.raises(ValueError, match="threads must be >= 1"):
        first.use_threads(0)
