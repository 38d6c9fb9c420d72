"""Conflicting figures: when relevant sentences from different articles give different counts
for the same thing ('3 Russian citizens' vs 'six ... hold Russian citizenship'), report
each value with its sources instead of picking one.

Mechanism (no corpus-specific rules): find number mentions (digits or number words, not
dates or times) in the relevant sentences; give each the words that follow it as its
context; keep, per sentence, the mention whose context best matches the question's terms;
compare the values of those mentions across articles."""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.dates import find_dates
from index.text import STOPWORDS, fold, stem

from ..nlp import NUMBER_RUN_PATTERN, number_words_value
from ..answer.quote import asked_quantity, asks_count, content_terms
from ..settings import ConflictSettings
from ..types import Sentence
from .date_conflicts import find_date_conflicts
from .findings import Finding, InSentence, term_match

_NUM = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w]|[.,]\d|:\d)(\s*(million|billion|thousand))?|"
    rf"({NUMBER_RUN_PATTERN})",  # number words: 'six', 'twenty-one', 'two hundred'
    re.I,
)
_WORD = re.compile(r"[\w’'\-]+|[;:.!?()\"“”]")
_TOTAL = re.compile(r"^\s*(out\s+)?of\s+(the\s+)?(?=\d|\w+\b)", re.I)
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
WINDOW = 12


@dataclass
class Mention(InSentence):
    value: float
    surface: str
    sentence: Sentence
    context: list[str]  # stemmed content words after the number, in order
    phrase: str  # the words right after the number, for the topic
    match: float = 0.0


def _value(m: re.Match) -> float | None:
    if m.group(4):
        v = number_words_value(m.group(4))
        return None if v is None else float(v)
    try:
        v = float(m.group(1).replace(",", ""))
    except ValueError:
        return None
    return v * _SCALE.get((m.group(3) or "").lower(), 1.0)


def _following(text: str, pos: int, limit: int = WINDOW) -> list[str]:
    out = []
    for w in _WORD.findall(text[pos:]):
        if w in ";:.!?()\"“”":
            break
        out.append(w)
        if len(out) >= limit:
            break
    return out


def mentions(s: Sentence) -> list[Mention]:
    """Counts stated in a sentence, with the words that say what they count."""
    date_spans = [(a, b) for a, b, _ in find_dates(s.text)]
    found: list[Mention] = []
    matches = list(_NUM.finditer(s.text))
    for i, m in enumerate(matches):
        if any(a <= m.start() < b for a, b in date_spans):
            continue
        value = _value(m)
        if value is None or (m.group(1) and 1900 <= value <= 2100 and "," not in m.group(1)):
            continue  # a year
        after = s.text[m.end():]
        if re.match(r"\s*(st|nd|rd|th)\b|\s*(am|pm|a\.m|p\.m|%)", after, re.I):
            continue
        words = _following(s.text, m.end())
        phrase = " ".join(w for w in words[:3] if fold(w) not in STOPWORDS)
        total = _TOTAL.match(after)
        if total and i + 1 < len(matches):
            nxt = matches[i + 1]
            if nxt.start() - m.end() <= total.end() + 1:
                # "six out of the 220 hostages who ...": six counts what the clause says
                words = _following(s.text, nxt.end())
                phrase = ""
        ctx = [stem(fold(w)) for w in words if fold(w) not in STOPWORDS]
        if total is None and i > 0 and _TOTAL.match(s.text[matches[i - 1].end():]) and \
                m.start() - matches[i - 1].end() <= 12:
            ctx = ctx[:2]  # the total in "X out of the Y N ...": it counts N only
        found.append(Mention(value, m.group(0), s, ctx, phrase))
    return found


_UNITS = frozenset(stem(u) for u in
                   "second seconds minute minutes hour hours day days night nights week weeks month "
                   "months year years decade decades percent".split())


def counts(m: Mention, head: str, within: int = 6) -> bool:
    """Does the mention count `head` (a stemmed noun)? Looks at the first content words after
    it, up to a unit: in '42 days ... captives' the number counts days, not captives."""
    for c in m.context[:within]:
        if term_match(head, c):
            return True
        if c in _UNITS:
            return False
    return False


def score_mention(m: Mention, qterms: list[str]) -> float:
    score = 0.0
    for q in set(qterms):
        for dist, c in enumerate(m.context):
            if term_match(q, c):
                score += 1.0 / (1.0 + 0.1 * dist)
                break
    return score


_SETTINGS = ConflictSettings()


def find_conflicts(question: str, ranked: list[Sentence], settings: ConflictSettings = _SETTINGS) -> list[Finding]:
    """Disagreements among the relevant sentences (score within `settings.band` of the best):
    counts, then dates (`qa.check.date_conflicts`)."""
    s = settings
    return count_conflicts(question, ranked, s.band, s.max_sentences, s.count_band) + \
        find_date_conflicts(question, ranked, s.band, s.max_sentences)


def count_conflicts(question: str, ranked: list[Sentence], band: float = _SETTINGS.band,
                    max_sentences: int = _SETTINGS.max_sentences,
                    count_band: float = _SETTINGS.count_band) -> list[Finding]:
    """Different counts of the asked thing among the relevant sentences."""
    if not ranked:
        return []
    best = ranked[0].score
    is_count = asks_count(question)
    if is_count:
        band = min(band, count_band)  # a count must also match the question's words (below)
    relevant = [s for s in ranked[:max_sentences] if s.score >= band * best]
    qterms = content_terms(question)
    need = 0.9 if is_count else 1.8
    head = asked_quantity(question)
    chosen: list[Mention] = []
    for s in relevant:
        ms = mentions(s)
        for m in ms:
            m.match = score_mention(m, qterms)
        ms = [m for m in ms if m.match >= need and (head is None or counts(m, head))]
        if ms:
            chosen.append(max(ms, key=lambda m: (m.match, -len(m.context))))
    first_copy: dict[str, str] = {}  # story -> the copy heard first (best ranked); others repeat it
    chosen = [m for m in chosen if first_copy.setdefault(m.story, m.doc_id) == m.doc_id]
    if len({m.story for m in chosen}) < 2:
        return []
    by_value: dict[float, list[Mention]] = {}
    for m in chosen:
        by_value.setdefault(m.value, []).append(m)
    if len(by_value) < 2:
        return []
    stories_per_value = [{m.story for m in ms} for ms in by_value.values()]
    if len(set().union(*stories_per_value)) < 2:
        return []  # one article (or copies of one story) giving two figures is no conflict between sources
    def fit(m: Mention) -> tuple:
        terms = [stem(fold(w)) for w in m.phrase.split()]
        return (-sum(any(term_match(q, t) for t in terms) for q in set(qterms)), len(m.phrase))

    phrased = [m for m in chosen if m.phrase]
    topic = f"number of {min(phrased, key=fit).phrase}" if phrased else "figure asked about"
    return [Finding(topic, by_value)]
