"""The Assistant end to end: retrieval, refusal gate, quote answers, conflicts, dates and
follow-ups; fake embedder over tiny synthetic articles, and the real MiniLM over corpus/."""

from __future__ import annotations

import sys

import pytest

from corpus import Document
from qa.assistant import Assistant, LLMUnavailable
from qa.question.followup import Turn
from qa.settings import Settings
from qa.types import ABSTAIN_TEXT, Answer

DOCS = [
    Document("harbor-a", "Ship seized off the coast", "Coast Daily", "2024-01-10",
             "Ship seized off the coast\n"
             "Coast guards seized the cargo ship Aurora on Monday near the port of Varna. "
             "The ministry said the ship carried 3 foreign sailors when it was seized. "
             "The ship's captain, Ivan Petrov, was questioned by police."),
    Document("harbor-b", "Aurora crew detained", "Sea Herald", "2024-03-02",
             "Aurora crew detained\n"
             "Officials said six foreign sailors were aboard the ship Aurora when it was seized. "
             "The captain was accompanied by his deputy, Elena Markova. "
             "Port authorities later released the ship after an inspection."),
    Document("harbor-c", "Trade fair opens", "Business Weekly", "2023-05-20",
             "Trade fair opens\n"
             "The annual trade fair in Varna opened with two hundred exhibitors. "
             "Organisers expect record attendance this year."),
]


@pytest.fixture
def assistant(assistant_over):
    return assistant_over(DOCS)


def check_spans(ans: Answer) -> None:
    texts = {d.doc_id: d.text for d in DOCS}
    for c in ans.citations:
        assert texts[c.doc_id][c.start:c.end] == c.quote
    for p in ans.passages:
        assert texts[p.doc_id][p.start:p.end] == p.text


def test_factual_question_is_answered_with_exact_citations(assistant):
    ans = assistant.ask("Who was the ship's captain questioned by police?")
    assert not ans.abstained and ans.citations
    assert "Ivan Petrov" in ans.text
    check_spans(ans)
    js = ans.to_json()
    assert js["mode"] == "quote" and js["citations"][0]["marker"] == 1
    # one source note per answer, not per sentence: markers, then a last 'Published:' line
    assert "[1]" in ans.text and "(Coast Daily" not in ans.text
    assert ans.text.count("Published: ") == 1 and ans.text.splitlines()[-1].startswith("Published: [1]")


def test_unanswerable_question_abstains(assistant):
    ans = assistant.ask("What did the Lithuanian president say about tariffs?")
    assert ans.abstained and ans.text == ABSTAIN_TEXT and ans.citations == []
    assert ans.passages, "passages are still returned for inspection"


def test_conflicting_counts_are_reported_with_sources_and_dates(assistant):
    ans = assistant.ask("How many foreign sailors were on the ship Aurora?")
    assert not ans.abstained
    assert ans.conflicts, ans.text
    values = {v.value for v in ans.conflicts[0].values}
    assert values == {"3", "six"}
    assert "2024-01-10" in ans.text and "2024-03-02" in ans.text
    cited_docs = {c.doc_id for c in ans.citations}
    assert {"harbor-a", "harbor-b"} <= cited_docs
    markers = {m for v in ans.conflicts[0].values for m in v.citation_markers}
    assert markers <= {c.marker for c in ans.citations}
    check_spans(ans)


def test_most_recent_question_prefers_the_newest_article(assistant):
    ans = assistant.ask("What is the most recent report about the ship Aurora being seized?")
    assert not ans.abstained
    assert ans.citations[0].doc_id == "harbor-b"
    assert ans.citations[0].published == "2024-03-02"


def test_follow_up_is_rewritten_with_the_previous_turn(assistant):
    first = assistant.ask("Who was the ship's captain questioned by police?")
    ans = assistant.ask("and who accompanied him?", history=[Turn("Who was the ship's captain questioned by police?", first.text)])
    assert ans.standalone_question and "Ivan Petrov" in ans.standalone_question
    assert "Elena Markova" in ans.text
    check_spans(ans)


def test_conversation_object(assistant):
    conv = assistant.conversation()
    conv.ask("Who was the ship's captain questioned by police?")
    ans = conv.ask("and who accompanied him?")
    assert "Elena Markova" in ans.text and len(conv.turns) == 2


def test_stream_yields_text_then_answer(assistant):
    parts = list(assistant.stream("Who was the ship's captain questioned by police?"))
    assert isinstance(parts[-1], Answer) and all(isinstance(p, str) for p in parts[:-1])
    assert "".join(parts[:-1]) == parts[-1].text


def test_bad_input_is_rejected_clearly(assistant):
    with pytest.raises(ValueError, match="empty"):
        assistant.ask("   ")
    with pytest.raises(ValueError, match="answer mode"):
        assistant.ask("Who?", mode="poetry")
    with pytest.raises(ValueError, match="k must be"):
        assistant.ask("Who?", k=-1)


def test_llm_mode_without_the_answerer_says_how_to_install(assistant, monkeypatch):
    monkeypatch.setitem(sys.modules, "qa.llm.answerer", None)  # import fails
    with pytest.raises(LLMUnavailable, match="make llm"):
        assistant.ask("Who was the ship's captain questioned by police?", mode="llm")


def test_refusal_runs_before_the_llm(assistant, monkeypatch):
    monkeypatch.setitem(sys.modules, "qa.llm.answerer", None)
    ans = assistant.ask("What did the Lithuanian president say about tariffs?", mode="llm")
    assert ans.abstained and ans.mode == "llm"


def test_planted_check_every_citation_span_is_document_text(assistant):
    for q in ["Where was the ship seized?", "Who inspected the ship?", "How many exhibitors came?",
              "When did the trade fair open?", "Who questioned the captain?"]:
        check_spans(assistant.ask(q))


# -- the real model over corpus/ -----------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus_assistant(tmp_path_factory):
    from pathlib import Path

    from index import ingest_paths
    from qa.components import build_index

    corpus = Path(__file__).resolve().parents[2] / "corpus"
    settings = Settings(data_dir=str(tmp_path_factory.mktemp("real")))
    index = build_index(settings)
    report = ingest_paths(index, [str(corpus)])
    assert not report.errors
    return Assistant.from_settings(settings, index)


def _doc_text(assistant, doc_id):
    return assistant.index.get_document(doc_id).text


@pytest.mark.slow
def test_real_model_over_the_corpus(corpus_assistant):
    a = corpus_assistant
    ans = a.ask("Who accompanied Marzouq at the meetings in Moscow?")
    assert not ans.abstained and "Bassem Naim" in ans.text
    for c in ans.citations:
        assert _doc_text(a, c.doc_id)[c.start:c.end] == c.quote

    assert a.ask("What did the Chinese foreign minister say about the talks?").abstained

    ans = a.ask("How many Russian citizens were among those held by Palestinian factions?")
    assert ans.conflicts and len(ans.conflicts[0].values) >= 2, ans.text

    ans = a.ask("What is the most recent meeting between Hamas and Bogdanov reported?")
    assert not ans.abstained and ans.citations[0].published == max(
        c.published for c in ans.citations if c.published)

    first = a.ask("Who headed the Hamas delegation that visited Moscow in January 2024?")
    ans = a.ask("and who accompanied him?", history=[("Who headed the Hamas delegation that visited "
                                                        "Moscow in January 2024?", first.text)])
    assert ans.standalone_question and "accompanied" in ans.standalone_question
    assert not ans.abstained


def test_a_date_in_the_question_picks_the_article(assistant):
    ans = assistant.ask("Who accompanied the captain in March 2024?")
    assert not ans.abstained and "Elena Markova" in ans.text


class _RefusingLLM:
    """An llm answerer that gives nothing supported (it abstains), as a weak model may."""

    def answer(self, question, passages, ranked=None):
        return Answer(question, ABSTAIN_TEXT, [], passages, abstained=True, mode="llm",
                      unsupported=["The ship was green."])

    def stream(self, question, passages, ranked=None):
        yield ABSTAIN_TEXT  # what it streamed is its answer's text
        yield self.answer(question, passages, ranked)


def test_llm_refusal_of_an_answerable_question_falls_back_to_quotes(assistant):
    assistant = Assistant.from_settings(assistant.settings, assistant.index, llm=_RefusingLLM())
    q = "Who was the ship's captain questioned by police?"
    ans = assistant.ask(q, mode="llm")
    assert not ans.abstained and ans.mode == "llm" and ans.fallback == "quote"
    assert "Ivan Petrov" in ans.text and ans.citations
    check_spans(ans)
    *deltas, final = list(assistant.stream(q, mode="llm"))
    assert final.fallback == "quote" and final.text == ans.text == "".join(deltas)
    assert final.text.startswith(ABSTAIN_TEXT + "\n\nWhat the articles say:\n")  # the model's words stay
    assert final.to_json()["fallback"] == "quote"
    # with the fallback off, the model's refusal stands
    strict = Assistant.from_settings(assistant.settings.with_overrides({"llm.fallback_to_quote": False}), assistant.index,
                       llm=_RefusingLLM())
    ans = strict.ask(q, mode="llm")
    assert ans.abstained and ans.fallback is None


class _CitingLLM:
    """An llm answerer whose (already verified) answer cites two articles."""

    def answer(self, question, passages, ranked=None):
        from qa.types import Citation

        cites = [Citation(i + 1, p.doc_id, p.start, p.end, p.text, p.title, p.outlet, p.published)
                 for i, p in enumerate(passages[:2])]
        return Answer(question, "Claim one [1]. Claim two [2].", cites, passages, mode="llm")

    def stream(self, question, passages, ranked=None):
        yield self.answer(question, passages, ranked)


def test_llm_answer_has_one_published_note(assistant):
    """One source note per answer: a last 'Published:' line says when each cited article was
    published; no 'Sources:' block (the surfaces list the sources)."""
    assistant = Assistant.from_settings(assistant.settings, assistant.index, llm=_CitingLLM())
    ans = assistant.ask("Who was the ship's captain questioned by police?", mode="llm")
    assert not ans.abstained and ans.fallback is None
    assert "Sources:" not in ans.text and "[1]" in ans.text
    last = ans.text.splitlines()[-1]
    from qa.labels import display_date

    for c in ans.citations:  # named as everywhere else: outlet · date · title
        assert f"[{c.marker}] {c.outlet} · {display_date(c.published)} · {c.title}" in last


@pytest.mark.slow
def test_real_answer_quotes_whole_sentences_not_fragments(corpus_assistant):
    """The quotation resumed after an ellipsis ("which has reached… “Catastrophic
    proportions.”") is quoted as one sentence: no citation is the fragment alone, and none is
    cut at "reached…" (the artefacts of the old hand-written splitter)."""
    a = corpus_assistant
    ans = a.ask("How did the Russian side describe the humanitarian crisis in the Gaza Strip?")
    assert not ans.abstained
    quotes = [c.quote for c in ans.citations]
    assert any("reached… “Catastrophic proportions.”" in q for q in quotes), quotes
    for q in quotes:
        assert not q.rstrip().endswith("reached…"), q
        assert q.strip() != "“Catastrophic proportions.”", q
    assert "\n“Catastrophic proportions.”" not in ans.text


@pytest.mark.slow
def test_real_answers_carry_the_verdict_and_an_exact_short_span(corpus_assistant):
    a = corpus_assistant
    ans = a.ask("Who accompanied Marzouq at the meetings in Moscow?")
    verdict = ans.to_json()["verdict"]
    assert (verdict["answerable"], verdict["kind"]) == (True, "answered")
    assert verdict["reason"] == f"answered from {len({c.doc_id for c in ans.citations})} article" + (
        "" if len({c.doc_id for c in ans.citations}) == 1 else "s")
    span = ans.answer_span
    assert span is not None and _doc_text(a, span.doc_id)[span.start:span.end] == span.text
    assert any(c.marker == span.marker and c.doc_id == span.doc_id and c.start <= span.start and span.end <= c.end
               for c in ans.citations)
    refused = a.ask("What did the Chinese foreign minister say about the talks?")
    assert refused.abstained and not refused.verdict.answerable
    assert refused.verdict.kind in ("off_topic", "not_stated")
    assert not any(w in refused.verdict.reason for w in ("cosine", "coverage", "0.", "score"))
    assert refused.answer_span is None
    if ans.verdict.score is not None:
        assert refused.verdict.score < ans.verdict.score


def test_the_index_is_not_modified_and_the_question_is_embedded_once(make_index):
    """The Assistant wraps the index's embedder in a local memo shared by retrieval and
    sentence scoring; the index keeps its own embedder."""

    class Counting:
        name = "counting"

        def __init__(self):
            from fakes import FakeEmbedder

            self.inner, self.queries = FakeEmbedder(), []

        def embed_documents(self, texts):
            return self.inner.embed_documents(texts)

        def embed_query(self, text):
            self.queries.append(text)
            return self.inner.embed_query(text)

    emb = Counting()
    index = make_index(embedder=emb)
    for d in DOCS:
        index.write(d)
    a = Assistant.from_settings(Settings(), index)
    q = "Who was the ship's captain questioned by police?"
    assert not a.ask(q).abstained
    assert index.embedder is emb
    assert emb.queries.count(q) == 1
    p = a.prepare(q)
    assert (p.mode, p.standalone, p.evidence.passed) == ("quote", q, True)
    assert p.passages and p.ranked and set(p.timings) >= {"retrieve", "evidence"}
    assert emb.queries.count(q) == 1  # the memo answers the second time


def test_both_answerers_take_the_scored_sentences(assistant):
    """The one Answerer protocol: answer(question, passages, ranked=None) on both modes."""
    import inspect

    from qa.answerer import Answerer
    from qa.llm.answerer import LLMAnswerer
    from qa.answer.quote import QuoteAnswerer

    for cls in (QuoteAnswerer, LLMAnswerer):
        for name in ("answer", "stream"):
            assert list(inspect.signature(getattr(cls, name)).parameters) == \
                ["self", "question", "passages", "ranked"], (cls, name)
    assert list(inspect.signature(Answerer.answer).parameters) == ["self", "question", "passages", "ranked"]
    q = "Who was the ship's captain questioned by police?"
    p = assistant.prepare(q)
    ans = assistant.quote.answer(q, p.passages, p.ranked)
    assert "Ivan Petrov" in ans.text and ans.text == assistant.quote.answer(q, p.passages).text


def test_warm_counts_distinct_sentences(assistant_over):
    """Syndicated copies repeat sentences: the warm-up's bound counts distinct ones."""
    same = "Coast guards seized the cargo ship Aurora on Monday. The captain was questioned by police."
    a = assistant_over([Document(f"copy-{i}", "Ship seized", "Coast Daily", "2024-01-10", same) for i in range(3)]
                       + [Document("other", "Fair", "Business Weekly", "2023-05-20",
                                   "The annual trade fair opened. Organisers expect record attendance.")])
    assert a.warm(max_sentences=4) == 4  # two distinct in the copies, two in the other article


def test_a_restarted_assistant_warms_up_from_the_sentence_vectors_on_disk(make_index):
    """Warm-up embeds every sentence once per index, not once per process: the vectors are
    kept in the data dir, and a second process over the same index embeds none of them."""
    from fakes import FakeEmbedder
    from qa.assistant import Assistant
    from qa.settings import Settings

    first = FakeEmbedder()
    index = make_index(embedder=first)
    index.write(Document("d1", "Ship seized", "Coast Daily", "2024-01-10",
                         "Coast guards seized the cargo ship Aurora on Monday. The captain was questioned by police. "
                         "Harbour pilots guided the tanker Borealis into Valletta on Tuesday."))
    before = first.texts_embedded
    assert Assistant.from_settings(Settings(), index).warm() == 3
    assert first.texts_embedded - before == 3
    second = FakeEmbedder()
    again = Assistant.from_settings(Settings(), make_index(embedder=second))  # the same data dir
    assert again.warm() == 3 and second.texts_embedded == 0
    assert list((index.store.data_dir / "sentence-vectors").glob("*.sqlite"))
    ans = again.ask("Which tanker did harbour pilots guide into Valletta?", mode="quote")
    assert "Borealis" in ans.text


def test_warm_finds_the_sentences_names_before_the_first_question(assistant_over, monkeypatch):
    """Warm-up runs spaCy over the indexed sentences (and a dated question through dateparser),
    so a first 'who' question finds every name it needs already cached."""
    from qa import nlp

    a = assistant_over([Document("d1", "Ship seized", "Coast Daily", "2024-01-10",
                                 "Harbour pilots guided the tanker Borealis into Valletta on Tuesday. Captain Mira Kovac "
                                 "thanked the crew.")])
    a.warm()
    pipelines = []
    real = nlp.spacy_pipeline
    monkeypatch.setattr(nlp, "spacy_pipeline", lambda: pipelines.append(1) or real())
    nlp.entities_many(["Harbour pilots guided the tanker Borealis into Valletta on Tuesday."])
    assert pipelines == []  # a cache hit: no spaCy run
