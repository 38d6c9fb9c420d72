"""The extractive reader (qa.evidence.reader), reading passages (qa.evidence.reading) and the "reader" verdict."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from index.types import Chunk, ScoredPassage
from qa.evidence.gate import Evidence
from qa.evidence.verdict import VerdictMaker
from qa.evidence.reader import DEFAULT_DIR, OnnxReader, ReaderUnavailable, ReadSpan, top_spans
from qa.evidence.reading import PassageReader, Reading, ReaderSpanFinder, promote
from qa.types import Answer, Citation


def test_top_spans_match_brute_force():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n, max_answer, top = int(rng.integers(1, 30)), int(rng.integers(1, 8)), int(rng.integers(1, 6))
        s, e = rng.normal(size=n), rng.normal(size=n)
        want = sorted(((s[i] + e[k], i, k) for i in range(n) for k in range(i, min(n, i + max_answer))), reverse=True)
        got = top_spans(s, e, max_answer, top)
        assert [g[1:] for g in got] == [w[1:] for w in want[:top]]
        assert [g[0] for g in got] == pytest.approx([w[0] for w in want[:top]])


def _passage(doc_id: str, doc_text: str, start: int, end: int) -> ScoredPassage:
    return ScoredPassage(Chunk(f"{doc_id}:{start}", doc_id, start, end, doc_text[start:end]), 1.0)


class FakeReader:
    threshold = 0.5

    def __init__(self, spans):
        self.spans = spans  # text index -> (needle, margin)
        self.seen = []

    def read(self, question, texts):
        self.seen.append(list(texts))
        out = []
        for i, t in enumerate(texts):
            if i not in self.spans:
                out.append(None)
                continue
            needle, margin = self.spans[i]
            a = t.index(needle)
            out.append(ReadSpan(i, a, a + len(needle), needle, 1.0, margin))
        return out


DOC = "Intro sentence here. The mayor, Ana Ruiz, opened the bridge on Monday. Later text follows."


def test_passage_reader_maps_the_best_span_to_document_offsets():
    passages = [_passage("d1", DOC, 0, 21), _passage("d1", DOC, 21, len(DOC)), _passage("d1", DOC, 0, len(DOC))]
    reader = PassageReader(FakeReader({0: ("Intro", 0.1), 1: ("Ana Ruiz", 2.0)}), depth=2)
    r = reader.read("Who opened the bridge?", passages)
    assert r.doc_id == "d1" and DOC[r.start:r.end] == r.text == "Ana Ruiz"
    assert r.passage == 1 and r.answers and r.threshold == 0.5
    assert len(reader.reader.seen[0]) == 2  # depth: only the first two passages are read
    assert PassageReader(FakeReader({}), 3).read("q", passages) is None
    with pytest.raises(ValueError, match="depth must be >= 1, got 0"):
        PassageReader(FakeReader({}), depth=0)


class S:  # a ranked sentence, as far as promote() looks at it
    def __init__(self, doc_id, start, end):
        self.doc_id, self.start, self.end = doc_id, start, end


def test_promote_moves_the_sentence_holding_the_span_to_the_front():
    ranked = [S("d1", 0, 21), S("d2", 0, 50), S("d1", 21, 70)]
    r = Reading("d1", 32, 40, "Ana Ruiz", 2.0, 0.5, 0)
    assert promote(ranked, r) == [ranked[2], ranked[0], ranked[1]]
    assert promote(ranked, None) == ranked
    assert promote(ranked, Reading("d9", 1, 2, "x", 2.0, 0.5, 0)) == ranked


def test_reader_policy_decides_on_the_margin_and_supplies_the_short_answer():
    vm = VerdictMaker(model=None, policy="reader")
    ev = Evidence(True, "supported")
    yes = Reading("d1", 32, 40, "Ana Ruiz", 2.0, 0.5, 0)
    no = Reading("d1", 32, 40, "Ana Ruiz", 0.2, 0.5, 0)
    v = vm.judge("Who opened the bridge?", "person", ev, [], [], yes)
    assert v.answerable and "margin 2.00 > 0.50" in v.reason and v.features["reader_margin"] == 2.0
    v2 = vm.judge("Who opened the bridge?", "person", ev, [], [], no)
    assert not v2.answerable and "finds no answer" in v2.reason  # the gate said yes; the reader decides
    assert not vm.judge("q", None, ev, [], [], None).answerable

    cite = Citation(1, "d1", 21, 70, DOC[21:70])
    ans = vm.finish(Answer("Who opened the bridge?", "… [1]", [cite], []), v, "Who opened the bridge?", "person", yes)
    span = ans.answer_span
    assert (span.marker, span.start, span.end, span.text, span.label) == (1, 32, 40, "Ana Ruiz", "READER")
    # a span outside every cited sentence is not used: the NER finder answers instead
    other = Citation(1, "d1", 0, 21, DOC[0:21])
    ans2 = vm.finish(Answer("q", "… [1]", [other], []), v, "Who opened the bridge?", "person", yes)
    assert ans2.answer_span is None or ans2.answer_span.label != "READER"


def test_reader_span_finder_reads_the_cited_sentences_and_falls_back():
    cites = [Citation(1, "d1", 0, 21, DOC[0:21]), Citation(2, "d1", 21, 70, DOC[21:70]),
             Citation(3, "d1", 70, len(DOC), DOC[70:])]
    fake = FakeReader({0: ("Intro", 0.1), 1: ("Ana Ruiz", 2.0), 2: ("Later", 9.0)})
    span = ReaderSpanFinder(fake, max_citations=2).find("Who opened the bridge?", "person", cites)
    assert (span.marker, span.doc_id, span.start, span.end, span.label) == (2, "d1", 32, 40, "READER")
    assert DOC[span.start:span.end] == span.text == "Ana Ruiz"
    assert fake.seen == [[DOC[0:21], DOC[21:70]]]  # only the first two citations are read

    class Fallback:
        def find(self, question, answer_type, citations):
            return "fallback"

    assert ReaderSpanFinder(FakeReader({}), Fallback()).find("q", None, cites) == "fallback"
    assert ReaderSpanFinder(FakeReader({})).find("q", None, cites) is None
    with pytest.raises(ValueError, match="max_citations must be >= 1, got 0"):
        ReaderSpanFinder(fake, max_citations=0)


def test_reader_files_are_checked_and_bad_settings_named(tmp_path):
    with pytest.raises(ReaderUnavailable, match="reader.json"):
        OnnxReader(tmp_path)
    d = tmp_path / "r"
    shutil.copytree(DEFAULT_DIR, d)
    with pytest.raises(ValueError, match="max_answer must be >= 1, got 0"):
        OnnxReader(d, max_answer=0)
    with pytest.raises(ValueError, match="stride must be below half"):
        OnnxReader(d, max_length=64, stride=40)
    meta = json.loads((d / "reader.json").read_text())
    meta["sha256"]["model.onnx"] = "0" * 64
    (d / "reader.json").write_text(json.dumps(meta))
    with pytest.raises(ReaderUnavailable, match="does not match the sha256"):
        OnnxReader(d).read("q", ["text"])


def test_windows_cover_every_context_token_with_the_stride_as_overlap():
    r = OnnxReader(max_length=64, stride=16)
    q = list(range(10))
    for n in (0, 1, 20, 51, 52, 53, 200):
        w = r._windows(q, n)
        assert w[0][0] == 0 and w[-1][1] == n
        assert all(b - a <= 64 - len(q) - 3 for a, b in w)
        assert all(b0 - a1 == 16 for (_, b0), (a1, _) in zip(w, w[1:]))


@pytest.mark.slow
def test_shipped_reader_finds_answers_and_scores_an_unanswered_question_lower():
    """The real int8 model: each answer span is found with exact offsets in the right passage,
    and a question the passages do not answer gets a lower no-answer margin than any of them."""
    r = OnnxReader()
    texts = ["The city council met on Tuesday to discuss the budget for the coming year.",
             "The new bridge over the river was opened by the mayor, Ana Ruiz, in March 2019. "
             "It cost 40 million euros and took three years to build."]
    margins = []
    for question, want in (("Who opened the new bridge?", "Ana Ruiz"), ("How much did the bridge cost?", "40 million"),
                           ("When was the bridge opened?", "March 2019")):
        spans = r.read(question, texts)
        best = max((s for s in spans if s), key=lambda s: s.margin)
        assert texts[best.index][best.start:best.end] == best.text
        assert best.index == 1 and want in best.text, (question, best)
        margins.append(best.margin)
    none = r.best("What is the population of the city?", texts)
    assert none.margin < min(margins), (none, margins)


@pytest.mark.slow
def test_real_assistant_with_the_reader_cites_its_span_exactly(tmp_path):
    """Seed corpus, real index and reader: the reader's span is the short answer, lies inside
    the first cited sentence, and its offsets are exact in the document."""
    from pathlib import Path

    from index import ingest_paths
    from qa.assistant import Assistant
    from qa.components import build_index
    from qa.settings import Settings

    corpus = Path(__file__).resolve().parents[2] / "corpus"
    settings = Settings(data_dir=str(tmp_path / "data"), reader={"enabled": True})
    index = build_index(settings)
    assert not ingest_paths(index, [str(corpus)]).errors
    a = Assistant.from_settings(settings, index)
    ans = a.ask("Who accompanied Marzouq at the meetings in Moscow?")
    assert not ans.abstained, ans.verdict
    span = ans.answer_span
    assert span is not None and span.label == "READER", span
    assert index.get_document(span.doc_id).text[span.start:span.end] == span.text
    cited = next(c for c in ans.citations if c.marker == span.marker)
    assert cited.doc_id == span.doc_id and cited.start <= span.start < span.end <= cited.end
    # over passages: the reader's margin is reported and its span's sentence is cited
    wide = Assistant(Settings(data_dir=settings.data_dir, reader={"enabled": True, "scope": "passages"}), index)
    ans = wide.ask("Who accompanied Marzouq at the meetings in Moscow?")
    assert "reader_margin" in ans.verdict.features and "read" in ans.timings
    if not ans.abstained and ans.answer_span.label == "READER":
        assert index.get_document(ans.answer_span.doc_id).text[ans.answer_span.start:ans.answer_span.end] == \
            ans.answer_span.text


def _train_reader_module():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "train_reader.py"
    spec = importlib.util.spec_from_file_location("train_reader", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_training_contexts_cut_to_the_answer_sentences_keep_exact_offsets():
    tr = _train_reader_module()
    ctx = "The bridge opened in 2019. It was built by Ana Ruiz's firm. Nobody else bid."
    a0 = ctx.index("Ana Ruiz")
    exs = [{"id": "1", "para": "p", "question": "Who built it?", "context": ctx, "answers": [("Ana Ruiz", a0)]},
           {"id": "2", "para": "p", "question": "Why?", "context": ctx, "answers": []}]
    out = tr.sentence_examples(exs)
    assert len(out) == 1  # the unanswerable question has no answer sentence
    e = out[0]
    assert e["context"] == "It was built by Ana Ruiz's firm."
    text, start = e["answers"][0]
    assert e["context"][start:start + len(text)] == "Ana Ruiz"
    # the training labels point at the answer's tokens
    from transformers import AutoTokenizer

    from index.embedders import minilm_path

    feats = tr.features(AutoTokenizer.from_pretrained(minilm_path()), out + exs[1:], 256, 96)
    f = feats[0]
    assert ctx[a0:a0 + 8] == "Ana Ruiz" and f["offsets"][f["start"]] is not None
    got = e["context"][f["offsets"][f["start"]][0]:f["offsets"][f["end"]][1]]
    assert got == "Ana Ruiz"
    assert (feats[1]["start"], feats[1]["end"]) == (0, 0)  # no answer: [CLS]
