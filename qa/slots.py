"""What a question asks for, beyond its topic: the category of a 'which X did ...' answer and
the subject of a 'how long did X last' question. The refusal gate uses these to abstain on
on-topic questions whose specific detail the articles never give ('Which hotel did the
delegation stay at?' when no hotel is mentioned).

General English patterns only; nothing here knows about any corpus."""

from __future__ import annotations

import re
from typing import Callable, Iterable

import numpy as np

from index.text import STOPWORDS, fold, stem, words

from .nlp import MONTHS, WEEKDAYS, entities, inside, names

_AUX = r"(?:did|does|do|was|were|is|are|has|have|had|will|would|can|could|should|might|may)"
# "Which hotel did ...", "What political party does ...": the noun right before the auxiliary.
_CATEGORY = re.compile(rf"\b(?:which|what)\s+((?:[^\W\d_][\w’'\-]*\s+){{0,2}}?)([^\W\d_][\w\-]*)\s+{_AUX}\b", re.I)

# Nouns too abstract to be missing: a paraphrase of the question names them differently
# ('what conditions ...' answered by 'demands', 'which elements ...' by a list).
ABSTRACT = frozenset(
    """kind kinds type types sort sorts way ways name names thing things one ones part parts
    role roles position positions reason reasons date dates day days year years time times
    month months number numbers amount percentage share
    element elements condition conditions aspect aspects issue issues factor factors step steps
    measure measures topic topics matter matters point points goal goals aim aims demand demands
    term terms detail details subject subjects area areas action actions message messages
    concern concerns problem problems question questions idea ideas principle principles
    policy policies view views stance argument arguments claim claims proposal proposals
    plan plans outcome outcomes result results purpose purposes event events
    attitude attitudes opinion opinions reaction reactions response responses approach tone
    feeling feelings sentiment assessment explanation justification motive motives rationale
    significance effect effects impact consequence consequences
    goods item items supply supplies material materials product products equipment object objects
    city cities country countries place places town nation state capital region location
    person people official officials leader leaders man woman group groups organization
    organisation movement agency body institution side sides party parties""".split()
)

_UNITS = ("second", "minute", "hour", "day", "night", "week", "fortnight", "month", "year",
          "decade", "century", "mile", "kilometre", "kilometer", "km", "metre", "meter")
_AMOUNT = (r"(?:\d+(?:[.,]\d+)*|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
           r"several|a few|few|many|some|couple of|dozens of|hundreds of)")
_DURATION = re.compile(rf"\b{_AMOUNT}(?:[\s\-]+\w+)?[\s\-]+(?:{'|'.join(_UNITS)})s?\b", re.I)


def asked_category(question: str) -> str | None:
    """The specific noun a 'which/what X <auxiliary> ...' question asks for ('hotel' in
    'Which hotel did the delegation stay at?'), folded; None when there is none, when it is
    a name (part of a spaCy entity or proper noun of the question: 'Which Gazprom did'), or when
    it is abstract (see ABSTRACT)."""
    m = _CATEGORY.search(question)
    if not m:
        return None
    noun = m.group(2)
    if inside(names(question), m.start(2)):
        return None
    noun = fold(noun)
    if noun in STOPWORDS or noun in ABSTRACT or len(noun) < 3:
        return None
    return noun


_TIME_UNITS = r"(?:seconds|minutes|hours|days|nights|weeks|months|years|decades)"
_ORDINAL = frozenset("first second third fourth fifth last next previous new recent latest".split())


def duration_subject(question: str) -> str | None:
    """For 'how long did the X ...' and 'how many days did the X ...': the stem of X's first
    content word outside the question's names and dates (spaCy) ('meet' for 'How long did the
    February 2025 meeting last?'); None otherwise."""
    m = re.search(rf"\bhow\s+(?:long|many\s+{_TIME_UNITS})\s+(?:{_AUX}\s+)?(.*)", question, re.I)
    if not m:
        return None
    spans = names(question) + entities(question)
    for t in re.finditer(r"[\w’'\-]+", question[m.start(1):]):
        tok = t.group(0)
        if inside(spans, m.start(1) + t.start()) or any(c.isdigit() for c in tok):
            continue
        low = fold(tok)
        if low in STOPWORDS or low in _ORDINAL or low in ("ago", "after", "before", "since"):
            continue
        return stem(low)
    return None


# A date, month, weekday, year or relative day in a sentence.
_DATE_WORD = re.compile(
    r"\b(" + "|".join(MONTHS + WEEKDAYS) + r"|today|yesterday|tonight|(?:19|20)\d\d)\b", re.I)


_COUNT_PREDICATE = re.compile(
    r"\bhow (?:many|much)\b.*?\b(?:were|was|are|is|have been|has been|had been|got|get)\s+"
    r"([^\W\d_]+(?:ed|en))\b", re.I)


def count_predicate(question: str) -> str | None:
    """The passive verb of a counting question ('killed' in 'How many citizens were killed
    in the attack?'), folded; None when there is none. The number that answers it must be
    a number of things that underwent it: three citizens held is not three citizens killed."""
    m = _COUNT_PREDICATE.search(question)
    return fold(m.group(1)) if m else None


_FUTURE = re.compile(r"\b(will|shall|scheduled|slated|expected to|due to|planned|set to|upcoming)\b", re.I)


def asks_future(question: str) -> bool:
    """Does the question ask about something yet to happen ('When will the talks resume?',
    'On what date is the vote scheduled?')? An article's publication date cannot answer it."""
    return bool(_FUTURE.search(question))


def states_a_date(text: str) -> bool:
    return bool(_DATE_WORD.search(text))


def has_duration(text: str) -> bool:
    """Does `text` state a length of time or distance ('42 days', 'for a week', 'two-hour')?"""
    return bool(_DURATION.search(text))


def closest_word(term: str, texts: Iterable[str], vectors: Callable[[list[str]], np.ndarray],
                 max_words: int = 400) -> tuple[str, float]:
    """The word of `texts` nearest in meaning to `term` (cosine of normalised embeddings)."""
    cands = list(dict.fromkeys(w for t in texts for w in words(t)
                               if w not in STOPWORDS and w.isalpha() and len(w) > 2))[:max_words]
    if not cands:
        return "", 0.0
    mat = np.asarray(vectors([term] + cands), dtype=np.float32)
    norms = np.linalg.norm(mat, axis=1)
    norms[norms == 0] = 1.0
    mat = mat / norms[:, None]
    sims = mat[1:] @ mat[0]
    i = int(np.argmax(sims))
    return cands[i], float(sims[i])
