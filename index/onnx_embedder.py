"""MiniLM through ONNX Runtime (optionally int8-quantized): the same vectors as the
sentence-transformers model (mean pooling, L2-normalised), without torch at query time.

The ONNX file is exported once from the installed model (torch.onnx) into a cache folder
(QA_ONNX_CACHE, default ~/.cache/news-qa/onnx) and reused; `minilm-onnx-int8` adds a
dynamic int8 quantization (onnxruntime.quantization, which needs the `onnx` package).
Select it with IndexSettings.embed_model = "minilm-onnx" or "minilm-onnx-int8".
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from .model_files import ModelNotInstalled, minilm_path, model_key as _model_key
from .onnx_runtime import cpu_session, run_all, side_by_side

ONNX_MODELS = {"minilm-onnx": False, "minilm-onnx-int8": True}  # name -> quantized
MAX_SEQ = 256


def cache_dir() -> Path:
    return Path(os.environ.get("QA_ONNX_CACHE") or Path.home() / ".cache" / "news-qa" / "onnx")


def export_onnx(model_dir: Path, out: Path) -> Path:
    """Export the transformer (token embeddings) to ONNX with dynamic batch and length."""
    import torch
    from transformers import AutoModel

    class TokenEmbeddings(torch.nn.Module):  # keyword call: positional order varies by version
        def __init__(self):
            super().__init__()
            self.bert = AutoModel.from_pretrained(str(model_dir)).eval()

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    model = TokenEmbeddings().eval()
    ids = torch.ones(2, 8, dtype=torch.long)
    tmp = out.with_suffix(".tmp.onnx")
    with torch.no_grad():
        torch.onnx.export(
            model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(tmp),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "seq"} for n in ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")},
            opset_version=17, dynamo=False,
        )
    tmp.replace(out)  # atomic: a crash never leaves a half-written model behind
    return out


def quantize(src: Path, out: Path) -> Path:
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise ModelNotInstalled(f"int8 quantization needs the onnx package ({exc}); pip install onnx") from None
    tmp = out.with_suffix(".tmp.onnx")
    quantize_dynamic(str(src), str(tmp), weight_type=QuantType.QInt8)
    tmp.replace(out)
    return out


def onnx_model_path(quantized: bool) -> Path:
    """The cached ONNX file for the installed MiniLM, exported (and quantized) on first use."""
    model_dir = Path(minilm_path())
    folder = cache_dir() / f"minilm-{_model_key(model_dir)}"
    folder.mkdir(parents=True, exist_ok=True)
    fp32 = folder / "model.onnx"
    if not fp32.is_file():
        export_onnx(model_dir, fp32)
    if not quantized:
        return fp32
    int8 = folder / "model-int8.onnx"
    if not int8.is_file():
        quantize(fp32, int8)
    return int8


class OnnxMiniLMEmbedder:
    """Drop-in for SentenceTransformerEmbedder('minilm'), run by ONNX Runtime on CPU."""

    max_seq = MAX_SEQ

    def __init__(self, name: str = "minilm-onnx", *, batch_size: int = 32, threads: int | None = None):
        if name not in ONNX_MODELS:
            raise ValueError(f"unknown ONNX model {name!r}; choose one of {', '.join(ONNX_MODELS)}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.name = self.spec = name
        self.quantized = ONNX_MODELS[name]
        self.batch_size = batch_size
        self.threads = threads
        self.texts_embedded = 0
        self._session = None
        self._tokenizer = None
        self._batches = None  # the pool that runs batches side by side (made with the session)
        self._lock = threading.Lock()

    def _model_files(self) -> tuple[Path, Path]:
        """(ONNX model, tokenizer.json), exported on first use."""
        return onnx_model_path(self.quantized), Path(minilm_path()) / "tokenizer.json"

    def _load(self):
        """The session, and with more than one core a pool that runs batches side by side: each
        batch on one intra-op thread, as many at once as there are cores. A batch of a few
        short texts is too small for onnxruntime to spread over cores (bench/onnx_threads.py);
        the vectors are bit for bit the same, since each batch is the same texts either way."""
        with self._lock:
            if self._session is None:
                from tokenizers import Tokenizer

                model, tokenizer = self._model_files()
                tok = Tokenizer.from_file(str(tokenizer))
                tok.enable_truncation(self.max_seq)
                tok.enable_padding(pad_id=0, pad_token="[PAD]")
                workers = self.threads or os.cpu_count() or 1
                self._session = cpu_session(model, 1 if workers > 1 else self.threads)
                self._batches = side_by_side(workers, "onnx-embedder")
                self._inputs = {i.name for i in self._session.get_inputs()}
                self._tokenizer = tok
        return self._session, self._tokenizer

    def _pool(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean pooling over the real tokens (sentence-transformers' MiniLM)."""
        m = mask[..., None].astype(np.float32)
        return (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)

    @property
    def dim(self) -> int:
        return int(self.embed_documents(["dimension probe"]).shape[1])

    def _feed(self, texts: list[str]) -> tuple[dict[str, np.ndarray], np.ndarray]:
        _, tok = self._load()
        enc = tok.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return {k: v for k, v in feeds.items() if k in self._inputs}, mask

    def _run(self, feed: tuple[dict[str, np.ndarray], np.ndarray]) -> np.ndarray:
        inputs, mask = feed
        hidden = self._session.run(None, inputs)[0]
        pooled = self._pool(hidden, mask)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        self.texts_embedded += len(texts)
        # Sort by length so padding stays small, then restore the order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        idx = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        feeds = [self._feed([texts[j] for j in part]) for part in idx]  # tokenised in this thread
        vecs = run_all(self._batches, self._run, feeds)
        out = np.zeros((len(texts), vecs[0].shape[1]), dtype=np.float32)
        for part, v in zip(idx, vecs):
            out[part] = v
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

