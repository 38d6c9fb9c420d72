"""Quote mode: the answer is made of the retrieved sentences that best answer the question,
each cited `[n]` with its exact span. No LLM: sentences are scored by MiniLM cosine,
idf-weighted term overlap, an answer-type cue and the passage's retrieval rank."""

from __future__ import annotations

import math
import re
from typing import Callable, Iterator

import numpy as np

from corpus.dates import find_dates
from index import ScoredPassage, split_sentences
from index.lru import LRU
from index.text import STOPWORDS, fold, stem, words

from .citing import compose
from ..question.analysis import asked_type
from ..nlp import (MONTHS, NAME_LABELS, NUMBER_WORDS, WEEKDAYS, Entity, entities, entities_many, month_name,
                   names, parse)
from ..settings import ScoringSettings
from ..types import Answer, Sentence

_NUMBER_STEMS = frozenset(stem(w) for w in NUMBER_WORDS)  # 'hundreds' counts as 'hundred'
_MONTH_WORDS = frozenset(MONTHS + WEEKDAYS + ("today", "yesterday", "week", "month", "year"))
_DIGIT = re.compile(r"\d")
# Answer types a named entity of the sentence answers, and the spaCy labels of that type.
_TYPED_LABELS = {"person": frozenset({"PERSON"}), "place": frozenset({"GPE", "LOC", "FAC"})}


def content_terms(text: str) -> list[str]:
    """Stemmed content words of `text` (stop words and question words dropped), in order."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and w not in QUESTION_WORDS]


QUESTION_WORDS = frozenset("what who whom whose which when where why how many much did does do".split())


_GENERIC_COUNTED = frozenset("people person persons individuals times ones".split())


def asks_count(question: str) -> bool:
    """Does the question ask for a count or a share ('how many', 'how much', 'what
    percentage')? Narrower than the answer type 'quantity', which 'how long' and 'how old'
    also have: only a count can disagree across articles as a count (qa.check.conflicts)."""
    return bool(re.search(r"\bhow (many|much)\b|\bwhat (number|percentage|share)\b", fold(question)))


def asked_quantity(question: str) -> str | None:
    """The stemmed noun counted by 'how many X ...' / 'how much X ...' ('citizen' in 'how many
    Russian citizens were ...', 'encounter' in 'how many migrant encounters occurred ...'), from
    spaCy's parse: the noun that 'many' modifies. None when there is none ('how many were
    killed'; 'how many of the hostages hold ...' counts some of them, not the hostages) or it is
    a generic word ('people')."""
    doc = parse(question)
    for t in doc:
        if t.lower_ not in ("many", "much") or t.i == 0 or doc[t.i - 1].lower_ != "how":
            continue
        noun = t.head if t.dep_ == "amod" and t.head.pos_ in ("NOUN", "PROPN") else None
        head = (words(noun.text) or [None])[-1] if noun is not None else None
        return None if head is None or head in _GENERIC_COUNTED else stem(head)
    return None


def has_answer_type(kind: str | None, sentence: str, question: str,
                    ents: tuple[Entity, ...] | None = None) -> bool:
    """Does `sentence` contain something of the asked kind that the question itself lacks?"""
    return answer_cue(kind, sentence, question, ents) > 0


def answer_cue(kind: str | None, sentence: str, question: str, ents: tuple[Entity, ...] | None = None) -> float:
    """1.0 when `sentence` holds something of the asked kind that the question lacks: a number,
    a date, or for a person or place a spaCy entity of that type (`ents`: the sentence's
    entities, when already known); 0.5 for any other name the question lacks ('who won' may
    be answered by a country); else 0."""
    if kind is None:
        return 0.0
    sw = words(sentence)
    if kind == "quantity":
        return float(bool(_DIGIT.search(sentence)) or any(stem(w) in _NUMBER_STEMS for w in sw))
    if kind == "date":
        return float(bool(_DIGIT.search(sentence)) or any(w in _MONTH_WORDS for w in sw))
    if kind not in _TYPED_LABELS:
        return 0.0
    qwords = set(words(question))
    new = [e.label for e in (entities(sentence) if ents is None else ents)
           if e.label in NAME_LABELS and not set(words(e.text)) <= qwords]
    return 1.0 if set(new) & _TYPED_LABELS[kind] else 0.5 if new else 0.0


def skip_dateline(text: str, published: str | None) -> int:
    """Characters to skip at the start of a sentence that opens with its article's own
    publication date as a label ('date 2025-02-04 A delegation met ...'): a dateline says when
    the article appeared, not when anything in the sentence happened, so it is not quoted as
    an answer to 'when' questions. 0 when there is none."""
    if not published:
        return 0
    found = find_dates(text[:60])
    if not found:
        return 0
    a, b, d = found[0]
    label = text[:a]
    if d.isoformat() != published or len(label.split()) > 2 or fold(label.strip()) in (
            "on", "in", "since", "by", "until", "before", "after"):
        return 0
    rest = len(text) - len(text[b:].lstrip(" \t,:;-–—|"))
    return rest if len(words(text[rest:])) >= 3 else 0


def candidate_sentences(passages: list[ScoredPassage], max_chars: int = 600) -> list[Sentence]:
    """Sentences of the passages with exact document offsets, each once, best passage first."""
    seen: dict[tuple[str, int, int], Sentence] = {}
    for rank, p in enumerate(passages):
        prev = None
        for s, e in split_sentences(p.text):
            s += skip_dateline(p.text[s:e], p.published)
            key = (p.doc_id, p.start + s, p.start + e)
            text = p.text[s:e]
            prev, prev_start = p.start + s, prev
            if key in seen or len(text) > max_chars or len(words(text)) < 3:
                continue
            seen[key] = Sentence(p.doc_id, key[1], key[2], text, p, rank,
                                 terms=set(content_terms(text)), prev_start=prev_start)
    return list(seen.values())


def published_terms(p: ScoredPassage) -> set[str]:
    """Stemmed year and month of the article's publication date: a sentence of an article
    published in March 2024 covers 'March' and '2024' in the question."""
    if not p.published:
        return set()
    y, m, _ = p.published.split("-")
    return {y, stem(month_name(int(m)))}


class EmbeddingCache:
    """Sentence vectors by text, LRU-bounded, so warm questions embed only the question. It is
    an embedder itself (`embed_documents`, `embed_query`, `name`), so the quote scorer and the
    LLM answerer's checker share one cache. The Assistant's `embedder` is an
    index.rerank.CachedEmbedder: what is not in memory is looked up on disk before it is
    embedded, so a restarted process does not embed the same sentences again."""

    def __init__(self, embedder, max_items: int = 50_000):
        self.embedder = embedder
        self.name = getattr(embedder, "name", "embedder")
        self._cache: LRU[str, np.ndarray] = LRU(max_items)

    def vectors(self, texts: list[str]) -> np.ndarray:
        got = self._cache.get_many(texts)  # this call's vectors: a full cache may evict them below
        missing = list(dict.fromkeys(t for t in texts if t not in got))
        if missing:
            vecs = self.embedder.embed_documents(missing)
            new = {t: np.asarray(v, dtype=np.float32) for t, v in zip(missing, vecs)}
            self._cache.put_many(new)
            got.update(new)
        if not texts:
            return np.zeros((0, 1), np.float32)
        return np.stack([got[t] for t in texts])

    embed_documents = vectors

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self.embedder.embed_query(text), dtype=np.float32)


class SentenceScorer:
    """Scores candidate sentences against a question."""

    def __init__(self, embedder, idf_source: Callable[[], Callable[[str], float]] | None = None,
                 weights: ScoringSettings = ScoringSettings(), cache: EmbeddingCache | None = None):
        self.cue_depth = weights.cue_depth
        self.embedder = embedder
        self.cache = cache or EmbeddingCache(embedder)
        self.idf_source = idf_source or (lambda: (lambda term: 1.0))  # called once per question
        self.weights = weights
        self.vocab_source: Callable[[], object] | None = None  # the index's terms, for name variants
        self._variants: tuple[object, dict, dict] | None = None  # (vocab, word -> variants, buckets)

    def name_variants(self, question: str) -> dict[str, set[str]]:
        """For each word of a name in the question (qa.nlp.names): its other spellings in the index."""
        if self.vocab_source is None:
            return {}
        try:
            vocab = self.vocab_source()
        except Exception:
            return {}
        if self._variants is None or self._variants[0] is not vocab:  # a new index: found again
            self._variants = (vocab, {}, {})
        _, memo, buckets = self._variants
        out = {}
        for w in dict.fromkeys(w for e in names(question) for w in words(e.text)):
            if w in STOPWORDS or w in QUESTION_WORDS:
                continue
            if w not in memo:
                if len(memo) > 4096:
                    memo.clear()
                if not buckets:
                    buckets.update(vocabulary_buckets(vocab))
                memo[w] = close_variants(w, vocab, buckets=buckets)
            found = memo[w]
            if found:
                out[stem(w)] = {stem(v) for v in found} | found
        return out

    def question_vector(self, question: str) -> np.ndarray:
        return np.asarray(self.embedder.embed_query(question), dtype=np.float32)

    def score(self, question: str, sentences: list[Sentence],
              qvec: np.ndarray | None = None, focus: str | None = None) -> list[Sentence]:
        """Fill each sentence's scores and return them best first. `focus`: the words the
        user actually typed in a rewritten follow-up; their terms count double.

        Only the best `embed_depth` sentences by the embedding-free part of the score (term
        coverage, answer-type cue, passage rank, length) are embedded; the others get the
        lowest cosine among those, so they rank below all of them, in their own order."""
        if not sentences:
            return []
        w = self.weights
        qvec = self.question_vector(question) if qvec is None else qvec
        qterms = set(content_terms(question))
        idf = self.idf_source()
        variants = self.name_variants(question)
        focus_terms = set(content_terms(focus)) if focus else set()
        weights = {t: idf(t) * (2.0 if t in focus_terms else 1.0) for t in qterms}
        total_idf = sum(weights.values()) or 1.0
        kind = asked_type(question)

        def total(s: Sentence, sem: float) -> float:
            prior = 1.0 / (1.0 + s.rank)
            over = max(0, len(s.text) - w.length_chars) / w.length_chars
            headline = w.headline if is_headline(s) else 0.0  # a headline repeats the body
            return w.sem * sem + w.lex * s.lex + w.cue * s.cue + w.prior * prior - 0.05 * over - headline

        for s in sentences:
            covered = s.terms | published_terms(s.passage)
            s.lex = sum(w_t for t, w_t in weights.items()
                        if t in covered or (t in variants and variants[t] & covered)) / total_idf
            named = kind in _TYPED_LABELS  # its cue needs NER: added below, where it can matter
            s.cue = 0.0 if named else answer_cue(kind, s.text, question)
        embedded = sentences
        if 0 < w.embed_depth < len(sentences):  # the best by everything but the cosine
            embedded = sorted(sentences, key=lambda s: (-total(s, 0.0), s.rank, s.doc_id, s.start))[:w.embed_depth]
        sims = self.cache.vectors([s.text for s in embedded]) @ qvec
        floor = float(sims.min())
        for s in sentences:
            s.sem = floor
        for s, sim in zip(embedded, sims):
            s.sem = float(sim)
        for s in sentences:
            s.score = total(s, s.sem)
        if kind in _TYPED_LABELS:
            self._entity_cues(kind, question, sentences)
        return sorted(sentences, key=lambda s: (-s.score, s.rank, s.doc_id, s.start))

    def _entity_cues(self, kind: str, question: str, sentences: list[Sentence]) -> None:
        """The person/place cue, from spaCy NER (one batch), only for the sentences that can
        be among the best `cue_depth` with it: those scoring at least the `cue_depth`-th best
        score without it minus the cue weight. The rest could not rise into the best anyway."""
        scores = sorted((s.score for s in sentences), reverse=True)
        floor = scores[min(self.cue_depth, len(scores)) - 1] - self.weights.cue
        near = [s for s in sentences if s.score >= floor]
        for s, ents in zip(near, entities_many([s.text for s in near])):
            s.cue = answer_cue(kind, s.text, question, ents)
            s.score += self.weights.cue * s.cue


def is_headline(s: Sentence) -> bool:
    """Does the sentence contain its article's title (the headline or standfirst)?"""
    title = s.passage.title
    return bool(title) and len(title) >= 20 and fold(title.strip()) in fold(s.text)


def vocabulary_buckets(vocab) -> dict[tuple[str, int], list[str]]:
    """The index's terms by (first letter, length): where `close_variants` looks."""
    out: dict[tuple[str, int], list[str]] = {}
    for v in vocab:
        out.setdefault((v[:1], len(v)), []).append(v)
    return out


def close_variants(word: str, vocab, cutoff: float = 0.8,
                   buckets: dict[tuple[str, int], list[str]] | None = None) -> set[str]:
    """Other spellings of a name in the index ('marzook', 'marzouq' for 'marzouk'):
    same first letter, similar length, difflib ratio >= cutoff. `buckets`: `vocabulary_buckets(vocab)`,
    made once per index, so that each word reads only its candidates instead of every term
    (the same candidates; the best matches do not depend on their order)."""
    import difflib

    if len(word) < 5:
        return set()
    if buckets is None:
        cands = [v for v in vocab if v[:1] == word[:1] and abs(len(v) - len(word)) <= 2 and v != word]
    else:
        cands = [v for n in range(len(word) - 2, len(word) + 3) for v in buckets.get((word[:1], n), ()) if v != word]
    return set(difflib.get_close_matches(word, cands, n=5, cutoff=cutoff))


def _near_duplicate(a: Sentence, b: Sentence, threshold: float) -> bool:
    if not a.terms or not b.terms:
        return False
    return len(a.terms & b.terms) / len(a.terms | b.terms) >= threshold


_SCORING = ScoringSettings()


def select_sentences(ranked: list[Sentence], max_sentences: int = _SCORING.max_sentences,
                     rel: float = _SCORING.rel, follow: float = _SCORING.follow,
                     near_duplicate: float = _SCORING.near_duplicate) -> list[list[Sentence]]:
    """Groups of sentences to cite, best first, all from the best sentence's article: the
    best sentence; then the sentence that follows it in its passage when it scores at least
    `follow` of the best (an answer often comes right after the sentence that restates the
    question's setting); then more sentences of
    that article scoring at least `rel` of the best, up to `max_sentences` groups in all.
    Other articles enter only as corroboration: a near-duplicate of a cited sentence joins
    its group. (Measured on the gold and dev sets: sentences from other articles that
    merely score well are mostly beside the point; conflicts add their own sides.)"""
    if not ranked:
        return []
    top = ranked[0]
    best = top.score
    groups: list[list[Sentence]] = [[top]]
    following = next((s for s in ranked if s.doc_id == top.doc_id and s.prev_start == top.start), None)
    if (following is not None and max_sentences > 1 and following.score >= follow * best
            and not _near_duplicate(following, top, near_duplicate)):
        groups.append([following])
    for s in ranked[1:]:
        if s.score < rel * best:
            break
        if s is following:
            continue
        dup = next((g for g in groups if any(_near_duplicate(s, t, near_duplicate) for t in g)), None)
        if dup is not None:
            if all(t.passage.story != s.passage.story for t in dup):  # a copy is no corroboration
                dup.append(s)
            continue
        if len(groups) < max_sentences and s.doc_id == top.doc_id:
            groups.append([s])
    return groups


class QuoteAnswerer:
    """The no-LLM answerer (qa.answerer.Answerer). `ranked`: sentences already scored (the
    Assistant scores once for the refusal gate and the answer)."""

    mode = "quote"

    def __init__(self, scorer: SentenceScorer, settings: ScoringSettings | None = None, reranker=None):
        self.scorer = scorer
        self.settings = settings or scorer.weights  # max_sentences, rel, follow
        self.reranker = reranker  # qa.answer.sentence_rerank.SentenceReranker, or None

    def select(self, ranked: list[Sentence]) -> list[list[Sentence]]:
        """The groups of sentences to cite (select_sentences with this answerer's settings)."""
        s = self.settings
        return select_sentences(ranked, s.max_sentences, s.rel, s.follow, s.near_duplicate)

    def rank(self, question: str, passages: list[ScoredPassage], focus: str | None = None) -> list[Sentence]:
        ranked = self.scorer.score(question, candidate_sentences(passages), focus=focus)
        return self.reranker.rerank(question, ranked) if self.reranker is not None else ranked

    def answer(self, question: str, passages: list[ScoredPassage],
               ranked: list[Sentence] | None = None) -> Answer:
        ranked = self.rank(question, passages) if ranked is None else ranked
        groups = self.select(ranked)
        if not groups:  # nothing to quote: no citations; the verdict (qa.evidence.verdict) refuses
            return Answer(question, "", [], passages, mode=self.mode)
        text, citations, _ = compose(groups)
        return Answer(question, text, citations, passages, mode=self.mode)

    def stream(self, question: str, passages: list[ScoredPassage],
               ranked: list[Sentence] | None = None) -> Iterator[str | Answer]:
        ans = self.answer(question, passages, ranked)
        yield ans.text
        yield ans


def idf_from_bm25(index) -> Callable[[], Callable[[str], float]]:
    """An idf source over the index's chunks: call it once per question, then per term
    (a term no chunk contains gets the maximum idf)."""

    counted: list = [(None, 1)]  # (BM25 of one committed state, its chunk count): one count per state

    def source() -> Callable[[str], float]:
        bm25 = index.bm25()
        held, n = counted[0]
        if held is not bm25:
            n = max(len(bm25), 1)
            counted[0] = (bm25, n)
        postings = getattr(bm25, "_postings", {})

        def idf(term: str) -> float:
            df = len(postings.get(term, ()))
            return math.log(1 + (n - df + 0.5) / (df + 0.5))

        return idf

    return source
