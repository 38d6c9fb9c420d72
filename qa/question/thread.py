"""What the previous answer was about, so that a follow-up ('When was that?', 'Who else was
there?') is resolved against the conversation and not only against the previous question.

A `Thread` is read from the last answered turn: the articles it cited, the names it was about
(those of its question, of its short answer span, else of its first cited sentence: spaCy
names) and its date (the first date its cited sentence states that does not depend on the day
it is read, resolved by dateparser). A follow-up
that brings no name or date of its own (`is_anaphoric`) is answered from the thread's articles
first (`thread_filters`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from index import Filters
from index.text import fold

from ..nlp import entities as ner, names, parse
from ..types import ABSTAIN_TEXT

_MARKER = re.compile(r"\s*\[\d+\](\s*\([^)]*\))?")
_NOTE = re.compile(r"^\s*(Published|Also published|Sources?)\b.*$", re.I | re.M)


@dataclass(frozen=True)
class Thread:
    doc_ids: tuple[str, ...] = ()  # the articles the previous answer cited
    names: tuple[str, ...] = ()  # what it was about: people, places, organisations
    date: str | None = None  # the day (or month) it was about, as written ('January 19, 2024')
    people: tuple[str, ...] = ()  # what 'he' / 'she' refer to: its PERSON names, answer first
    groups: tuple[str, ...] = ()  # what 'they' refer to: its organisations, groups and places

    @property
    def empty(self) -> bool:
        return not (self.doc_ids or self.names or self.date)


def answer_body(answer: str) -> str:
    """The answer's own sentences: no citation markers, no 'Published: ...' source notes."""
    return " ".join(_MARKER.sub("", _NOTE.sub("", answer or "")).split())


def lead_sentence(answer: str) -> str:
    """The first line of the answer (its first cited sentence), markers removed."""
    first = next((line for line in (answer or "").strip().splitlines() if line.strip()), "")
    return answer_body(first)


def stated_date(text: str, as_of: date | None = None) -> str | None:
    """The first date `text` states that means the same day whenever it is read ('January 19,
    2024', 'March 2023'; not 'Monday' or 'last week'): spaCy DATE entities resolved by
    dateparser (qa.question.analysis.resolve)."""
    from .analysis import resolve

    for e in ner(text):
        if e.label != "DATE":
            continue
        expr = resolve(e.text, as_of or date.today())
        if expr is not None and not expr.relative and expr.period in ("day", "month"):
            return e.text
    return None


def thread_of(turns: list) -> Thread:
    """The thread of the last turn that has an answer (`Turn`s of qa.question.followup)."""
    for turn in reversed(turns):
        lead = lead_sentence(turn.answer)
        if not turn.doc_ids and (not lead or lead.startswith(ABSTAIN_TEXT)):  # no answer: an earlier turn's
            continue
        asked = turn.standalone or turn.question
        about = list(names(asked))
        in_lead = list(names(lead))
        # the short answer's names as its sentence writes them in full: an extractive reader's
        # span may end inside a word ('Mousa Abu Marzo' of 'Mousa Abu Marzouk')
        in_span = [next((e for e in in_lead if fold(s.text) in fold(e.text)), s)
                   for s in (names(turn.span) if turn.span else [])]
        said = in_span or in_lead[:2]
        chosen = _distinct(e.text for e in about + said)
        people = _distinct(e.text for e in in_span + in_lead + about if e.label == "PERSON")
        groups = _distinct(e.text for e in about + in_lead if e.label in _GROUPS)
        # the date the answer states; not its article's publication day, which would pull the
        # follow-up to that one article when another report of the same event answers it
        when = stated_date(lead)
        return Thread(tuple(turn.doc_ids), chosen, when, people, groups)
    return Thread()


_GROUPS = frozenset({"ORG", "NORP", "GPE"})


def _distinct(texts) -> tuple[str, ...]:
    """Once each, case-folded, a name inside another kept once ('Hamas' / 'Hamas delegation')."""
    seen: list[str] = []
    out = []
    for t in texts:
        key = fold(t)
        if key and not any(key in s or s in key for s in seen):
            seen.append(key)
            out.append(t)
    return tuple(out)


def new_terms(question: str, thread: Thread, previous_question: str = "", articles: str = "") -> list[str]:
    """The names and dates `question` brings that the thread and the previous question do not
    have ('And in 2023?' -> ['2023']; 'When was that?' -> []). A name that the thread's
    `articles` (their text) mention is not new: 'What did he say Russia should do?' is still
    about the article that named him; a date or number always is ('And in 2023?')."""
    known = fold(" ".join(thread.names) + " " + (thread.date or "") + " " + previous_question)
    in_articles = fold(articles)
    doc = parse(question)
    named = [e.text for e in names(question) if fold(e.text) not in in_articles]
    terms = named + [e.text for e in doc.ents if e.label_ in ("DATE", "TIME")
                     or e.label_ == "CARDINAL" and e.text[:1].isdigit()]
    return [t for t in dict.fromkeys(terms) if fold(t) not in known]


def is_anaphoric(question: str, thread: Thread, previous_question: str = "", articles: str = "") -> bool:
    """A follow-up about the same thing: it brings no date of its own, and no name that the
    thread (its names, the previous question, its `articles`' text) does not already have."""
    return not thread.empty and not new_terms(question, thread, previous_question, articles)


def thread_filters(user: Filters | None, thread: Thread) -> Filters | None:
    """The caller's filters narrowed to the thread's articles (None when the thread cited none
    or the caller already chose documents)."""
    from dataclasses import replace

    if not thread.doc_ids:
        return None
    user = user or Filters()
    if user.doc_ids:
        return None
    return replace(user, doc_ids=tuple(thread.doc_ids))


__all__ = ["Thread", "answer_body", "is_anaphoric", "lead_sentence", "new_terms", "stated_date", "thread_filters", "thread_of"]
