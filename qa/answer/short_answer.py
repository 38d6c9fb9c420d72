"""The short answer: the shortest span inside a cited sentence that answers the question.

The question's answer type (qa.question.analysis: who -> person, when -> date, how many -> quantity,
...) says which named-entity labels can answer it; spaCy's NER finds those entities in the
cited sentences. Among them, the answer is an entity the question does not already name, and
the one nearest the question's own words in the sentence (the sliding-window / distance idea of
the SQuAD reading baselines). Questions whose answer is not an entity (why, how, yes/no) get
no span: the cited sentence is the answer. Offsets are exact: doc.text[start:end] == text."""

from __future__ import annotations

from typing import Callable, Sequence

import re

from index.text import STOPWORDS, fold, stem, tokenize

from ..nlp import Entity, number_words_to_digits
from ..nlp import entities as nlp_entities
from ..types import AnswerSpan, Citation

# spaCy OntoNotes labels that can answer each answer type, in order of preference.
LABELS: dict[str, tuple[str, ...]] = {
    "person": ("PERSON", "ORG", "NORP"),
    "date": ("DATE", "TIME"),
    "place": ("GPE", "LOC", "FAC"),
    "quantity": ("CARDINAL", "QUANTITY", "MONEY", "PERCENT", "DATE", "TIME", "ORDINAL"),
    "entity": ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW",
               "DATE", "MONEY", "PERCENT", "QUANTITY", "CARDINAL"),
}


# For these types the label order decides first ("who": a person before an organisation);
# for "what"/"which" any entity may answer, and nearness to the question's words decides.
LABEL_FIRST = frozenset({"person", "date", "place", "quantity"})
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


class ShortAnswerFinder:
    """`entities(text) -> [Entity]` is injectable (tests pass a fake; default qa.nlp.entities:
    spaCy NER, cached per sentence)."""

    def __init__(self, entities: Callable[[str], Sequence[Entity]] | None = None, max_citations: int = 2):
        if max_citations < 1:
            raise ValueError(f"max_citations must be >= 1, got {max_citations}")
        self.entities = entities or nlp_entities
        self.max_citations = max_citations

    def find(self, question: str, answer_type: str | None, citations: Sequence[Citation],
             claims: dict[int, str] | None = None) -> AnswerSpan | None:
        """`claims`: marker -> the answer's own sentences citing it (llm mode); then the span
        must be a value those sentences state ('six', not the '220' beside it)."""
        labels = LABELS.get(answer_type or "")
        if not labels or not citations:
            return None
        asked = set(tokenize(question))
        label_first = answer_type in LABEL_FIRST
        cited = [c for c in citations if claims is None or claims.get(c.marker)]
        for c in cited[: self.max_citations]:
            stated = None if claims is None else claims[c.marker]
            best = self._best(c.quote, labels, asked, label_first, stated)
            if best is not None:
                text = c.quote[best.start:best.end]
                return AnswerSpan(c.marker, c.doc_id, c.start + best.start, c.start + best.end, text, best.label)
        return None

    def _best(self, sentence: str, labels: tuple[str, ...], asked: set[str], label_first: bool,
              stated: str | None = None) -> Entity | None:
        anchors = [m.start() for m in _WORD.finditer(sentence) if stem(fold(m.group(0))) in asked]
        best, best_key = None, None
        for e in self.entities(sentence):
            if e.label not in labels:
                continue
            if stated is not None and not states(stated, sentence[e.start:e.end]):
                continue
            own = set(tokenize(sentence[e.start:e.end]))
            if own and own <= asked:
                continue  # the question already names it
            dist = min((abs(e.start - a) for a in anchors), default=len(sentence))
            rank = labels.index(e.label)
            key = (rank, dist, e.start) if label_first else (dist, rank, e.start)
            if best_key is None or key < best_key:
                best, best_key = e, key
        return best


def _value_words(text: str) -> set[str]:
    return {fold(w) for w in _WORD.findall(number_words_to_digits(text))} - STOPWORDS


def states(claim: str, value: str) -> bool:
    """True when `claim` states `value`: every word of it but stopwords, numbers written either
    way ('six' == '6')."""
    need = _value_words(value)
    return bool(need) and need <= _value_words(claim)


__all__ = ["Entity", "LABELS", "ShortAnswerFinder", "states"]
