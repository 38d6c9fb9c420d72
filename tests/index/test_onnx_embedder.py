"""The ONNX Runtime path for MiniLM: same vectors as sentence-transformers (fp32), close ones
(int8), selectable through qa.components.get_embedder by name."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytestmark = pytest.mark.slow

TEXTS = [
    "A Hamas delegation met Russian officials in Moscow on Tuesday.",
    "The city council approved the budget by a vote of 7 to 2.",
    "word " * 600,  # longer than the 256-token window
    "\u200b\u202e שלום مرحبا",
    "",
]


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("QA_ONNX_CACHE", str(tmp_path_factory.mktemp("onnx")))
    yield
    mp.undo()


@pytest.fixture(scope="module")
def torch_vectors():
    from index import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder("minilm").embed_documents(TEXTS)


@pytest.mark.parametrize("name,min_cos", [("minilm-onnx", 0.9999), ("minilm-onnx-int8", 0.85)])
def test_onnx_matches_torch(onnx_cache, torch_vectors, name, min_cos):
    from index.onnx_embedder import OnnxMiniLMEmbedder

    if name.endswith("int8"):
        pytest.importorskip("onnx", reason="int8 quantization needs the onnx package")
    emb = OnnxMiniLMEmbedder(name)
    vecs = emb.embed_documents(TEXTS)
    assert vecs.shape == torch_vectors.shape and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    cos = (vecs * torch_vectors).sum(axis=1)
    assert cos.min() >= min_cos, cos
    # the order of a batch does not change a text's vector
    assert np.allclose(emb.embed_documents(TEXTS[::-1])[::-1], vecs, atol=1e-5)
    q = emb.embed_query("Who met in Moscow?")
    assert int(np.argmax(vecs @ q)) == 0


def test_selectable_by_setting(onnx_cache):
    import qa.components
    from index.onnx_embedder import OnnxMiniLMEmbedder

    emb = qa.components.get_embedder("minilm-onnx")
    assert isinstance(emb, OnnxMiniLMEmbedder) and qa.components.get_embedder("minilm-onnx") is emb
    with pytest.raises(ValueError, match="unknown ONNX model"):
        OnnxMiniLMEmbedder("minilm-onnx-fp16")
