"""The learned reading components: the cross-encoder (real ONNX model), the sentence re-ranker,
the answerability judge, the short-answer extractor and their model files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from index import ScoredPassage
from index.types import Chunk
from qa.judge import AnswerabilityJudge, LinearModel
from qa.judge.features import FEATURES as JUDGE_FEATURES
from qa.quote import Sentence
from qa.rank import CrossEncoderRanker
from qa.rank.cross_encoder import CrossEncoder, ModelFilesError, verify
from qa.read.nlp import expected_type
from qa.read.spans import FEATURES as SPAN_FEATURES
from qa.read.spans import SpanExtractor
from qa.types import AnswerSpan, Verdict

DOC = ("Talks in Moscow\nThe delegation met the deputy foreign minister in Moscow on 4 February 2025. "
       "Mousa Abu Marzouk led the delegation. The talks lasted three hours.")


def sentences(doc_id: str = "d1", text: str = DOC) -> list[Sentence]:
    from qa.quote import candidate_sentences

    p = ScoredPassage(Chunk(f"{doc_id}#0", doc_id, 0, len(text), text), 1.0)
    return candidate_sentences([p])


class FakePairs:
    def __init__(self, scores: dict[str, float]):
        self.scores, self.calls = scores, 0

    def score(self, question, texts):
        self.calls += 1
        return np.array([self.scores.get(t, -5.0) for t in texts], np.float32)


def test_ranker_reorders_the_read_sentences_and_keeps_the_rest_below():
    ss = sentences()
    best = ss[2]
    ranker = CrossEncoderRanker(FakePairs({best.text: 4.0}), depth=2)
    out = ranker.rerank("q?", [ss[1], best, ss[0]])
    assert out[0] is best and out[0].ce == 4.0 and out[1].ce == -5.0
    assert out[2].ce is None and out[2].score < min(out[0].score, out[1].score)
    with pytest.raises(ValueError, match="depth must be >= 1, got 0"):
        CrossEncoderRanker(FakePairs({}), depth=0)


def test_checksum_mismatch_is_refused(tmp_path):
    folder = tmp_path / "models" / "data" / "reranker_x"
    folder.mkdir(parents=True)
    (folder / "model.onnx").write_bytes(b"not a model")
    (folder / "tokenizer.json").write_text("{}")
    (tmp_path / "models" / "checksums.json").write_text(json.dumps(
        {"reranker_x": {"model.onnx": "0" * 64, "tokenizer.json": "0" * 64}}))
    with pytest.raises(ModelFilesError, match="model.onnx does not match its checksum"):
        verify(folder)


def test_real_cross_encoder_prefers_the_answering_sentence():
    ce = CrossEncoder()
    q = "Who led the delegation?"
    texts = ["Mousa Abu Marzouk led the delegation.", "The talks lasted three hours.",
             "Bananas are rich in potassium."]
    s = ce.score(q, texts)
    assert s.shape == (3,) and s[0] > s[1] > s[2]
    assert np.allclose(ce.score(q, texts[:1]), s[:1])  # cached, same value


def test_linear_model_round_trip_and_bad_files(tmp_path):
    m = LinearModel(("a", "b"), np.zeros(2), np.ones(2), np.array([1.0, -1.0]), 0.0, 0.4)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(m.to_json()))
    back = LinearModel.load(path)
    assert back.threshold == 0.4 and back.proba(np.array([[2.0, 0.0]]))[0] > 0.8
    (tmp_path / "bad.json").write_text("{\"features\": [\"a\"]}")
    with pytest.raises(ValueError, match="cannot read the model file .*bad.json"):
        LinearModel.load(tmp_path / "bad.json")
    with pytest.raises(ValueError, match="coef has 1 values for 2 features"):
        LinearModel(("a", "b"), np.zeros(2), np.ones(2), np.ones(1), 0.0)


def test_judge_verdicts_from_a_given_model():
    coef = np.zeros(len(JUDGE_FEATURES))
    coef[JUDGE_FEATURES.index("ce1")] = 1.0
    judge = AnswerabilityJudge(LinearModel(JUDGE_FEATURES, np.zeros(len(coef)), np.ones(len(coef)), coef, 0.0))
    ss = sentences()
    ss[0].ce, ss[0].sem, ss[0].lex = 5.0, 0.5, 0.5
    yes = judge.judge("Who led the delegation?", [ss[0]])
    assert isinstance(yes, Verdict) and yes.answerable and yes.score > 0.9
    ss[0].ce = -5.0
    no = judge.judge("Who led the delegation?", [ss[0]])
    assert not no.answerable and "p=" in no.reason
    assert not judge.judge("anything?", []).answerable


def test_shipped_models_load_and_match_the_features():
    judge = AnswerabilityJudge.load()
    assert set(judge.model.features) <= set(JUDGE_FEATURES) and 0 < judge.threshold < 1
    assert SpanExtractor.load().model.features == SPAN_FEATURES


def test_expected_types_from_wh_words():
    assert expected_type("How many sailors were aboard?") == "number"
    assert expected_type("When did the talks start?") == "date"
    assert expected_type("Who led the delegation?") == "person"
    assert expected_type("Where was the ship seized?") == "place"
    assert expected_type("Describe the talks.") is None


def test_real_span_extractor_gives_a_short_exact_span():
    ex = SpanExtractor.load()
    ss = sentences()
    for s in ss:
        s.ce = 3.0
    cases = [("When did the delegation meet the deputy foreign minister?", ss[1], "February"),
             ("Who led the delegation?", ss[2], "Marzouk")]
    for q, s, want in cases:
        span = ex.extract(q, [s])
        assert isinstance(span, AnswerSpan) and want in span.text, (q, span)
        assert DOC[span.start:span.end] == span.text and len(span.text) < len(s.text)


def test_types_validate_their_values():
    with pytest.raises(ValueError, match="verdict score must be within"):
        Verdict(True, 1.5, "x")
    with pytest.raises(ValueError, match="answer span 3:9 does not match its text of length 2"):
        AnswerSpan("d", 3, 9, "ab")
    assert AnswerSpan("d", 0, 2, "ab").to_json() == {"doc_id": "d", "start": 0, "end": 2, "text": "ab"}


@pytest.mark.slow
def test_assistant_answers_carry_a_verdict_and_an_exact_short_span(make_index):
    from corpus import Document
    from qa.assistant import Assistant
    from qa.components import get_embedder
    from qa.settings import Settings

    doc = Document("harbor", "Ship seized", "Coast Daily", "2024-01-10",
                   "Ship seized\nCoast guards seized the cargo ship Aurora on Monday near the port of Varna. "
                   "The ship's captain, Ivan Petrov, was questioned by police. "
                   "The weather stayed calm for the rest of the week.")
    index = make_index(embedder=get_embedder("minilm"))
    index.write(doc)
    a = Assistant(Settings(), index)
    ans = a.ask("Who was the ship's captain questioned by police?")
    assert not ans.abstained and ans.verdict is not None and ans.verdict.answerable
    span = ans.answer_span
    assert span is not None and doc.text[span.start:span.end] == span.text and "Petrov" in span.text
    cited = ans.citations[0]
    assert cited.start <= span.start and span.end <= cited.end
    js = ans.to_json()
    assert js["verdict"]["answerable"] and js["answer_span"]["text"] == span.text

    no = a.ask("What did the Lithuanian president say about tariffs?")
    assert no.abstained and no.citations == [] and no.answer_span is None
    assert no.verdict is not None and not no.verdict.answerable and no.to_json()["verdict"]["reason"]
