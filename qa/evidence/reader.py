"""The extractive reader: a learned span scorer that reads the retrieved passages and says
where the answer is, or that there is none.

The model (qa/models/reader/) is all-MiniLM-L6-v2 fine-tuned with a start/end head on the
SQuAD 2.0 dev half by `bench/train_reader.py`, exported to int8 ONNX. Unanswerable questions
point at [CLS] in training, so each window of a passage gets a *null score* (the [CLS] start
+ end logits) beside its best span (the highest start + end logits over spans of at most
`max_answer` tokens). A text's margin is its best span score minus its lowest null score; the
reader answers when the best margin over the passages exceeds the threshold fitted on held-out
dev-half paragraphs (`reader.json`, `null_threshold`).

`OnnxReader.read(question, texts) -> [ReadSpan | None]`: one span per text, with character
offsets into that text (`texts[i][start:end] == span.text`). The model and tokenizer load on
first use, once per process and folder, and are checked against the sha256 recorded in
reader.json.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from index.onnx_runtime import cpu_session
from index.text import tokenize
from index.wheel_models import sha256s

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "models" / "reader"
RETRAIN = "retrain it with `python bench/train_reader.py` or restore qa/models/reader from git"


class ReaderUnavailable(RuntimeError):
    """The reader's files are missing or damaged; the message says how to restore them."""


@dataclass(frozen=True)
class ReadSpan:
    """The reader's best span in one text: `text == texts[index][start:end]`; `margin` is the
    span score minus the no-answer score (> the reader's threshold: it answers)."""

    index: int
    start: int
    end: int
    text: str
    score: float
    margin: float


class SpanReader(Protocol):
    threshold: float

    def read(self, question: str, texts: Sequence[str]) -> list[ReadSpan | None]: ...


def load_meta(model_dir: Path) -> dict:
    path = model_dir / "reader.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        float(meta["null_threshold"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReaderUnavailable(f"cannot read the reader's settings {path} ({exc}); {RETRAIN}") from None
    return meta


class OnnxReader:
    """`threshold`: the margin above which the reader answers (default: the fitted one in
    reader.json); passages are read in windows of `max_length` tokens overlapping by `stride`."""

    def __init__(self, model_dir: Path | str | None = None, threshold: float | None = None,
                 max_length: int | None = None, stride: int | None = None, max_answer: int | None = None,
                 batch: int = 16, threads: int = 2, candidates: int = 20):
        self.model_dir = Path(model_dir) if model_dir else DEFAULT_DIR
        meta = load_meta(self.model_dir)
        self.meta = meta
        self.threshold = float(meta["null_threshold"] if threshold is None else threshold)
        pick = lambda given, key, default: int(meta.get(key, default) if given is None else given)  # noqa: E731
        self.max_length = pick(max_length, "max_length", 256)
        self.stride = pick(stride, "stride", 96)
        self.max_answer = pick(max_answer, "max_answer_tokens", 30)
        for name, value, low in (("max_length", self.max_length, 32), ("max_answer", self.max_answer, 1),
                                 ("batch", batch, 1), ("threads", threads, 1), ("stride", self.stride, 0),
                                 ("candidates", candidates, 1)):
            if value < low:
                raise ValueError(f"OnnxReader {name} must be >= {low}, got {value}")
        if self.stride >= self.max_length // 2:
            raise ValueError(f"OnnxReader stride must be below half of max_length ({self.max_length}), got {self.stride}")
        self.batch = batch
        self.candidates = candidates  # spans tried per window before one the question does not name
        self.threads = threads

    def _load(self):
        return _runtime(self.model_dir.resolve(), self.threads)

    def _windows(self, q_ids: list[int], n_ctx: int) -> list[tuple[int, int]]:
        room = self.max_length - len(q_ids) - 3
        step = max(room - self.stride, 1)
        out, a = [], 0
        while True:
            out.append((a, min(a + room, n_ctx)))
            if a + room >= n_ctx:
                return out
            a += step

    def read(self, question: str, texts: Sequence[str]) -> list[ReadSpan | None]:
        if not texts:
            return []
        session, tok = self._load()
        cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
        q_ids = tok.encode(question, add_special_tokens=False).ids[: self.max_length // 3]
        asked = set(tokenize(question))
        rows = []  # (text index, ids, type ids, offsets of the context tokens, first context position)
        for ti, text in enumerate(texts):
            enc = tok.encode(text, add_special_tokens=False)
            for a, b in self._windows(q_ids, len(enc.ids)):
                ids = [cls_id, *q_ids, sep_id, *enc.ids[a:b], sep_id]
                types = [0] * (len(q_ids) + 2) + [1] * (b - a + 1)
                rows.append((ti, ids, types, enc.offsets[a:b], len(q_ids) + 2))
        best: dict[int, tuple[float, int, int]] = {}
        null: dict[int, float] = {}
        order = sorted(range(len(rows)), key=lambda r: len(rows[r][1]))
        for b0 in range(0, len(order), self.batch):
            chunk = [rows[r] for r in order[b0:b0 + self.batch]]
            n = max(len(r[1]) for r in chunk)
            ids = np.zeros((len(chunk), n), dtype=np.int64)
            types = np.zeros_like(ids)
            mask = np.zeros_like(ids)
            for j, (_, rid, rtype, _, _) in enumerate(chunk):
                ids[j, :len(rid)] = rid
                types[j, :len(rid)] = rtype
                mask[j, :len(rid)] = 1
            start, end = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
            for j, (ti, _, _, offs, c0) in enumerate(chunk):
                null[ti] = min(null.get(ti, np.inf), float(start[j, 0] + end[j, 0]))
                if not offs:
                    continue
                s = start[j, c0:c0 + len(offs)]
                e = end[j, c0:c0 + len(offs)]
                for score, i, k in top_spans(s, e, self.max_answer, self.candidates):
                    a, b = offs[i][0], offs[k][1]
                    if _named_by(asked, texts[ti][a:b]):
                        continue  # the question already names it: not an answer
                    if ti not in best or score > best[ti][0]:
                        best[ti] = (score, a, b)
                    break
        out: list[ReadSpan | None] = []
        for ti, text in enumerate(texts):
            if ti not in best:
                out.append(None)
                continue
            score, a, b = best[ti]
            out.append(ReadSpan(ti, a, b, text[a:b], score, score - null[ti]))
        return out

    def best(self, question: str, texts: Sequence[str]) -> ReadSpan | None:
        """The span with the highest margin over all texts (None when there are no texts)."""
        spans = [s for s in self.read(question, texts) if s is not None]
        return max(spans, key=lambda s: s.margin, default=None)


@functools.lru_cache(maxsize=4)
def _runtime(model_dir: Path, threads: int):
    """(session, tokenizer) for a reader folder, loaded once per process after checking the
    files against the sha256 recorded in its reader.json."""
    from tokenizers import Tokenizer

    for name, digest in (load_meta(model_dir).get("sha256") or {}).items():
        p = model_dir / name
        if not p.is_file():
            raise ReaderUnavailable(f"{p} is missing; {RETRAIN}")
        if digest not in sha256s(p):
            raise ReaderUnavailable(f"{p} does not match the sha256 in reader.json; {RETRAIN}")
    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_truncation()  # windows are cut here, not by the tokenizer
    tok.no_padding()
    return cpu_session(model_dir / "model.onnx", threads), tok


def top_spans(start: np.ndarray, end: np.ndarray, max_answer: int, top: int) -> list[tuple[float, int, int]]:
    """The `top` best (start[i] + end[k], i, k) over i <= k < i + max_answer, best first."""
    n = len(start)
    score = start[:, None] + end[None, :]
    i, k = np.ogrid[:n, :n]
    score = np.where((k >= i) & (k - i < max_answer), score, -np.inf).ravel()
    top = min(top, int(np.isfinite(score).sum()))
    idx = np.argpartition(-score, top - 1)[:top]
    idx = idx[np.argsort(-score[idx], kind="stable")]
    return [(float(score[f]), int(f) // n, int(f) % n) for f in idx]


def _named_by(asked: set[str], span: str) -> bool:
    """True when every word of the span is a word of the question (SQuAD readers' classic
    slip: answering "Who met Marzouk?" with "Marzouk")."""
    own = set(tokenize(span))
    return not own or own <= asked


__all__ = ["DEFAULT_DIR", "OnnxReader", "ReadSpan", "ReaderUnavailable", "SpanReader", "load_meta", "top_spans"]
