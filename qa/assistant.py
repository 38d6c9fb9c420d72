"""`Assistant`: one question in, one cited `Answer` out.

question -> (follow-up rewrite) -> hybrid retrieval -> sentence scoring -> refusal gate
-> date intent -> quote answer (+ conflicts) or the LLM answerer -> Answer."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from index import Filters, NewsIndex, Retriever, ScoredPassage

from .analysis import analyse, merge_filters
from .answerer import Answerer
from .conflicts import Finding, find_conflicts
from .dates import apply_intent, parse_intent, strip_intent
from .evidence import Evidence, EvidenceGate, metadata_text
from .judging import VerdictMaker
from .followup import Turn, demote_shown, parse_history, standalone_question
from .quote import QuoteAnswerer, Sentence, SentenceScorer, compose, idf_from_bm25, make_citation, \
    published_note
from .citing import published_line, with_copies
from .settings import Settings
from .types import ABSTAIN_TEXT, Answer, Conflict, ConflictValue, Verdict

MODES = ("quote", "llm")


try:  # one error type for "llm mode cannot run", shared with the LLM adapter when present
    from .llm_adapter import LLMUnavailable
except ImportError:  # pragma: no cover - the adapter ships with the package
    class LLMUnavailable(RuntimeError):  # type: ignore[no-redef]
        """The llm answer mode cannot run here; the message says how to set it up."""


def cite_every_side(findings: list[Finding], groups: list[list[Sentence]]) -> list[list[Sentence]]:
    """Add the sentence of every side of each conflict to the cited groups."""
    keys = {(s.doc_id, s.start, s.end) for g in groups for s in g}
    groups = [list(g) for g in groups]
    for f in findings:
        for ms in f.values.values():
            for m in ms:
                s = m.sentence
                if (s.doc_id, s.start, s.end) not in keys:
                    groups.append([s])
                    keys.add((s.doc_id, s.start, s.end))
    return groups


def conflicts_text(findings: list[Finding], markers: dict) -> tuple[str, list[Conflict]]:
    lines, out = [], []
    for f in findings:
        values, parts = [], []
        for ms in f.values.values():
            marks = tuple(dict.fromkeys(markers[(m.sentence.doc_id, m.sentence.start, m.sentence.end)]
                                        for m in ms))
            docs = tuple(dict.fromkeys(m.doc_id for m in ms))
            pubs = tuple(dict.fromkeys(m.sentence.passage.published for m in ms))
            values.append(ConflictValue(ms[0].surface, marks, docs, pubs))
            srcs = " and ".join(
                f"{m.surface} [{markers[(m.sentence.doc_id, m.sentence.start, m.sentence.end)]}] "
                f"{published_note(m.sentence.passage)}"
                for m in {m.doc_id: m for m in ms}.values()
            )
            parts.append(srcs)
        out.append(Conflict(f.topic, tuple(values)))
        lines.append(f"The articles disagree on the {f.topic}: " + " vs. ".join(parts) + ".")
    return "\n".join(lines), out


def add_conflicts(ans: Answer, findings: list[Finding]) -> Answer:
    """llm mode: cite every side of each conflict (reusing a citation that already quotes the
    sentence) and state the disagreement before the answer, as quote mode does."""
    markers: dict = {}
    for f in findings:
        for ms in f.values.values():
            for s in (m.sentence for m in ms):
                key = (s.doc_id, s.start, s.end)
                hit = next((c for c in ans.citations if c.doc_id == s.doc_id
                            and c.start <= s.start and s.end <= c.end), None)
                if key not in markers and hit is None:
                    ans.citations.append(make_citation(len(ans.citations) + 1, s, (s.start, s.end, s.text)))
                markers.setdefault(key, hit.marker if hit else ans.citations[-1].marker)
    if findings:
        ctext, ans.conflicts = conflicts_text(findings, markers)
        ans.text = f"{ctext}\n{ans.text}"
    return ans


class QueryMemo:
    """Wraps an embedder so the same question is embedded once, not once for retrieval and
    again for sentence scoring. Everything else passes through to the wrapped embedder."""

    def __init__(self, inner, size: int = 256):
        self.inner = inner
        self.size = size
        self._memo: dict[str, object] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def embed_documents(self, texts):
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str):
        with self._lock:
            hit = self._memo.get(text)
        if hit is not None:
            return hit
        vec = self.inner.embed_query(text)
        with self._lock:
            self._memo[text] = vec
            while len(self._memo) > self.size:
                self._memo.pop(next(iter(self._memo)))
        return vec


@dataclass
class Prepared:
    """Everything up to the answerer (`Assistant.prepare`)."""

    mode: str  # quote | llm
    question: str  # as asked, stripped
    standalone: str  # the follow-up rewritten to stand alone (else the question)
    passages: list[ScoredPassage]  # retrieved, best first
    ranked: list[Sentence]  # their sentences scored for the question, best first
    evidence: Evidence  # the refusal gate's findings
    verdict: Verdict  # answer or refuse, why, and the answerability score (qa.judging)
    answer_type: str | None = None  # from the question analysis: person, date, quantity, ...
    timings: dict[str, float] = field(default_factory=dict)


class Assistant:
    """Wires retrieval, sentence scoring, the refusal gate and the answerers. Every component
    can be passed in (tests pass fakes); the rest are built from `settings`. `llm`: the llm
    mode's `Answerer`, else an LLMAnswerer built on first use. The index is never modified:
    the question is embedded once through a `QueryMemo` that retrieval and scoring share."""

    def __init__(self, settings: Settings, index: NewsIndex, retriever: Retriever | None = None,
                 gate: EvidenceGate | None = None, quote: QuoteAnswerer | None = None,
                 llm: Answerer | None = None, embedder: QueryMemo | None = None,
                 verdicts: VerdictMaker | None = None):
        self.settings = settings
        self.verdicts = verdicts or VerdictMaker(min_score=settings.judge.min_score, policy=settings.judge.policy)
        self.index = index
        self.embedder = embedder or QueryMemo(index.embedder)
        self.retriever = retriever or Retriever(index, query_embedder=self.embedder)
        self.scorer = quote.scorer if quote else SentenceScorer(self.embedder, idf_from_bm25(index), settings.scoring)
        self.quote = quote or QuoteAnswerer(self.scorer)
        self.gate = gate or EvidenceGate(settings.gate, word_vectors=self.scorer.cache.vectors)
        if self.scorer.vocab_source is None:
            self.scorer.vocab_source = self._corpus_vocab
        self._llm = llm
        self._llm_lock = threading.Lock()
        self._doc_cache: dict[tuple, str] = {}

    @classmethod
    def from_settings(cls, settings: Settings | None = None, index: NewsIndex | None = None) -> "Assistant":
        from .components import build_index, build_retriever

        settings = settings or Settings()
        index = index or build_index(settings)
        memo = QueryMemo(index.embedder)
        return cls(settings, index, build_retriever(settings, index, query_embedder=memo), embedder=memo)

    # -- the LLM answerer, loaded on first use ------------------------------------------------
    def llm(self):
        with self._llm_lock:
            if self._llm is None:
                try:
                    from .llm_answerer import LLMAnswerer
                except ImportError as exc:
                    raise LLMUnavailable(
                        f"llm mode is not available ({exc}); install it with `make llm` or "
                        "`pip install -e '.[llm]'`, or use --mode quote"
                    ) from None
                try:
                    # the scorer's cache: sentences embedded for scoring are reused by the checker
                    self._llm = LLMAnswerer.from_settings(self.settings, self.scorer.cache)
                except LLMUnavailable:
                    raise
                except (FileNotFoundError, ImportError, OSError, RuntimeError) as exc:
                    raise LLMUnavailable(
                        f"llm mode could not start: {exc}. Install a model with `make llm` "
                        "(or set llm.model_path / llm.server_url), or use --mode quote"
                    ) from None
            return self._llm

    def warm(self, max_sentences: int = 20_000) -> int:
        """Embed the sentences of the indexed chunks ahead of the first questions (up to
        `max_sentences`), so answering embeds only the question. Returns how many."""
        from index import split_sentences

        texts: list[str] = []
        for chunk, meta in self.index.store.iter_chunks():
            if not self.index.is_visible(meta):
                continue
            texts.extend(chunk.text[a:b] for a, b in split_sentences(chunk.text))
            if len(texts) >= max_sentences:
                break
        texts = list(dict.fromkeys(texts))[:max_sentences]
        for i in range(0, len(texts), 256):
            self.scorer.cache.vectors(texts[i:i + 256])
        self.embedder.embed_query("warm up")
        return len(texts)

    def _documents(self, passages: list[ScoredPassage]) -> list[tuple[str, str]]:
        """(full text, metadata text) of each retrieved article, cached by content hash."""
        out = []
        records = self.index.records()
        for doc_id in dict.fromkeys(p.doc_id for p in passages):
            rec = records.get(doc_id)
            key = (doc_id, rec.content_hash if rec else None)
            text = self._doc_cache.get(key)
            if text is None:
                doc = self.index.get_document(doc_id)
                if doc is None:
                    continue
                text = self._doc_cache[key] = doc.text
                if len(self._doc_cache) > 2000:
                    self._doc_cache.pop(next(iter(self._doc_cache)))
            p = next(p for p in passages if p.doc_id == doc_id)
            out.append((text, metadata_text(p)))
        return out

    def _copies_of(self, doc_id: str) -> list:
        """The other copies of a syndicated article (the index's duplicate cluster)."""
        duplicates = getattr(self.index, "duplicates", None)
        return duplicates(doc_id) if duplicates else []

    def _corpus_vocab(self) -> set[str]:
        """The index's terms (BM25 postings: stemmed), used as a set; empty if unavailable."""
        try:
            return getattr(self.index.bm25(), "_postings", {}).keys()  # a live set-like view
        except Exception:
            return set()

    # -- answering -------------------------------------------------------------------------------
    def _mode(self, mode: str | None) -> str:
        mode = mode or self.settings.answer_mode
        if mode not in MODES:
            raise ValueError(f"unknown answer mode {mode!r}; choose one of {', '.join(MODES)}")
        return mode

    def _standalone(self, question: str, turns: list[Turn], mode: str) -> str:
        """The LLM rewrites follow-ups only in llm mode; quote mode never waits for it."""
        llm = self._llm if mode == "llm" else None
        return standalone_question(question, turns, getattr(llm, "rewrite", None))

    def prepare(self, question: str, mode: str | None = None, k: int | None = None,
                filters: Filters | None = None, history: Iterable | None = None, as_of=None) -> Prepared:
        """Everything up to the answerer (`Prepared`).
        `as_of`: the day the question is asked (date or 'YYYY-MM-DD'; default today): 'last
        month' or 'this week' are resolved against it (qa.analysis)."""
        if not isinstance(question, str) or not question.strip():
            raise ValueError("the question is empty; type a question")
        question = question.strip()
        mode = self._mode(mode)
        k = k or self.settings.retrieval.k
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        timings: dict[str, float] = {}
        t = time.perf_counter()
        turns = parse_history(history)
        standalone = self._standalone(question, turns, mode)
        analysis = analyse(standalone, as_of, asked=question)
        timings["rewrite"] = time.perf_counter() - t
        t = time.perf_counter()
        passages = self.retriever.retrieve(standalone, k, self.settings.retrieval.mode,
                                           merge_filters(filters, analysis))
        timings["retrieve"] = time.perf_counter() - t
        t = time.perf_counter()
        passage_text = "\n".join(p.text for p in passages)
        intent = parse_intent(standalone, passage_text, analysis=analysis)
        ranked = self.quote.rank(strip_intent(standalone, passage_text) if intent.order else standalone, passages,
                                 focus=question if standalone != question else None)
        ranked = apply_intent(intent, ranked)
        if turns and standalone != question:
            ranked = demote_shown(ranked, turns[-1].answer)
        evidence = self.gate.check(standalone, ranked, [p.text for p in passages]
                                   + [metadata_text(p) for p in passages], self._corpus_vocab(),
                                   self._documents(passages))
        verdict = self.verdicts.judge(standalone, analysis.answer_type, evidence, ranked, passages)
        timings["evidence"] = time.perf_counter() - t
        return Prepared(mode, question, standalone, passages, ranked, evidence, verdict, analysis.answer_type,
                        timings)

    def _abstain(self, question: str, p: Prepared) -> Answer:
        return Answer(question, ABSTAIN_TEXT, [], p.passages, abstained=True, mode=p.mode,
                      standalone_question=p.standalone if p.standalone != question else None)

    def quote_answer(self, question: str, standalone: str, passages: list[ScoredPassage],
                     ranked: list[Sentence]) -> Answer:
        groups = self.quote.select(ranked)
        findings = find_conflicts(standalone, ranked)
        groups = cite_every_side(findings, groups)
        text, citations, markers = compose(groups)
        citations = with_copies(citations, self._copies_of)
        if findings:
            ctext, conflicts = conflicts_text(findings, markers)
            text = f"{ctext}\n{text}"
        else:
            conflicts = []
        if citations:
            text = f"{text}\n{published_line(citations)}"
        return Answer(question, text, citations, passages, mode="quote", conflicts=conflicts,
                      standalone_question=standalone if standalone != question.strip() else None)

    def _llm_or_quote(self, question: str, standalone: str, passages: list[ScoredPassage],
                      ranked: list[Sentence], ans: Answer) -> Answer:
        """The LLM's answer; or, when it gave nothing supported although the gate found the
        evidence answers the question, the quote answer (marked `fallback="quote"`)."""
        if ans.abstained and self.settings.llm.fallback_to_quote and ranked:
            quoted = self.quote_answer(question, standalone, passages, ranked)
            quoted.mode, quoted.fallback = "llm", "quote"
            quoted.unsupported = ans.unsupported
            quoted.timings = dict(ans.timings)
            ans = quoted
        elif not ans.abstained and ans.citations:
            add_conflicts(ans, find_conflicts(standalone, ranked))
            ans.citations = with_copies(ans.citations, self._copies_of)
            ans.text = f"{ans.text}\n{published_line(ans.citations)}"  # the one source note
        ans.question = question
        ans.standalone_question = standalone if standalone != question.strip() else None
        return ans

    def ask(self, question: str, mode: str | None = None, k: int | None = None,
            filters: Filters | None = None, history: Iterable | None = None, as_of=None) -> Answer:
        t0 = time.perf_counter()
        p = self.prepare(question, mode, k, filters, history, as_of)
        t = time.perf_counter()
        if not p.verdict.answerable:
            ans = self._abstain(question, p)
        elif p.mode == "quote":
            ans = self.quote_answer(question, p.standalone, p.passages, p.ranked)
        else:
            ans = self.llm().answer(p.standalone, p.passages, ranked=p.ranked)
            ans = self._llm_or_quote(question, p.standalone, p.passages, p.ranked, ans)
        self.verdicts.finish(ans, p.verdict, p.standalone, p.answer_type)
        p.timings["answer"] = time.perf_counter() - t
        ans.timings = {**p.timings, **ans.timings}
        ans.latency_s = time.perf_counter() - t0
        return ans

    def stream(self, question: str, mode: str | None = None, k: int | None = None,
               filters: Filters | None = None, history: Iterable | None = None,
               as_of=None) -> Iterator[str | Answer]:
        """Yield text deltas, then the final Answer."""
        t0 = time.perf_counter()
        p = self.prepare(question, mode, k, filters, history, as_of)
        if not p.verdict.answerable or p.mode == "quote":
            if not p.verdict.answerable:
                ans = self._abstain(question, p)
            else:
                ans = self.quote_answer(question, p.standalone, p.passages, p.ranked)
            self.verdicts.finish(ans, p.verdict, p.standalone, p.answer_type)
            ans.timings = {**p.timings, **ans.timings}
            ans.latency_s = time.perf_counter() - t0
            yield ans.text
            yield ans
            return
        for item in self.llm().stream(p.standalone, p.passages, ranked=p.ranked):
            if isinstance(item, Answer):
                item = self._llm_or_quote(question, p.standalone, p.passages, p.ranked, item)
                self.verdicts.finish(item, p.verdict, p.standalone, p.answer_type)
                item.timings = {**p.timings, **item.timings}
                item.latency_s = time.perf_counter() - t0
            yield item

    def conversation(self, max_turns: int = 10):
        from .followup import Conversation

        return Conversation(self, max_turns)


__all__ = ["Assistant", "LLMUnavailable", "MODES", "Prepared", "QueryMemo", "Turn"]
