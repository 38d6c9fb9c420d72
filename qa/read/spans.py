"""The short answer: candidate spans of the cited sentences (spaCy entities, noun chunks,
numbers), each scored by a logistic regression (trained by bench/train_reading.py on SQuAD
and RealTime QA dev, shipped as qa/read/spans.json); the best becomes `Answer.answer_span`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.text import STOPWORDS, fold, words

from ..judge.linear import LinearModel
from ..types import AnswerSpan
from .nlp import TYPES, expected_type, parse

FEATURES = ("ent", "chunk", "num", "match", "mismatch", "untyped", "thing_chunk", "q_overlap", "in_q",
            "near", "log_len", "ce", "first", "digit", "cap", "pos")


@dataclass
class Candidate:
    doc_id: str
    start: int  # document offsets
    end: int
    text: str
    values: dict[str, float]
    score: float = 0.0


def _near(tokens, i: int, j: int, qwords: set[str]) -> float:
    """1 / (1 + token distance from the span to the nearest question content word)."""
    best = None
    for k, t in enumerate(tokens):
        w = fold(t.text)
        if w in qwords and w not in STOPWORDS and not (i <= k < j):
            d = i - k if k < i else k - j + 1
            best = d if best is None else min(best, d)
    return 0.0 if best is None else 1.0 / (1.0 + best)


def candidates(question: str, sentences: list, kind: str | None = "?") -> list[Candidate]:
    """Candidate answer spans of `sentences` (objects with doc_id, start, text, ce)."""
    kind = expected_type(question) if kind == "?" else kind
    qwords = set(words(question))
    out: dict[tuple[str, int, int], Candidate] = {}
    for rank, s in enumerate(sentences):
        doc = parse(s.text)
        spans = [(e.start, e.end, e.label_, "ent") for e in doc.ents]
        spans += [(c.start, c.end, "", "chunk") for c in doc.noun_chunks]
        spans += [(t.i, t.i + 1, "", "num") for t in doc if t.like_num]
        ce = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, s.ce)))) if getattr(s, "ce", None) is not None else 0.5
        for i, j, label, how in spans:
            span = doc[i:j]
            a, b = span.start_char, span.end_char
            text = s.text[a:b]
            cw = words(text)
            if not cw:
                continue
            key = (s.doc_id, s.start + a, s.start + b)
            c = out.get(key)
            if c is None:
                overlap = sum(w in qwords for w in cw) / len(cw)
                c = out[key] = Candidate(s.doc_id, s.start + a, s.start + b, text, {
                    "ent": 0.0, "chunk": 0.0, "num": 0.0, "match": 0.0, "mismatch": 0.0,
                    "untyped": float(kind is None), "thing_chunk": 0.0, "q_overlap": overlap,
                    "in_q": float(overlap == 1.0), "near": _near(doc, i, j, qwords),
                    "log_len": math.log1p(len(cw)), "ce": ce, "first": float(rank == 0),
                    "digit": float(any(ch.isdigit() for ch in text)), "cap": float(text[:1].isupper()),
                    "pos": a / max(1, len(s.text)),
                })
            v = c.values
            v[how] = 1.0
            if label and kind in TYPES:
                if label in TYPES[kind]:
                    v["match"] = 1.0
                elif kind != "thing":
                    v["mismatch"] = 1.0
            if how == "chunk" and kind == "thing":
                v["thing_chunk"] = 1.0
    return list(out.values())


def default_model_path() -> Path:
    return Path(__file__).with_name("spans.json")


class SpanExtractor:
    """`extract(question, sentences) -> AnswerSpan | None`: the best candidate span."""

    def __init__(self, model: LinearModel):
        if tuple(model.features) != FEATURES:
            raise ValueError(f"span model features {model.features} do not match {FEATURES}; retrain it")
        self.model = model

    @classmethod
    def load(cls, path: str | Path | None = None) -> "SpanExtractor":
        return cls(LinearModel.load(path or default_model_path()))

    def rank(self, question: str, sentences: list) -> list[Candidate]:
        cands = candidates(question, sentences)
        if not cands:
            return []
        probs = self.model.proba(np.array([[c.values[f] for f in FEATURES] for c in cands]))
        for c, p in zip(cands, probs):
            c.score = float(p)
        return sorted(cands, key=lambda c: (-c.score, c.end - c.start, c.start))

    def extract(self, question: str, sentences: list) -> AnswerSpan | None:
        ranked = self.rank(question, sentences)
        if not ranked:
            return None
        c = ranked[0]
        return AnswerSpan(c.doc_id, c.start, c.end, c.text)
