"""The refusal gate's checks, run before any answerer: whether the retrieved evidence passes
them, and which check failed. It decides nothing: its `Evidence` goes to the verdict
(qa.evidence.verdict), the one place that decides to answer or refuse. Two signals: the
question's key terms (names, numbers, years) must occur in the retrieved text, and the best
sentence must be close enough in meaning and words. Thresholds are calibrated on questions
with and without answers in the articles."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from index.text import STOPWORDS, fold, stem, words

from ..check.conflicts import counts, mentions
from ..nlp import MONTHS, NAME_LABELS, NUMBER_WORDS, entities, inside, month_name, names
from ..answer.quote import asked_quantity
from ..question.analysis import asked_type
from ..settings import GateSettings
from ..types import Sentence

_TOKEN = re.compile(r"[\w’'\-]+")
# Entities that can be the name asked for by 'the name of the X' (not NORP: 'the Russian envoy').
_NAMING = NAME_LABELS - {"NORP", "LANGUAGE"}


# Which check failed (Evidence.check): one of these, or "" when all passed.
CHECKS = ("nothing_retrieved", "missing_terms", "far", "no_name", "no_dated_names", "no_count")


@dataclass
class Evidence:
    """What the gate found. `passed`: every check passed; else `check` names the one that
    failed (CHECKS) and `detail` says how, in the gate's own terms (for logs and tests: the
    reader sees the verdict's plain words instead)."""

    passed: bool
    check: str = ""
    detail: str = ""
    best_sem: float = 0.0
    best_lex: float = 0.0
    key_terms: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    named: str | None = None  # the noun whose name is asked ('the name of the captain')

    def __post_init__(self) -> None:
        if self.check not in ("", *CHECKS):
            raise ValueError(f"unknown gate check {self.check!r}; one of {', '.join(CHECKS)}")

    def failed(self, check: str, detail: str) -> "Evidence":
        self.passed, self.check, self.detail = False, check, detail
        return self


def key_terms(question: str) -> list[str]:
    """The words of the question's names (qa.nlp.names: spaCy entities and proper nouns), its
    numbers and number words, and the months of its dates, folded: the things an answer must
    be about."""
    keys: list[str] = []
    spans = names(question)
    dates = [e for e in entities(question) if e.label == "DATE"]
    for m in _TOKEN.finditer(question):
        tok = m.group(0).strip("’'-")
        if not tok:
            continue
        low = fold(tok)
        if any(c.isdigit() for c in tok) or low in NUMBER_WORDS:
            keys.append(low)
        elif low in MONTHS and inside(dates, m.start()):
            keys.append(low)
        elif inside(spans, m.start()) and low not in STOPWORDS:
            keys.append(low)
    return list(dict.fromkeys(keys))


def _possessive(term: str) -> str:
    for suffix in ("’s", "'s"):
        if term.endswith(suffix):
            return term[: -len(suffix)]
    return term


def term_present(term: str, vocabulary: set[str], fuzzy: float) -> bool:
    term = _possessive(term)
    parts = [p for p in re.split(r"[-’']", term) if p]
    if not parts:
        return True
    for part in parts:
        if part in vocabulary or stem(part) in vocabulary:
            continue
        if part.isdigit() or len(part) < 4:
            return False
        if any(part in v for v in vocabulary if len(v) > len(part)):
            continue  # 'guardian' in 'theguardian'
        if not difflib.get_close_matches(part, [v for v in vocabulary if abs(len(v) - len(part)) <= 2],
                                         n=1, cutoff=fuzzy):
            return False
    return True


def asked_name_of(question: str) -> str | None:
    """The noun whose name is asked ('representative' in 'What is the name of Hamas's
    representative in Moscow?'), stemmed, or None."""
    m = re.search(r"\bname\s+of\s+(.*)", question, re.I)
    if not m:
        return None
    spans = names(question)
    for t in list(re.finditer(r"[\w’']+", question[m.start(1):]))[:5]:
        w = t.group(0)
        if _possessive(w) != w:
            continue  # "the ship's captain": the name is the captain's
        if inside(spans, m.start(1) + t.start()) or fold(w) in STOPWORDS:
            continue
        return stem(fold(w))
    return None


def names_near(sentence: str, head: str, question: str, gap: int = 1) -> bool:
    """Is there a name (a spaCy entity labelled as a person, organisation, place, work, ...)
    at most `gap` words away from the head noun, or containing it, that the question does not give?"""
    toks = list(re.finditer(r"[\w’'\-]+", sentence))
    qwords = set(words(question))
    spans = []
    for e in entities(sentence):
        idx = [i for i, t in enumerate(toks) if e.start <= t.start() < e.end]
        if e.label in _NAMING and idx and any(w not in qwords for w in words(e.text)):
            spans.append((idx[0], idx[-1] + 1))
    for k, t in enumerate(toks):
        if not stem(fold(_possessive(t.group(0)))).startswith(head):
            continue
        if any(0 <= k - b <= gap or 0 < a - k <= gap or a <= k < b for a, b in spans):
            return True
    return False


_TEMPORAL = re.compile(r"^((19|20)\d\d|" + "|".join(MONTHS) + r")$")


def name_terms(keys: list[str]) -> list[str]:
    """The key terms that are names: not years, months, numbers or number words."""
    return [k for k in keys if not _TEMPORAL.match(k) and not k.isdigit() and k not in NUMBER_WORDS]


def _in_corpus(term: str, corpus_vocab) -> bool:
    """Exact check against the index's stemmed terms (cheap on a large vocabulary)."""
    parts = [p for p in re.split(r"[-’']", _possessive(term)) if p]
    return bool(parts) and all(stem(p) in corpus_vocab for p in parts)


def metadata_text(passage) -> str:
    """What the reader knows about an article besides its text: title, outlet, date."""
    parts = [passage.title or "", passage.outlet or ""]
    if passage.published:
        y, m, d = passage.published.split("-")
        parts.append(f"{y} {month_name(int(m))} {int(d)}")
    return " ".join(parts)


def vocabulary_of(texts: list[str]) -> set[str]:
    vocab: set[str] = set()
    for t in texts:
        for w in words(t):
            vocab.add(w)
            vocab.add(stem(w))
    return vocab


def own_words_present(question: str, texts: list[str], fuzzy: float) -> bool:
    """Every noun and verb of `question` (spaCy's tags; not a stop word) is in `texts`, as
    written, stemmed, lemmatised or spelled close: 'Who accompanied him?' is not answered by
    articles that never say 'accompanied'. A verb under 4 letters ('say' / 'said') is not
    checked: its forms are not matched by spelling."""
    from ..nlp import parse

    vocab = vocabulary_of(texts)
    for t in parse(question):
        if t.pos_ not in ("NOUN", "PROPN", "VERB") or t.is_stop or fold(t.text) in STOPWORDS:
            continue
        if t.pos_ == "VERB" and len(t.lemma_) < 4:
            continue
        if not (term_present(fold(t.text), vocab, fuzzy) or term_present(fold(t.lemma_), vocab, fuzzy)):
            return False
    return True


def states_a_date(text: str) -> bool:
    """Does `text` name a date, day, month or year (a spaCy DATE entity)?"""
    return any(e.label == "DATE" for e in entities(text))


class EvidenceGate:
    def __init__(self, settings: GateSettings = GateSettings()):
        self.settings = settings

    def _dated_with_names(self, keys: list[str], ranked: list[Sentence]) -> bool:
        """A 'when' question needs one relevant sentence that both carries a date (stated, or
        its article's publication date) and names everything the question names: 'When did X
        last meet Lavrov?' is not answered by a dated sentence about X and an undated one
        about Lavrov."""
        names = name_terms(keys)
        for x in ranked[:self.settings.top_for_date]:
            if not (x.passage.published or states_a_date(x.text)):
                continue
            vocab = vocabulary_of([x.text, metadata_text(x.passage)])
            if all(term_present(n, vocab, self.settings.fuzzy) for n in names):
                return True
        return False

    def check(self, question: str, ranked: list[Sentence], passage_texts: list[str],
              corpus_vocab: set[str] | None = None) -> Evidence:
        """`ranked`: scored candidate sentences, best first; `passage_texts`: all retrieved text;
        `corpus_vocab`: stemmed terms of the whole index, so a name the corpus does contain
        (only not retrieved) is not taken as missing."""
        s = self.settings
        if not ranked:
            return Evidence(False, "nothing_retrieved", "nothing was retrieved")
        best_sem = max(x.sem for x in ranked)
        best_lex = max(x.lex for x in ranked[:s.lex_depth])
        keys = key_terms(question)
        vocab = vocabulary_of(passage_texts)
        missing = [k for k in keys if not term_present(k, vocab, s.fuzzy)
                   and not (corpus_vocab and _in_corpus(k, corpus_vocab))]
        ev = Evidence(True, "", "supported", best_sem, best_lex, keys, missing)
        if len(missing) > s.max_missing_keys:
            return ev.failed("missing_terms", f"the articles never mention {', '.join(missing)}")
        if best_sem < s.min_sem or (best_sem < s.strong_sem and best_lex < s.min_lex):
            return ev.failed("far", f"no sentence is close to the question (cosine {best_sem:.2f}, "
                                    f"term coverage {best_lex:.2f})")
        if (named := asked_name_of(question)) and not any(
                names_near(x.text, named, question) for x in ranked[:s.top_for_count]):
            ev.named = named
            return ev.failed("no_name", f"no relevant sentence names the {named}")
        if s.require_dated_names and asked_type(question) == "date" and not self._dated_with_names(
                keys, ranked):
            return ev.failed("no_dated_names", "no relevant sentence gives a date together with "
                             + (", ".join(name_terms(keys)) or "the question's subject"))
        if (head := asked_quantity(question)) and not any(
                counts(m, head) for x in ranked[:s.top_for_count] for m in mentions(x)):
            return ev.failed("no_count", f"no relevant sentence gives a number of '{head}'")
        return ev
