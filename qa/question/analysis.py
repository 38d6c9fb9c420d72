"""One analysis of a question, computed once before retrieval.

`analyse(question, as_of)` -> `QuestionAnalysis`: the answer type (from the wh-word, general
English grammar), the named entities and numbers (spaCy; number words through word2number),
the date expressions (spaCy DATE entities resolved by dateparser against the `as_of` day, with
their granularity: day, week, month or year) turned into
- a date range the question is about (`date_from`/`date_to`): a soft preference for articles
  published in it or sentences that state a date in it (qa.question.dates.apply_intent), and
- retrieval `Filters` for windows anchored to `as_of` of a week or longer ('this week', 'last
  month', 'this year': they move when as_of moves by one such period; a bare 'January' does
  not): only those articles can answer. Day-level relative words ('Monday',
  'yesterday') stay soft: in news they usually mean the article's day, not today.
An expression is relative when it resolves differently against another base day.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache

from index import Filters

from ..nlp import number_value, parse

_ANSWER_TYPES = {"who": "person", "whom": "person", "whose": "person", "when": "date",
                 "where": "place", "why": "reason", "which": "entity", "what": "entity"}
_QUANTITY_HEADS = {"many", "much", "long", "old", "far", "often", "large", "big"}
# 'what/which X' asking for a date or a number (were the regex classifier's, which is gone).
_DATE_NOUNS = {"date", "day", "weekday", "month", "year"}
_COUNT_NOUNS = {"number", "percentage", "share"}
_PLACE_NOUNS = {"city", "country", "place"}
_BEFORE, _AFTER = {"before", "until", "till", "by", "through"}, {"after", "since", "from"}
_ENTITY_LABELS = {"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}


@dataclass(frozen=True)
class DateExpr:
    text: str
    period: str  # day | week | month | year
    relative: bool  # resolves against as_of ('last month'), not a fixed date ('March 2024')
    date_from: str | None
    date_to: str | None
    anchored: bool = False  # moves with as_of by one period ('this week'), unlike 'January'


@dataclass(frozen=True)
class QuestionAnalysis:
    question: str
    as_of: date
    answer_type: str | None = None  # person | date | place | quantity | reason | manner | entity | yesno
    entities: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    dates: tuple[DateExpr, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    filters: Filters = Filters()
    asked: str | None = None  # the follow-up as asked, when `question` is its standalone rewrite

    def __post_init__(self) -> None:
        if not isinstance(self.as_of, date):
            raise ValueError(f"QuestionAnalysis.as_of must be a date, got {self.as_of!r}")


def to_date(as_of) -> date:
    """`as_of` as a date: None -> today; a date/datetime; or a string dateparser reads
    ('2024-03-13', '13 March 2024')."""
    if as_of is None:
        return date.today()
    if isinstance(as_of, datetime):
        return as_of.date()
    if isinstance(as_of, date):
        return as_of
    if isinstance(as_of, str) and as_of.strip():
        try:
            return date.fromisoformat(as_of.strip())
        except ValueError:
            import dateparser

            parsed = dateparser.parse(as_of, languages=["en"])
            if parsed is not None:
                return parsed.date()
    raise ValueError(f"as_of {as_of!r} is not a date; give YYYY-MM-DD (e.g. 2024-03-13)")


@lru_cache(maxsize=64)
def _parser(base: date):
    """One dateparser per base day (building one reads its locale data: ~20 ms)."""
    from dateparser.date import DateDataParser

    return DateDataParser(languages=["en"], settings={
        "RETURN_TIME_AS_PERIOD": True, "PREFER_DATES_FROM": "past",
        "RELATIVE_BASE": datetime(base.year, base.month, base.day)})


def _span(day: date, period: str) -> tuple[date, date]:
    if period == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    if period == "month":
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if period == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    return day, day


@lru_cache(maxsize=4096)
def resolve(text: str, as_of: date, op: str | None = None) -> DateExpr | None:
    """A date expression resolved against `as_of`; `op`: the preposition before it
    ('before March 2024' -> everything up to 29 February 2024). None if not a date."""
    data = _parser(as_of).get_date_data(text)
    if data is None or data.date_obj is None:
        return None
    period = data.period if data.period in ("day", "week", "month", "year") else "day"
    lo, hi = window = _span(data.date_obj.date(), period)
    other = _parser(as_of - timedelta(days=400)).get_date_data(text)
    relative = other is None or other.date_obj is None or _span(other.date_obj.date(), period) != (lo, hi)
    if period == "week" and op is None and lo <= as_of <= hi:
        # 'this week' in the news means the seven days up to the day asked, not the calendar
        # week: asked on a Monday, Sunday's news is this week's (RealTime QA dev, 47 'this
        # week' questions: 30 evidence articles in the calendar week, 38 in the last 7 days)
        lo, hi = as_of - timedelta(days=6), as_of
    if op in _BEFORE:
        lo, hi = None, (lo - timedelta(days=1) if op == "before" else hi)
    elif op in _AFTER:
        lo, hi = (hi + timedelta(days=1) if op == "after" else lo), None
    anchored = relative and period in _STEP and all(_moves(text, as_of, d * _STEP[period], period, window)
                                                    for d in (-1, 1))
    return DateExpr(text, period, relative, lo.isoformat() if lo else None, hi.isoformat() if hi else None,
                    anchored)


_STEP = {"week": 7, "month": 31, "year": 366}


def _moves(text: str, as_of: date, days: int, period: str, window: tuple[date, date]) -> bool:
    """Does `text` resolve to another window when as_of moves by `days`?"""
    data = _parser(as_of + timedelta(days=days)).get_date_data(text)
    return data is None or data.date_obj is None or _span(data.date_obj.date(), period) != window


def answer_type(doc) -> str | None:
    toks = [t for t in doc if not t.is_punct]
    if not toks:
        return None
    for i, t in enumerate(toks):
        w = t.lower_
        if t.tag_ in ("WDT", "WP", "WP$", "WRB"):
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            if w == "how":
                return "quantity" if nxt is not None and nxt.lower_ in _QUANTITY_HEADS else "manner"
            if w in ("what", "which") and nxt is not None and nxt.pos_ == "NOUN":
                # 'what year', 'which day': the noun says what is asked
                head = nxt.lemma_.lower()
                if head in _DATE_NOUNS:
                    return "date"
                if head in _COUNT_NOUNS:
                    return "quantity"
                if head in _PLACE_NOUNS:
                    return "place"
            return _ANSWER_TYPES.get(w, "entity")
    return "yesno" if toks[0].pos_ == "AUX" else None


def asked_type(question: str) -> str | None:
    """The answer type of `question` (`answer_type` of its cached spaCy parse): THE answer-type
    classifier, for the parts that hold only the question's text (scoring, gate, conflicts)."""
    return answer_type(parse(question))


def analyse(question: str, as_of=None, nlp=None, asked: str | None = None) -> QuestionAnalysis:
    """The analysis of `question` as asked on `as_of` (default today); `asked`: the
    follow-up as the user typed it, when `question` is its standalone rewrite."""
    day = to_date(as_of)
    doc = nlp(question) if nlp is not None else parse(question)
    exprs = []
    for ent in doc.ents:
        if ent.label_ not in ("DATE", "TIME"):
            continue
        head = ent.root.head
        op = head.lower_ if ent.root.dep_ == "pobj" and head.dep_ == "prep" else None
        if op is None and ent.start > 0 and doc[ent.start - 1].pos_ == "ADP":
            op = doc[ent.start - 1].lower_
        e = resolve(ent.text, day, op)
        if e is not None:
            exprs.append(e)
    lo = max((e.date_from for e in exprs if e.date_from), default=None)
    hi = min((e.date_to for e in exprs if e.date_to), default=None)
    hard = [e for e in exprs if e.anchored]
    filters = Filters(date_from=max((e.date_from for e in hard if e.date_from), default=None),
                      date_to=min((e.date_to for e in hard if e.date_to), default=None), undated=bool(hard))
    numbers = tuple(dict.fromkeys(
        n for ent in doc.ents if ent.label_ in ("CARDINAL", "QUANTITY", "MONEY", "PERCENT")
        for n in [number_value(ent.text)] if n is not None))
    entities = tuple(dict.fromkeys(e.text for e in doc.ents if e.label_ in _ENTITY_LABELS))
    return QuestionAnalysis(question, day, answer_type(doc), entities, numbers, tuple(exprs),
                            lo, hi, filters, asked if asked and asked != question else None)


def without_windows(analysis: QuestionAnalysis) -> str:
    """The question without the date windows that became retrieval filters ('How many ... this
    week?' -> 'How many ... ?'): the filter already holds them, so a sentence need not repeat
    the words to answer."""
    text = analysis.question
    for e in analysis.dates:
        if e.anchored:
            text = text.replace(e.text, " ", 1)
    return " ".join(text.split()) or analysis.question


def question_window(analysis: QuestionAnalysis) -> tuple[str | None, str | None]:
    """The publication dates the question's own window allows. A question names when the
    event happened ('last year', 'this week'); an article reports it then or later, up to the
    day asked: so the window runs from the named start to `as_of` ('How many migrants crossed
    last year?' asked in March is answered by a March article). A window that starts after
    the day asked ('next year') says nothing about publication: no window."""
    a = analysis.filters
    asked = analysis.as_of.isoformat()
    if a.date_from and a.date_from > asked:
        return None, None
    if not a.date_from and not a.date_to:
        return None, None
    return a.date_from, max(a.date_to or asked, asked)


def merge_filters(user: Filters | None, analysis: QuestionAnalysis) -> Filters:
    """The caller's filters narrowed by the question's own window (`question_window`; the
    later start, the earlier end)."""
    user = user or Filters()
    a = analysis.filters
    q_from, q_to = question_window(analysis)
    lo = max((d for d in (user.date_from, q_from) if d), default=None)
    hi = min((d for d in (user.date_to, q_to) if d), default=None)
    # the question's window keeps undated articles; a range the caller gave does not
    return replace(user, date_from=lo, date_to=hi, undated=a.undated and not user.dated)


__all__ = ["DateExpr", "QuestionAnalysis", "analyse", "merge_filters", "question_window", "resolve", "to_date", "without_windows"]
