"""THE place that decides whether to answer or refuse, and says why in plain words.

Every other part hands it evidence and obeys: the refusal gate's findings (qa.evidence.gate),
the answerability score (qa.evidence.answerability), the extractive reader's reading
(qa.evidence.reading), and finally the answer an answerer built (quote or llm). An answerer
never refuses on its own: one that finds nothing to cite returns an answer without
citations, and `finish` turns it into the refusal.

Who decides before answering (`policy`):
- "gate" (default): the gate's checks; with `min_score` set, a question that passes them is
  still refused when its score is below it.
- "reader": the extractive reader (qa.evidence.reader, trained on SQuAD 2.0): answer when its
  best span beats its no-answer score by more than its fitted threshold.
- "score": the learned score alone (the gate's result is one of its features): answer when
  score >= `min_score`. With min_score 0 nothing is refused, which is how the evaluation gets
  the answer to every question and can then choose a threshold offline.

The verdict's `kind` is one of qa.types.VERDICT_KINDS and its `reason` one of four templates
(below). Numbers (score, cosine, term coverage, reader margin) go into `features`."""

from __future__ import annotations

import re
from typing import Sequence

from index import ScoredPassage
from index.text import fold, stem

from ..answer.citing import make_citation
from ..answer.short_answer import LABEL_FIRST, ShortAnswerFinder, states
from ..types import ABSTAIN_TEXT, Answer, AnswerSpan, Verdict
from .answerability import AnswerabilityModel, evidence_features
from .gate import Evidence, name_terms
from .reading import Reading

_UNSET = object()
POLICIES = ("gate", "score", "reader")
# The gate's checks that say no article is about the question (the others: articles are, but
# none says what it asks).
OFF_TOPIC_CHECKS = ("nothing_retrieved", "missing_terms", "far")

# The reasons, a closed set of templates.
NO_ARTICLE = "no article about this"
DISAGREE = "sources disagree"


def answered_from(n: int) -> str:
    return f"answered from {n} article" + ("" if n == 1 else "s")


def not_stated(subject: str, asked: str) -> str:
    return f"the articles discuss {subject} but never say {asked}"


# What a question asks, by its answer type (qa.question.analysis), in words for `not_stated`.
_ASKED = {"person": "who", "date": "when", "place": "where", "reason": "why", "manner": "how",
          "yesno": "whether it is so"}
_WORD = re.compile(r"[^\W\d_][\w’'\-]*")


def _surface(question: str, stemmed: str | None) -> str | None:
    """The question's own word for a stemmed term ('captain' for 'captain')."""
    if not stemmed:
        return None
    for m in _WORD.finditer(question):
        if stem(fold(m.group(0))) == stemmed:
            return m.group(0).lower()
    return None


def subject(question: str, evidence: Evidence | None) -> str:
    """The names of the question that the articles do mention, as the question writes them
    ('Hamas and Moscow'); only words, never markup. 'this subject' when there are none."""
    keys = set(name_terms(evidence.key_terms)) - set(evidence.missing) if evidence else set()
    phrases: list[list[str]] = []
    last_end = None
    for m in _WORD.finditer(question):
        word = re.sub(r"[’']s$", "", m.group(0))
        if fold(m.group(0)) not in keys and fold(word) not in keys:
            last_end = None
            continue
        if last_end is not None and question[last_end:m.start()].isspace():
            phrases[-1].append(word)
        else:
            phrases.append([word])
        last_end = m.end()
    names = list(dict.fromkeys(" ".join(p) for p in phrases))[:3]
    if not names:
        return "this subject"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def asked(question: str, answer_type: str | None, evidence: Evidence | None) -> str:
    """What the question asks, in words: 'when', 'the captain's name', 'how many ships'."""
    check = evidence.check if evidence else ""
    if check == "no_name":
        word = _surface(question, evidence.named)
        return f"the {word}'s name" if word else "the name asked for"
    if check == "no_dated_names":
        return "when"
    m = re.search(r"\bhow\s+(many|much|long|old|far|often)\b", question, re.I)
    if check == "no_count" or answer_type == "quantity":
        return f"how {m.group(1).lower()}" if m else "how many"
    return _ASKED.get(answer_type or "", "what was asked")


class VerdictMaker:
    """`model`: the answerability model (default: the shipped one, loaded on first use; None: no
    score); `finder`: the short-answer finder (default spaCy NER); `min_score`: see above."""

    def __init__(self, model: AnswerabilityModel | None | object = _UNSET, finder: ShortAnswerFinder | None = None,
                 min_score: float | None = None, policy: str = "gate"):
        if min_score is not None and not 0.0 <= min_score <= 1.0:
            raise ValueError(f"min_score must be within [0, 1] (or None), got {min_score}")
        if policy not in POLICIES:
            raise ValueError(f"unknown verdict policy {policy!r}; choose one of {', '.join(POLICIES)}")
        if policy == "score" and min_score is None:
            raise ValueError("judge policy 'score' needs judge.min_score (the score at or above which to answer)")
        self._model = model
        self.finder = finder or ShortAnswerFinder()
        self.min_score = min_score
        self.policy = policy

    @property
    def model(self) -> AnswerabilityModel | None:
        if self._model is _UNSET:
            self._model = AnswerabilityModel.load()
        return self._model  # type: ignore[return-value]

    def judge(self, question: str, answer_type: str | None, evidence: Evidence, ranked: Sequence,
              passages: Sequence, reading: Reading | None = None, *, empty_index: bool = False) -> Verdict:
        """The verdict before answering, from the gate's `evidence` and the ranked sentences
        (and, under policy "reader", the reader's `reading`). `empty_index`: nothing is indexed."""
        typed = answer_type in LABEL_FIRST
        top = [make_citation(i + 1, s, (s.start, s.end, s.text)) for i, s in enumerate(ranked[:2])]
        type_found = typed and self.finder.find(question, answer_type, top) is not None
        feats = evidence_features(evidence, ranked, passages, typed, type_found)
        if reading is not None:
            feats["reader_margin"] = reading.margin  # reported; the answerability model ignores it
        model = self.model
        score = model.score(feats) if model is not None else None
        if self.policy == "reader":
            answerable = reading is not None and reading.answers
        else:
            if self.policy == "score" and score is None:
                raise ValueError("policy 'score' needs an answerability model; none is installed "
                                 "(qa/evidence/answerability.json); retrain it with bench/train_answerability.py")
            floor_ok = score is None or self.min_score is None or score >= self.min_score
            answerable = floor_ok if self.policy == "score" else evidence.passed and floor_ok
        if answerable:
            return Verdict(True, "answered", answered_from(len({p.doc_id for p in passages})), score, feats)
        return self._refused(question, answer_type, evidence, score, feats, empty_index)

    @staticmethod
    def _refused(question: str, answer_type: str | None, evidence: Evidence | None, score: float | None,
                 feats: dict[str, float], empty_index: bool = False) -> Verdict:
        if empty_index:
            return Verdict(False, "no_index", NO_ARTICLE, score, feats)
        if evidence is not None and evidence.check in OFF_TOPIC_CHECKS:
            return Verdict(False, "off_topic", NO_ARTICLE, score, feats)
        reason = not_stated(subject(question, evidence), asked(question, answer_type, evidence))
        return Verdict(False, "not_stated", reason, score, feats)

    def refusal(self, question: str, passages: list[ScoredPassage], mode: str, verdict: Verdict,
                standalone: str | None = None) -> Answer:
        """The answer to a question the verdict refused before answering."""
        return Answer(question, ABSTAIN_TEXT, [], passages, abstained=True, mode=mode,
                      standalone_question=standalone, verdict=verdict)

    def finish(self, ans: Answer, verdict: Verdict, question: str, answer_type: str | None,
               reading: Reading | None = None, evidence: Evidence | None = None) -> Answer:
        """The final verdict on the answer an answerer built: a refusal stays one; an answer
        with nothing cited becomes a refusal (the articles are about the question, but none
        says it); an answer with citations is "answered" (or "conflict" when its sources
        disagree) and gets its short answer span: the reader's span when a cited sentence
        holds it, else the NER finder's."""
        if not verdict.answerable:
            ans.verdict = verdict
            return ans
        if ans.abstained or not ans.citations:
            # llm mode: what the model streamed stays (its rejected sentences marked); the
            # refusal is added after it, unless the model's words already were one
            said = ans.text.strip() if ans.sentences else ""
            claimed = any(s.status == "unsupported" for s in ans.sentences)
            ans.text = (f"{ans.text}\n\n{ABSTAIN_TEXT}" if claimed else ans.text) if said else ABSTAIN_TEXT
            ans.abstained = True
            ans.verdict = self._refused(question, answer_type, evidence, verdict.score, verdict.features)
            return ans
        kind, reason = ("conflict", DISAGREE) if ans.conflicts else (
            "answered", answered_from(len({c.doc_id for c in ans.citations})))
        ans.verdict = Verdict(True, kind, reason, verdict.score, verdict.features)
        claims = stated_claims(ans)
        kw = {} if claims is None else {"claims": claims}
        ans.answer_span = reader_span(ans.citations, reading, claims) or self.finder.find(
            question, answer_type, ans.citations, **kw)
        return ans


def stated_claims(ans: Answer) -> dict[int, str] | None:
    """llm mode: marker -> the supported generated sentences that cite it, so the short answer
    bolded in a source is a value the answer states (None: quote mode, any span may answer)."""
    if not ans.sentences or ans.fallback:
        return None
    out: dict[int, str] = {}
    for s in ans.sentences:
        if s.status == "supported":
            for m in s.markers:
                out[m] = (out.get(m, "") + " " + ans.text[s.start:s.end]).strip()
    return out


def reader_span(citations: Sequence, reading: Reading | None,
                claims: dict[int, str] | None = None) -> AnswerSpan | None:
    if reading is None:
        return None
    for c in citations:
        if claims is not None and not states(claims.get(c.marker, ""), reading.text):
            continue
        if c.doc_id == reading.doc_id and c.start <= reading.start and reading.end <= c.end:
            return AnswerSpan(c.marker, c.doc_id, reading.start, reading.end, reading.text, "READER")
    return None


__all__ = ["DISAGREE", "NO_ARTICLE", "POLICIES", "VerdictMaker", "answered_from", "not_stated"]
