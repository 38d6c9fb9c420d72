"""Tokenisation shared by BM25 and lexical matching: lower-case word tokens, stop words
removed, Porter-stemmed."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from nltk.stem import PorterStemmer

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    s t did does also""".split()
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_stemmer = PorterStemmer()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer.stem(word)


def fold(text: str) -> str:
    """Lower-case and strip accents, so 'Marzouk' and 'MARZOUK' and 'Marzóuk' agree."""
    text = text.lower()
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text)
    marks = {c for c in set(text) if unicodedata.combining(c)}  # per distinct character, not per character
    return text.translate({ord(c): None for c in marks}) if marks else text


def words(text: str) -> list[str]:
    """Folded word tokens, stop words kept (for overlap and answer matching)."""
    return _WORD.findall(fold(text))


def tokenize(text: str) -> list[str]:
    """BM25 terms: folded, stop words dropped, stemmed."""
    return [stem(w) for w in _WORD.findall(fold(text)) if w not in STOPWORDS]
