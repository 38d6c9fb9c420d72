"""What both conflict finders share: a `Finding` (one topic, two or more values, each with the
sentences that give it), the story a sentence belongs to (syndicated copies are one source) and
the loose match of two stemmed terms."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..types import Sentence


@dataclass
class Finding:
    """Values (normalised) -> the mentions giving them; at least two values, two articles.
    Counts are keyed by float; dates (`qa.check.date_conflicts`) by their normalised text. Every
    mention has `surface`, `sentence` and `doc_id`."""

    topic: str
    values: dict = field(default_factory=dict)


def story_of(s: Sentence) -> str:
    """The story a sentence's article tells: syndicated copies of one story (one duplicate
    cluster, `ScoredPassage.story`) are one source, never two that agree or disagree."""
    return getattr(s.passage, "story", None) or s.doc_id


class InSentence:
    """For a mention found in `self.sentence`: the document and story it comes from."""

    sentence: Sentence

    @property
    def doc_id(self) -> str:
        return self.sentence.doc_id

    @property
    def story(self) -> str:
        return story_of(self.sentence)


def term_match(a: str, b: str) -> bool:
    if a == b:
        return True
    n = min(len(a), len(b))
    return n >= 5 and a[:5] == b[:5] and (a.startswith(b) or b.startswith(a))
