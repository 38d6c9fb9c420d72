"""The llm answerer: a short prompt with numbered sources, a local or served LLM (through
qa.llm.adapter), then every generated sentence checked by qa.check.claims.

Prompt size drives latency on CPU, so the model sees only the best sentences of the top
passages (a few hundred tokens), never whole articles. A source is one passage's chosen
sentences, numbered [1]..[n] with title, outlet and publication date. The model is told to
answer only from them, cite [n] after each claim and give each value with its source when the
sources disagree; the instruction to reply exactly ABSTAIN_TEXT when they don't answer is
optional (see REFUSAL_INSTRUCTION for why it is off by default).

The text a reader sees is what streams (qa.llm.streaming cleans it as it comes) and it is never
rewritten afterwards: the checker gives each sentence a verdict (Answer.sentences: supported,
with the exact source span; unsupported, with a plain reason; or not a claim, for refusals and
remarks about the sources), and the UI marks what it rejected instead of removing it. When
nothing is supported, the answer has no citations and the composer / verdict decide what is
added after it (the quote fallback, or the refusal).
"""

from __future__ import annotations

import re
import time
from typing import Iterable, Iterator

import numpy as np

from index import ScoredPassage, split_sentences
from index.text import STOPWORDS, stem, words

from .injection import looks_like_instruction
from .adapter import ChatLLM, Message, get_llm
from ..answer.quote import EmbeddingCache
from ..settings import Settings, VerifySettings
from ..types import ABSTAIN_TEXT, Answer
from ..check.claims import Checker, Source, claim_units
from ..check.sentence_verdicts import citations_for, sentence_verdicts
from .streaming import GenerationCleaner, clean_generation

SYSTEM_PROMPT = (
    "You are a news assistant. Use the sources to answer, briefly and plainly. "
    "Cite the source number after each sentence, like [1]. "
    "If sources give different values, give each value with its source and date."
)
# Measured on the gold set with Qwen2.5-Coder-1.5B: with this sentence the model refused 4 of
# 6 answerable questions whose answer was in the sources (without it, 0 of 6), so it is off by
# default; refusal then comes from the evidence gate before the answerer, from the checker
# (nothing supported -> abstain) and from refusals the model writes anyway. Turn it on for
# stronger models (refusal_instruction=True).
REFUSAL_INSTRUCTION = f" If the sources do not answer the question, reply exactly: {ABSTAIN_TEXT}"
REWRITE_PROMPT = (
    "Rewrite the follow-up question so it can be understood without the conversation. "
    "Replace pronouns with the names they refer to. Reply with the question only."
)
_REFUSAL = re.compile(
    r"\b(articles?|sources?|passages?|texts?|context|information|it|they)\b[^.]{0,80}?"
    r"\b(do|does|did)\s*(n[o'’]?t|not)\s+(explicitly\s+|directly\s+)?"
    r"(say|mention|state|answer|contain|provide|specify|include|give|tell|discuss|address)"
    r"|\bno (information|mention|details?)\b|\bnot (mentioned|specified|stated|provided)\b"
    r"|\b(can ?not|unable to) (answer|determine|find)\b",
    re.I,
)


_META = re.compile(
    r"^(?:this|that|it|these|the\s+(?:information|answer|facts?|details?|statements?))"
    r"(?:\s+(?:information|answer|facts?|details?))?\s+(?:is|are|was|were|can\s+be|comes?|has\s+been)?"
    r"\s*(?:\w+\s+)?(?:stated|mentioned|reported|confirmed|provided|found|given|taken|based|supported)"
    r"\b[^.]{0,40}?\b(?:sources?|articles?|passages?|texts?)\b(?:\s+\w+)?[^\w]*$",
    re.I,
)


def is_meta(sentence: str) -> bool:
    """True for sentences about the sources rather than the news ('This information is
    provided in the first source.'): dropped, neither claims nor refusals."""
    return bool(_META.search(sentence.strip()))


def is_refusal(sentence: str) -> bool:
    """True for 'The articles don't say.' and its usual paraphrases."""
    return bool(_REFUSAL.search(sentence.replace("’", "'")))


def _content(text: str) -> set[str]:
    return {stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1}


class LLMAnswerer:
    mode = "llm"

    def __init__(self, llm: ChatLLM, embedder, *, max_passages: int = 4, max_sentences: int = 4,
                 per_passage: int = 2, max_chars: int = 800, verify: VerifySettings = VerifySettings(),
                 refusal_instruction: bool = False, judge=None):
        for name, v in (("max_passages", max_passages), ("max_sentences", max_sentences),
                        ("per_passage", per_passage), ("max_chars", max_chars)):
            if v < 1:
                raise ValueError(f"LLMAnswerer {name} must be >= 1, got {v}")
        self.llm = llm
        self.embedder = embedder if isinstance(embedder, EmbeddingCache) else EmbeddingCache(embedder)
        self.checker = Checker(self.embedder, verify, judge)
        self.max_passages = max_passages
        self.max_sentences = max_sentences
        self.per_passage = per_passage
        self.max_chars = max_chars
        self.system_prompt = SYSTEM_PROMPT + (REFUSAL_INSTRUCTION if refusal_instruction else "")

    @classmethod
    def from_settings(cls, settings: Settings, embedder=None, **kwargs) -> "LLMAnswerer":
        """The LLM of `settings.llm`, built once per process (qa.llm.adapter.get_llm); the
        embedder defaults to the index's model; claims are checked with `settings.verify` and
        also judged by speaker/number attribution (qa.check.claim_judges, spaCy) unless `judge=None`
        is passed."""
        if embedder is None:
            from ..components import get_embedder

            embedder = get_embedder(settings.index.embed_model, settings.index.torch_threads)
        if "judge" not in kwargs:
            from ..check.claim_judges import default_judge

            kwargs["judge"] = default_judge(settings.verify)
        kwargs.setdefault("verify", settings.verify)
        return cls(get_llm(settings.llm), embedder, **kwargs)

    # -- the prompt --------------------------------------------------------------------------
    def sources(self, question: str, passages: list[ScoredPassage], ranked=None) -> list[Source]:
        """The best sentences of the top passages, grouped per passage in document order.
        `ranked`: optional sentences already scored for the question (objects with doc_id,
        start, end and passage, best first, e.g. qa.answer.quote.Sentence); else scored here."""
        top = passages[: self.max_passages]
        if ranked is not None:
            # the passages holding the best sentences, not only the best-retrieved passages:
            # sentence scoring often finds the answer in a passage retrieved 5th to 8th
            by_sentence = list({id(s.passage): s.passage for s in ranked}.values())
            top = by_sentence[: self.max_passages] or top
            allowed = {id(p) for p in top}
            picks = [(s.passage, (s.start, s.end)) for s in ranked if id(s.passage) in allowed]
        else:
            picks = self._rank(question, top)
        chosen: dict[int, list[tuple[int, int]]] = {}
        total = count = 0
        for p, (s, e) in picks:
            if looks_like_instruction(p.text[s - p.start : e - p.start]):
                continue  # a document's text is data: never hand the model instructions from it
            spans = chosen.setdefault(id(p), [])
            if (s, e) in spans or len(spans) >= self.per_passage:
                continue
            if count and (count >= self.max_sentences or total + (e - s) > self.max_chars):
                continue
            spans.append((s, e))
            total += e - s
            count += 1
        out = []
        for p in top:
            spans = sorted(chosen.get(id(p), []))
            if spans:
                out.append(Source(len(out) + 1, p, tuple(spans)))
        return out

    def _rank(self, question: str, passages: list[ScoredPassage]):
        cands = [(p, (p.start + s, p.start + e), p.text[s:e], rank)
                 for rank, p in enumerate(passages) for s, e in split_sentences(p.text)
                 if len(words(p.text[s:e])) >= 3]
        if not cands:
            return []
        q = self.embedder.embed_query(question)
        q = q / (np.linalg.norm(q) or 1.0)
        vecs = self.embedder.embed_documents([c[2] for c in cands])
        sims = vecs @ q / np.maximum(np.linalg.norm(vecs, axis=1), 1e-9)
        qterms = _content(question)
        scores = [float(sim) + (0.5 * len(qterms & _content(c[2])) / len(qterms) if qterms else 0.0)
                  + 0.05 / (1 + c[3]) for c, sim in zip(cands, sims)]
        order = sorted(range(len(cands)), key=lambda i: -scores[i])
        return [(cands[i][0], cands[i][1]) for i in order]

    @staticmethod
    def render_source(src: Source, title_words: int = 12) -> str:
        p = src.passage
        title = " ".join((p.title or "").split()[:title_words])
        if p.title and len(p.title.split()) > title_words:
            title += " …"
        meta = ", ".join(x for x in (p.outlet, f"published {p.published}" if p.published else None) if x)
        head = " ".join(x for x in (f"[{src.marker}]", title, f"({meta})" if meta else "") if x)
        return f"{head}\n{src.text}"

    def messages(self, question: str, sources: list[Source]) -> list[Message]:
        body = "\n\n".join(self.render_source(s) for s in sources)
        return [Message("system", self.system_prompt),
                Message("user", f"Sources:\n{body}\n\nQuestion: {question.strip()}")]

    # -- answering ---------------------------------------------------------------------------
    def answer(self, question: str, passages: list[ScoredPassage], ranked=None) -> Answer:
        final = None
        for item in self.stream(question, passages, ranked=ranked):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final

    def stream(self, question: str, passages: list[ScoredPassage], ranked=None) -> Iterator[str | Answer]:
        """Yield the model's text deltas as they come, then the verified Answer."""
        t0 = time.perf_counter()
        sources = self.sources(question, passages, ranked)
        timings = {"sources": time.perf_counter() - t0}
        if not sources:
            yield self._unanswered(question, passages, timings, t0)
            return
        t = time.perf_counter()
        parts: list[str] = []
        cleaner = GenerationCleaner()  # what it lets through stays: the answer is what streamed
        first = True
        for delta in self.llm.stream_chat(self.messages(question, sources)):
            if first:
                timings["ttft"] = time.perf_counter() - t
                first = False
            shown = cleaner.feed(delta)
            if shown:
                parts.append(shown)
                yield shown
        rest = cleaner.finish()
        if rest:
            parts.append(rest)
            yield rest
        timings["generate"] = time.perf_counter() - t
        yield self.finish(question, passages, sources, "".join(parts), timings, t0)

    def finish(self, question: str, passages: list[ScoredPassage], sources: list[Source],
               generated: str, timings: dict[str, float], t0: float) -> Answer:
        """The Answer to `generated`, the text as streamed (already cleaned): never rewritten.
        Each sentence gets a verdict (qa.check.sentence_verdicts): remarks about the sources
        and refusals are not claims; the others are checked against the sources they cite."""
        t = time.perf_counter()
        text = generated
        units = claim_units(text)
        claims = {i: u for i, u in enumerate(units)
                  if not is_refusal(text[u.start:u.end]) and not is_meta(u.claim)}
        found = self.checker.check_claims([(u.claim, u.markers) for u in claims.values()], sources, question) \
            if claims else []
        checks = dict(zip(claims, found))
        by_marker = {s.marker: s for s in sources}
        citations = citations_for(found, by_marker)
        verdicts = sentence_verdicts(units, checks, by_marker)
        unsupported = [text[v.start:v.end] for v in verdicts if v.status == "unsupported"]
        timings["verify"] = time.perf_counter() - t
        ans = Answer(question, text, citations, passages, mode=self.mode, unsupported=unsupported,
                     latency_s=time.perf_counter() - t0, timings=timings, sentences=verdicts)
        if not citations:
            n = len(unsupported)
            ans.fallback_reason = (
                "the model gave no answer" if not text.strip()
                else "the model answered that the sources do not say" if not n
                else f"none of the model's {n} sentence{'s' if n != 1 else ''} was supported by the "
                     "passage it cited")
        return ans

    def _unanswered(self, question, passages, timings, t0) -> Answer:
        """The model gave nothing the sources support: an answer with no text and no citations.
        Whether that becomes a quote answer or a refusal is decided downstream (qa.answer.composing,
        qa.evidence.verdict), not here."""
        return Answer(question, "", [], passages, mode=self.mode,
                      latency_s=time.perf_counter() - t0, timings=timings)

    # -- follow-ups --------------------------------------------------------------------------
    def rewrite_followup(self, history: Iterable, question: str, max_turns: int = 3) -> str:
        """A standalone version of `question` given earlier turns (objects with .question and
        .answer, or (question, answer) pairs). Falls back to `question` on a bad rewrite."""
        turns = []
        for h in list(history)[-max_turns:]:
            q, a = (h.question, h.answer) if hasattr(h, "question") else (h[0], h[1])
            a = re.sub(r"\s*\[\d+\]", "", a or "")[:300]
            turns.append(f"User: {q}\nAssistant: {a}")
        if not turns:
            return question
        prompt = ("Conversation:\n" + "\n".join(turns) + f"\n\nFollow-up question: {question.strip()}\n"
                  "Standalone question:")
        out = self.llm.chat([Message("system", REWRITE_PROMPT), Message("user", prompt)])
        out = clean_generation(out).splitlines()[0].strip().strip('"') if out.strip() else ""
        out = re.sub(r"^standalone question\s*:\s*", "", out, flags=re.I)
        if not out or len(out) > 3 * len(question) + 100 or not _content(out):
            return question
        return out

    def rewrite(self, question: str, turns) -> str:
        """The Assistant's hook: `rewrite(question, turns)`."""
        return self.rewrite_followup(turns, question)


__all__ = ["LLMAnswerer", "SYSTEM_PROMPT", "clean_generation", "is_meta", "is_refusal"]
