"""Conflicting dates: when relevant sentences from different articles give different dates
for what the question asks about ('met ... on Monday' vs 'received today, Friday, ...'),
report each value with its sources instead of picking one.

Mechanism (no corpus-specific rules), the date counterpart of `qa.check.conflicts`:
- only for questions that ask for a date: `asked_type == "date"` or weekday / month / year
  phrasing ('on which weekday', 'in what month', 'which year'); the phrasing decides which
  granularities are compared (a weekday question compares weekdays only);
- date mentions in the relevant sentences (score within a band of the best): full dates
  (`corpus.dates.find_dates`, normalised to ISO), 'Month Day', 'Month Year', weekday names,
  and (for year questions) years. Relative words ('today', 'yesterday') are not resolved;
  'today, Friday' counts as the weekday it names;
- each mention's context is the content words on either side of it within its clause; a
  mention counts only when that context matches the question's content terms (two terms,
  roughly), so an unrelated date in a relevant sentence is ignored;
- per article and granularity the best-matching mention is kept; a conflict needs two
  articles giving different values of the SAME granularity (a weekday is never compared
  with a full date). One article giving two dates is not a conflict between articles;
- a dateline is not a claim: candidate sentences already start after one
  (`qa.answer.quote.skip_dateline`).
False conflicts are worse than missed ones, so each rule errs on the side of no finding."""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.dates import find_dates
from index.text import STOPWORDS, fold, stem

from .. import nlp
from .findings import Finding, InSentence, term_match
from ..answer.quote import content_terms
from ..question.analysis import asked_type
from ..settings import ConflictSettings
from ..types import Sentence

_SETTINGS = ConflictSettings()

WEEKDAYS = tuple(d.capitalize() for d in nlp.WEEKDAYS)
MONTH_NAMES = tuple(m.capitalize() for m in nlp.MONTHS)
_MONTH_NUM = {m.lower(): i for i, m in enumerate(MONTH_NAMES, start=1)}
_MONTH_NUM.update({m.lower()[:3]: i for i, m in enumerate(MONTH_NAMES, start=1)})
_MONTH_NUM["sept"] = 9
# capitalised only: 'may' the verb and 'march' the noun are not months
_MON = r"(?P<mon>" + "|".join(sorted(
    [m for m in MONTH_NAMES] + [m[:3] + r"\." for m in MONTH_NAMES if len(m) > 3] + [r"Sept\."],
    key=len, reverse=True)) + r")"
_WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b", re.I)
_MONTH_DAY = [
    re.compile(rf"\b{_MON}\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b"),  # January 19
    re.compile(rf"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON}(?!\w)"),  # 19 January
]
_MONTH_YEAR = re.compile(rf"\b{_MON}\s+(?:of\s+)?(?P<year>(?:19|20)\d\d)\b")
_YEAR = re.compile(r"(?<![\w./:-])(?P<year>(?:19|20)\d\d)(?![\w/:-]|\.\d)")
_WORD = re.compile(r"[\w’'\-]+|[;:.!?()\"“”]")
_CLAUSE_END = set(";:.!?()\"“”")

# question phrasing -> the granularities compared
_ASKS_WEEKDAY = re.compile(r"\b(week ?day|day of the week|(which|what) day)\b(?! of the month)")
_ASKS_MONTH = re.compile(r"\b(which|what) month\b")
_ASKS_YEAR = re.compile(r"\b(which|what) year\b")
_ASKS_DATE = re.compile(r"^\s*when\b|[,;]\s*when\b|\b(and|or|but)\s+when\b|"
                        r"\b(what|which)\s+(exact\s+)?(date|day)\b")
_BOUNDS = frozenset("since until till by before after from".split())
_GENERAL = ("date", "monthday", "month", "weekday")  # most specific first
UNIT_NAMES = {"date": "date", "monthday": "date", "month": "month", "year": "year",
              "weekday": "day of the week"}
# words that name the asked unit, not the event: never context
_UNIT_TERMS = {stem(w) for w in "date day weekday week month year time".split()}
_LEAD = re.compile(
    r"^\s*(?:(?P<prep>on|in|since|during|by|at|from|until|till|before|after)\s+)?"
    r"(?:when|(?:what|which)\s+(?:exact\s+)?(?:date|day(?:\s+of\s+the\s+week)?|week ?day|month|year))\b"
    r"(?:\s+(?:did|does|do|was|were|is|are|will|has|have|had))?\s*", re.I)
WINDOW = 8  # content words on each side of a date


@dataclass
class DateMention(InSentence):
    value: str  # normalised: ISO date, '--MM-DD', 'YYYY-MM', 'YYYY' or the weekday's name
    unit: str  # 'date' | 'monthday' | 'month' | 'year' | 'weekday'
    surface: str
    sentence: Sentence
    context: list[tuple[int, str]]  # (distance in content words, stemmed word), both sides
    start: int = 0  # offset in the sentence's text
    match: float = 0.0


def asked_units(question: str) -> tuple[str, ...]:
    """The granularities a question asks for, most specific first; () when it asks no date.
    Stricter than `asked_type(...) == "date"`: 'What did X do when Y happened?' uses 'when'
    as a conjunction and asks no date, so 'when' counts only opening the question or a clause
    ('..., and when was it reported?')."""
    q = fold(question)
    if _ASKS_WEEKDAY.search(q):
        return ("weekday",)
    if _ASKS_MONTH.search(q):
        return ("month",)
    if _ASKS_YEAR.search(q):
        return ("year",)
    if asked_type(question) == "date" and _ASKS_DATE.search(q):
        return _GENERAL
    return ()


def asked_preposition(question: str) -> str | None:
    """'since' in 'Since what year ...': a question asking for a bound, not a point in time.
    Only dates written after the same word answer it ('since 2006', not 'in 2024')."""
    m = _LEAD.match(question)
    p = fold(m.group("prep") or "") if m else ""
    return p if p in _BOUNDS else None


def _month(name: str) -> int:
    return _MONTH_NUM[name.lower().rstrip(".")]


def _context(text: str, start: int, end: int) -> list[tuple[int, str]]:
    """Stemmed content words before and after text[start:end], nearest first, within its clause."""
    out: list[tuple[int, str]] = []
    for side in (reversed(_WORD.findall(text[:start])), iter(_WORD.findall(text[end:]))):
        n = 0
        for w in side:
            if w in _CLAUSE_END:
                break
            f = fold(w)
            if f in STOPWORDS or fold(w).capitalize() in WEEKDAYS or f.isdigit():
                continue
            out.append((n, stem(f)))
            n += 1
            if n >= WINDOW:
                break
    return out


def date_mentions(s: Sentence, units: tuple[str, ...] = _GENERAL + ("year",)) -> list[DateMention]:
    """Dates stated in a sentence, of the given granularities."""
    text = s.text
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return not any(x < b and a < y for x, y in taken)

    def add(a: int, b: int, value: str, unit: str) -> None:
        if unit in units:
            found.append(DateMention(value, unit, text[a:b], s, _context(text, a, b), a))

    for a, b, d in find_dates(text):
        taken.append((a, b))
        add(a, b, d.isoformat(), "date")
        add(a, b, str(d.year), "year")
    for m in _MONTH_YEAR.finditer(text):
        if free(m.start(), m.end()):
            taken.append((m.start(), m.end()))
            add(m.start(), m.end(), f"{m.group('year')}-{_month(m.group('mon')):02d}", "month")
            add(m.start(), m.end(), m.group("year"), "year")
    for pattern in _MONTH_DAY:
        for m in pattern.finditer(text):
            day = int(m.group("day"))
            if free(m.start(), m.end()) and 1 <= day <= 31:
                taken.append((m.start(), m.end()))
                add(m.start(), m.end(), f"--{_month(m.group('mon')):02d}-{day:02d}", "monthday")
    for m in _YEAR.finditer(text):
        if free(m.start(), m.end()):
            add(m.start(), m.end(), m.group("year"), "year")
    for m in _WEEKDAY.finditer(text):
        if m.group(1)[0].isupper():  # 'Friday', not a lower-case word that happens to match
            add(m.start(), m.end(), m.group(1).capitalize(), "weekday")
    return found


def _preceded_by(m: DateMention, word: str) -> bool:
    before = re.findall(r"[\w’'\-]+", m.sentence.text[:m.start])
    return bool(before) and fold(before[-1]) == word


def score_date(m: DateMention, qterms: list[str]) -> float:
    """How well the words around the date match the question's terms (nearer counts more)."""
    score = 0.0
    for q in set(qterms):
        dists = [d for d, c in m.context if term_match(q, c)]
        if dists:
            score += 1.0 / (1.0 + 0.1 * min(dists))
    return score


def topic(question: str, unit: str) -> str:
    """'day of the week (the delegation meet the minister in Moscow)': the unit, then what
    the question asks it of, in the question's own words."""
    rest = _LEAD.sub("", question.strip()).rstrip(" ?.!").strip()
    name = UNIT_NAMES[unit]
    return f"{name} ({rest})" if rest and rest != question.strip().rstrip(" ?.!") else name


def find_date_conflicts(question: str, ranked: list[Sentence], band: float = _SETTINGS.band,
                        max_sentences: int = _SETTINGS.max_sentences, need: float = 1.8,
                        sem_margin: float = 0.1) -> list[Finding]:
    """Different dates for the asked thing from different articles, among the relevant
    sentences (score within `band` of the best, top `max_sentences`, and similarity to the
    question within `sem_margin` of the best: both sides must be about the asked thing, not
    merely share its words). At most one finding: the most specific granularity that
    disagrees."""
    units = asked_units(question)
    if not units or not ranked:
        return []
    best = ranked[0].score
    best_sem = max(s.sem for s in ranked)
    relevant = [s for s in ranked[:max_sentences]
                if s.score >= band * best and s.sem >= best_sem - sem_margin]
    qterms = [t for t in content_terms(question) if t not in _UNIT_TERMS]
    prep = asked_preposition(question)
    chosen: dict[tuple[str, str], DateMention] = {}  # (unit, doc) -> best mention
    for s in relevant:
        for m in date_mentions(s, units):
            m.match = score_date(m, qterms)
            if m.match < need or (prep and not _preceded_by(m, prep)):
                continue
            key = (m.unit, m.story)  # copies of one story are one source
            old = chosen.get(key)
            if old is None or (m.match, m.sentence.score) > (old.match, old.sentence.score):
                chosen[key] = m
    for unit in units:
        by_value: dict[str, list[DateMention]] = {}
        for (u, _), m in chosen.items():
            if u == unit:
                by_value.setdefault(m.value, []).append(m)
        if len(by_value) >= 2:  # one mention per story, so two values are two sources
            return [Finding(topic(question, unit), by_value)]
    return []
