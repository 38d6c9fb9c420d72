"""`Assistant`: one question in, one cited `Answer` out.

question -> (follow-up rewrite) -> hybrid retrieval -> sentence scoring -> refusal gate's
checks -> the verdict (qa.evidence.verdict: answer or refuse) -> quote answer (+ conflicts) or
the LLM answerer -> the verdict's final word on that answer -> Answer."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from index import Filters, NewsIndex, Retriever, ScoredPassage
from index.rerank import CachedEmbedder, EmbeddingCache as DiskCache

from .question.analysis import analyse, merge_filters, without_windows
from .answerer import Answerer
from .components import build_index, build_retriever, sentence_reranker
from .answer.composing import AnswerComposer
from .question.dates import apply_intent, parse_intent, strip_intent
from .evidence.gate import Evidence, EvidenceGate, metadata_text, own_words_present
from .question.followup import Turn, demote_shown, shown_before, parse_history, standalone_question
from .question.thread import is_anaphoric, thread_filters, thread_of
from .index_view import IndexView
from .evidence.answerability import AnswerabilityModel
from .evidence.verdict import VerdictMaker
from .nlp import entities_many
from .query_memo import QueryMemo
from .evidence.reading import PassageReader, Reading, ReaderSpanFinder, promote
from .answer.quote import EmbeddingCache, QuoteAnswerer, SentenceScorer, candidate_sentences, idf_from_bm25
from .calibration import answerability_file, calibrated
from .settings import Settings
from .types import Answer, Sentence, Verdict

MODES = ("quote", "llm")


try:  # one error type for "llm mode cannot run", shared with the LLM adapter when present
    from .llm.adapter import LLMUnavailable
except ImportError:  # pragma: no cover - the adapter ships with the package
    class LLMUnavailable(RuntimeError):  # type: ignore[no-redef]
        """The llm answer mode cannot run here; the message says how to set it up."""


@dataclass
class Prepared:
    """Everything up to the answerer (`Assistant.prepare`)."""

    mode: str  # quote | llm
    question: str  # as asked, stripped
    standalone: str  # the follow-up rewritten to stand alone (else the question)
    passages: list[ScoredPassage]  # retrieved, best first
    ranked: list[Sentence]  # their sentences scored for the question, best first
    evidence: Evidence  # the refusal gate's findings
    verdict: Verdict  # answer or refuse, why, and the answerability score (qa.evidence.verdict)
    answer_type: str | None = None  # from the question analysis: person, date, quantity, ...
    timings: dict[str, float] = field(default_factory=dict)
    reading: Reading | None = None  # the extractive reader's best span, when a reader is on


def sentence_cache(index: NewsIndex, embedder) -> EmbeddingCache:
    """The quote scorer's sentence vectors: in memory, and on disk in the index's data dir
    (`sentence-vectors/<model>.sqlite`), so a restarted process warms up from the file
    instead of embedding every sentence again. A fake index without a data dir: memory only."""
    data_dir = getattr(getattr(index, "store", None), "data_dir", None)
    if data_dir is None:
        return EmbeddingCache(embedder)
    name = Path(str(getattr(embedder, "name", "embedder"))).name or "embedder"
    disk = DiskCache(Path(data_dir) / "sentence-vectors" / f"{name}.sqlite", tolerant=True, timeout=5.0)
    return EmbeddingCache(CachedEmbedder(embedder, disk))


class Assistant:
    """Wires retrieval, sentence scoring, the refusal gate's checks, the verdict and the
    answerers. Build it with `Assistant.from_settings` (the one composition root: production,
    tests and bench/ alike). Every component can be passed in (tests pass fakes); the rest
    are built from `settings`, never from constructor defaults. `llm`: the llm mode's
    `Answerer`, else an LLMAnswerer built on first use. The index is never modified: the
    question is embedded once through a `QueryMemo` that retrieval and scoring share."""

    def __init__(self, settings: Settings, index: NewsIndex, retriever: Retriever | None = None,
                 gate: EvidenceGate | None = None, quote: QuoteAnswerer | None = None,
                 llm: Answerer | None = None, embedder: QueryMemo | None = None,
                 verdicts: VerdictMaker | None = None, composer: AnswerComposer | None = None,
                 reader: PassageReader | None = None):
        # cosine thresholds not set explicitly, and the answerability fit: those of the model
        # that makes the cosines
        sentence_model = getattr(index.embedder, "name", None)
        self.settings = settings = calibrated(settings, sentence_model)
        self.index = index
        self.embedder = embedder or QueryMemo(index.embedder)
        self.retriever = retriever or build_retriever(settings, index, query_embedder=self.embedder)
        self.scorer = quote.scorer if quote else SentenceScorer(self.embedder, idf_from_bm25(index), settings.scoring,
                                                                cache=sentence_cache(index, self.embedder))
        self.quote = quote or QuoteAnswerer(self.scorer, reranker=sentence_reranker(settings))
        self.gate = gate or EvidenceGate(settings.gate)
        self.view = IndexView(index)
        if self.scorer.vocab_source is None:
            self.scorer.vocab_source = self.view.corpus_vocab
        self.composer = composer or AnswerComposer(self.quote, self.view.copies_of,
                                                   settings.llm.fallback_to_quote, settings.conflicts,
                                                   headline_of=self.view.headline)
        self.reader, finder = reader, None
        r = settings.reader
        if r.enabled or settings.judge.policy == "reader":
            from .evidence.reader import OnnxReader  # reads reader.json now; the model loads on first use
            from .answer.short_answer import ShortAnswerFinder

            span_reader = OnnxReader(r.model_dir, threshold=r.threshold)
            if r.scope == "passages" or settings.judge.policy == "reader":
                self.reader = reader or PassageReader(span_reader, r.passages)
            else:
                finder = ReaderSpanFinder(span_reader, fallback=ShortAnswerFinder())
        self.verdicts = verdicts or VerdictMaker(
            AnswerabilityModel.load(answerability_file(sentence_model)),
            finder=finder, min_score=settings.judge.min_score, policy=settings.judge.policy)
        self._llm = llm
        self._llm_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings | None = None, index: NewsIndex | None = None,
                      **parts) -> "Assistant":
        """THE composition root: the Assistant of `settings` (default: `Settings()`) over `index`
        (default: the index of `settings`). `parts` replace components by name (`llm=`,
        `retriever=`, `verdicts=`, ...: tests pass fakes); everything else is built from
        `settings`, the same way for the CLI, the server, the evaluation, bench/ and tests."""
        settings = settings or Settings()
        return cls(settings, index or build_index(settings), **parts)

    # -- the LLM answerer, loaded on first use ------------------------------------------------
    def llm(self):
        with self._llm_lock:
            if self._llm is None:
                try:
                    from .llm.answerer import LLMAnswerer
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

    def warm(self, max_sentences: int = 50_000) -> int:
        """Embed the sentences of the indexed chunks, and find their names, ahead of the first
        questions (up to `max_sentences`), so answering embeds only the question. Returns how many.
        The sentences are the quote scorer's own candidates (datelines skipped, as answering does)."""
        seen: dict[str, None] = {}  # distinct sentences: syndicated copies repeat many of them
        for chunk, meta in self.index.store.iter_chunks():
            if len(seen) >= max_sentences:
                break
            if self.index.is_visible(meta):
                passage = ScoredPassage(chunk, 0.0, published=meta.get("published"))
                seen.update(dict.fromkeys(s.text for s in candidate_sentences([passage])))
        texts = list(seen)[:max_sentences]
        for i in range(0, len(texts), 256):
            self.scorer.cache.vectors(texts[i:i + 256])
            entities_many(texts[i:i + 256])  # the answer-type cue's names (qa.nlp caches them per text)
        self.embedder.embed_query("warm up")
        for model in {id(m): m for m in (getattr(self.index, "article_embedder", None),
                                         getattr(self.index, "passage_embedder", None))}.values():
            if model is not None and model is not self.index.embedder:  # loads bge, the static table
                model.embed_query("warm up")
        analyse("What happened last week, and on 19 January 2024?", None)  # spaCy and dateparser's locale data
        if self.quote.reranker is not None:  # loads the cross-encoder now, not on the first answer
            self.quote.reranker.scorer.score("warm up", ["warm up"])
        warm_retrieval = getattr(self.retriever, "warm", None)  # a test's fake may have none
        if warm_retrieval is not None:
            warm_retrieval()
        for reader in (getattr(self.verdicts.finder, "reader", None), getattr(self.reader, "reader", None)):
            if reader is not None:
                reader.read("warm up", ["warm up"])  # loads the reader's model now, not on the first answer
        return len(texts)

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
        month' or 'this week' are resolved against it (qa.question.analysis)."""
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
        thread = thread_of(turns) if turns else None
        # a follow-up with no name or date of its own ('When was that?') is about the articles
        # the previous answer cited: they are searched beside the whole index, first
        scope, thread_scope = merge_filters(filters, analysis), None
        if thread is not None and is_anaphoric(question, thread, turns[-1].standalone or turns[-1].question,
                                               self._articles_text(thread.doc_ids)):
            thread_scope = thread_filters(scope, thread)
        timings["rewrite"] = time.perf_counter() - t
        p = self._gather(question, standalone, analysis, scope, k, turns, timings, thread_scope, as_of is not None)
        passages, ranked, evidence, reading, verdict = p
        return Prepared(mode, question, standalone, passages, ranked, evidence, verdict, analysis.answer_type,
                        timings, reading)

    def _articles_text(self, doc_ids) -> str:
        """The text of the articles a thread cited (those still in the index)."""
        docs = (self.index.get_document(d) for d in doc_ids)
        return "\n".join(d.text for d in docs if d is not None)

    def _gather(self, question: str, standalone: str, analysis, scope: Filters, k: int, turns: list[Turn],
                timings: dict[str, float], thread_scope: Filters | None = None, dated: bool = True):
        """Retrieval within `scope`, sentence ranking, the refusal gate and the verdict. With a
        `thread_scope` (a follow-up about the previous answer's articles) those articles are
        searched alone first, and answer when the verdict says they can; else the whole scope
        is searched, the thread's passages first. `dated`: the caller said the day the question
        is asked (retrieval then leaves out later articles and weighs recency from that day;
        otherwise from the newest article, with the weight for no as_of)."""
        about = (analysis.date_from, analysis.date_to) if (analysis.date_from or analysis.date_to) else None
        when = {"as_of": analysis.as_of.isoformat() if dated else None, "about": about}
        first: list[ScoredPassage] = []
        if thread_scope is not None:
            t = time.perf_counter()
            first = self.retriever.retrieve(standalone, k, self.settings.retrieval.mode, thread_scope, **when)
            timings["retrieve"] = timings.get("retrieve", 0.0) + time.perf_counter() - t
            if first:
                # its own words only: a term the thread's articles lack sends it to the whole index
                judged = self._judge(question, standalone, analysis, first, turns, timings, vocab=False)
                if judged[-1].answerable and own_words_present(question, [p.text for p in first],
                                                               self.settings.gate.fuzzy):
                    return (first, *judged)
        t = time.perf_counter()
        passages = self.retriever.retrieve(standalone, k, self.settings.retrieval.mode, scope, **when)
        seen = {(p.doc_id, p.start) for p in first}
        passages = first + [p for p in passages if (p.doc_id, p.start) not in seen]
        timings["retrieve"] = timings.get("retrieve", 0.0) + time.perf_counter() - t
        return (passages, *self._judge(question, standalone, analysis, passages, turns, timings))

    def _judge(self, question: str, standalone: str, analysis, passages: list[ScoredPassage], turns: list[Turn],
               timings: dict[str, float], vocab: bool = True):
        """(ranked sentences, evidence, reading, verdict) of `passages` for the question. `vocab`:
        the gate excuses a question term the passages lack when the index has it elsewhere."""
        t = time.perf_counter()
        passage_text = "\n".join(p.text for p in passages)
        intent = parse_intent(standalone, passage_text, analysis=analysis)
        asked = without_windows(analysis)  # 'this week' is in the filters; sentences need not say it
        ranked = self.quote.rank(strip_intent(asked, passage_text) if intent.order else asked, passages,
                                 focus=question if standalone != question else None)
        ranked = apply_intent(intent, ranked)
        if turns and standalone != question:
            ranked = demote_shown(ranked, shown_before(standalone, turns))
        evidence = self.gate.check(asked, ranked, [p.text for p in passages]
                                   + [metadata_text(p) for p in passages], self.view.corpus_vocab() if vocab else None)
        reading = None
        if self.reader is not None:
            t_read = time.perf_counter()
            reading = self.reader.read(standalone, passages)
            ranked = promote(ranked, reading)
            timings["read"] = timings.get("read", 0.0) + time.perf_counter() - t_read
        verdict = self.verdicts.judge(standalone, analysis.answer_type, evidence, ranked, passages, reading,
                                      empty_index=not passages and not self.index.records())
        timings["evidence"] = timings.get("evidence", 0.0) + time.perf_counter() - t
        return ranked, evidence, reading, verdict

    def _refusal(self, question: str, p: Prepared) -> Answer:
        return self.verdicts.refusal(question, p.passages, p.mode, p.verdict,
                                     p.standalone if p.standalone != question else None)

    def _finish(self, ans: Answer, p: Prepared) -> Answer:
        return self.verdicts.finish(ans, p.verdict, p.standalone, p.answer_type, p.reading, p.evidence)

    def ask(self, question: str, mode: str | None = None, k: int | None = None,
            filters: Filters | None = None, history: Iterable | None = None, as_of=None) -> Answer:
        t0 = time.perf_counter()
        p = self.prepare(question, mode, k, filters, history, as_of)
        t = time.perf_counter()
        if not p.verdict.answerable:
            ans = self._refusal(question, p)
        elif p.mode == "quote":
            ans = self.composer.quote_answer(question, p.standalone, p.passages, p.ranked)
        else:
            ans = self.llm().answer(p.standalone, p.passages, ranked=p.ranked)
            ans = self.composer.finish_llm(question, p.standalone, p.passages, p.ranked, ans)
        self._finish(ans, p)
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
                ans = self._refusal(question, p)
            else:
                ans = self.composer.quote_answer(question, p.standalone, p.passages, p.ranked)
            self._finish(ans, p)
            ans.timings = {**p.timings, **ans.timings}
            ans.latency_s = time.perf_counter() - t0
            yield ans.text
            yield ans
            return
        streamed = ""
        for item in self.llm().stream(p.standalone, p.passages, ranked=p.ranked):
            if isinstance(item, Answer):
                item = self.composer.finish_llm(question, p.standalone, p.passages, p.ranked, item)
                self._finish(item, p)
                item.timings = {**p.timings, **item.timings}
                item.latency_s = time.perf_counter() - t0
                # what finishing added (source note, conflicts, a fallback, the refusal) streams
                # too, after the model's text: the final text is exactly what was streamed
                if not item.text.startswith(streamed):
                    raise RuntimeError("llm answer's final text does not continue its streamed text")
                if item.text[len(streamed):]:
                    yield item.text[len(streamed):]
            else:
                streamed += item
            yield item

    def conversation(self, max_turns: int = 10):
        from .question.memory import Conversation

        return Conversation(self, max_turns)


__all__ = ["Assistant", "LLMUnavailable", "MODES", "Prepared", "QueryMemo", "Turn"]
