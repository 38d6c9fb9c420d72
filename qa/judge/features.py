"""Answerability features of a question and its re-ranked candidate sentences. General
signals only: cross-encoder scores and margins, MiniLM cosine, idf-weighted coverage of the
question's terms, and whether a sentence holds an entity of the type the question asks for."""

from __future__ import annotations

from index.text import words

from ..read.nlp import TYPES, expected_type, parse

FEATURES = ("ce1", "margin", "ce3", "sem1", "sem_max", "lex1", "lex_max", "typed", "type_hit1",
            "type_hit3", "thing")


def _clip(x: float, lo: float = -12.0, hi: float = 12.0) -> float:
    return max(lo, min(hi, x))


def has_type(question: str, kind: str | None, text: str) -> bool:
    """Does `text` name an entity of the asked kind that the question itself does not name?"""
    if kind is None:
        return False
    labels = TYPES[kind]
    qwords = set(words(question))
    for ent in parse(text).ents:
        if ent.label_ in labels and not set(words(ent.text)) <= qwords:
            return True
    return False


def features(question: str, ranked: list) -> dict[str, float]:
    """`ranked`: sentences best first after the cross-encoder (each with `ce`, `sem`, `lex`)."""
    read = sorted((s for s in ranked if getattr(s, "ce", None) is not None), key=lambda s: -s.ce) or list(ranked[:1])
    if not read:
        return {f: 0.0 for f in FEATURES} | {"ce1": -12.0, "ce3": -12.0}
    ces = [_clip(s.ce if s.ce is not None else -12.0) for s in read]
    kind = expected_type(question)
    typed = kind not in (None, "thing")
    return {
        "ce1": ces[0],
        "margin": ces[0] - (ces[1] if len(ces) > 1 else -12.0),
        "ce3": sum(ces[:3]) / len(ces[:3]),
        "sem1": read[0].sem,
        "sem_max": max(s.sem for s in read),
        "lex1": read[0].lex,
        "lex_max": max(s.lex for s in read),
        "typed": float(typed),
        "type_hit1": float(typed and has_type(question, kind, read[0].text)),
        "type_hit3": float(typed and any(has_type(question, kind, s.text) for s in read[:3])),
        "thing": float(kind == "thing"),
    }


