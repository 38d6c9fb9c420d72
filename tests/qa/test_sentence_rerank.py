"""Quote mode's cross-encoder second stage over sentences: the head re-ordered, scores kept on the
first stage's scale (the ratio rules downstream), the tail under the head, validation, the
settings wiring, and the real ONNX cross-encoder choosing the answering sentence."""

from __future__ import annotations

import numpy as np
import pytest

from index import Chunk, ScoredPassage
from qa.answer.quote import QuoteAnswerer, SentenceScorer, candidate_sentences, select_sentences
from qa.answer.sentence_rerank import SentenceReranker
from qa.types import Sentence

from fakes import WordScorer


def _sentences(scores_texts):
    text = " ".join(t for _, t in scores_texts)
    p = ScoredPassage(Chunk("d#0", "d", 0, len(text), text), 1.0)
    out, pos = [], 0
    for i, (score, t) in enumerate(scores_texts):
        out.append(Sentence("d", pos, pos + len(t), t, p, 0, score=score))
        pos += len(t) + 1
    return out


def test_the_head_is_reordered_by_the_cross_encoder_on_the_first_stage_scale():
    ranked = _sentences([(0.9, "the weather was cold."), (0.8, "talks resume in may."),
                         (0.7, "berg led the oslo delegation."), (0.6, "berg led oslo talks again.")])
    scorer = WordScorer(offset=-2.0)
    out = SentenceReranker(scorer, depth=3).rerank("who led the oslo delegation", ranked)
    assert [s.text for s in out][:3] == ["berg led the oslo delegation.", "the weather was cold.",
                                         "talks resume in may."]
    assert scorer.calls == [("who led the oslo delegation", [s.text for s in ranked[:3]])]  # one call, depth pairs
    assert out[0].score == pytest.approx(0.9)  # the best keeps the best first-stage score
    sig = lambda x: 1 / (1 + np.exp(-x))
    assert out[1].score == pytest.approx(0.9 * sig(-1.0) / sig(2.0))  # 'the' matches: 1 - 2
    assert out[3].text == "berg led oslo talks again." and out[3].score < min(s.score for s in out[:3])
    assert [s.ce for s in out] == [2.0, -1.0, -2.0, None]  # the logits it read, kept for the verdict
    assert [s.score for s in out] == sorted((s.score for s in out), reverse=True)


def test_the_best_logit_is_a_verdict_feature():
    from types import SimpleNamespace

    from qa.evidence.answerability import evidence_features

    evidence = SimpleNamespace(passed=True, best_sem=0.5, best_lex=0.5, missing=())
    ranked = _sentences([(0.9, "a b c."), (0.8, "d e f.")])
    assert evidence_features(evidence, ranked, [], False, False)["best_ce"] == 0.0  # second stage off
    ranked = SentenceReranker(WordScorer(offset=-2.0), depth=2).rerank("d e f", ranked)
    assert evidence_features(evidence, ranked, [], False, False)["best_ce"] == 1.0


def test_a_further_sentence_is_quoted_only_when_the_cross_encoder_rates_it_near_the_best():
    ranked = _sentences([(0.9, "the weather was cold."), (0.88, "berg led the oslo delegation."),
                         (0.87, "berg led the oslo delegation twice.")])
    before = [s.text for g in select_sentences(list(ranked), 3, rel=0.85, follow=2.0) for s in g]
    assert before[0] == "the weather was cold."
    out = SentenceReranker(WordScorer(offset=-2.0), depth=3).rerank("who led the oslo delegation", ranked)
    after = [s.text for g in select_sentences(out, 3, rel=0.85, follow=2.0) for s in g]
    assert after == ["berg led the oslo delegation.", "berg led the oslo delegation twice."]


def test_short_lists_and_validation():
    one = _sentences([(0.5, "only one sentence here.")])
    scorer = WordScorer(offset=-2.0)
    assert SentenceReranker(scorer, depth=5).rerank("q", one) == one and scorer.calls == []
    with pytest.raises(ValueError, match="depth must be >= 1, got 0"):
        SentenceReranker(scorer, depth=0)
    with pytest.raises(TypeError, match="score\\(query, texts\\)"):
        SentenceReranker(object(), depth=3)

    class Short:
        def score(self, query, texts):
            return np.zeros(1)

    with pytest.raises(ValueError, match="gave \\(1,\\) scores for 2 sentences"):
        SentenceReranker(Short(), depth=3).rerank("q", _sentences([(0.5, "a b c."), (0.4, "d e f.")]))


def test_settings_turn_the_second_stage_on(tmp_path):
    from qa import Settings
    from qa.components import sentence_reranker

    seed_settings = Settings.load(data_dir=str(tmp_path))

    assert sentence_reranker(seed_settings.with_overrides({"scoring": {"rerank_depth": 0}})) is None
    r = sentence_reranker(seed_settings.with_overrides({"scoring": {"rerank_depth": 7}}))
    assert isinstance(r, SentenceReranker) and r.depth == 7


TEXT = ("Leaders met in Oslo on Monday to discuss fishing quotas. The meeting was chaired by the "
        "Norwegian prime minister. Fishing quotas have been cut three times since 2019. "
        "The talks ended with an agreement signed by Anna Berg, the trade minister.")


def test_real_cross_encoder_puts_the_answering_sentence_first(fake_embedder):
    """The first stage (cosine of a fake embedder, term overlap) prefers the sentence that
    repeats the question's words; the real ms-marco cross-encoder picks the one that answers."""
    from index.cross_encoder import shared_cross_encoder

    p = ScoredPassage(Chunk("d#0", "d", 0, len(TEXT), TEXT), 1.0, title="Quota talks")
    question = "Who signed the fishing quotas agreement?"
    plain = QuoteAnswerer(SentenceScorer(fake_embedder))
    reranked = QuoteAnswerer(SentenceScorer(fake_embedder), reranker=SentenceReranker(shared_cross_encoder(256), 4))
    first = reranked.rank(question, [p])
    assert "Anna Berg" in first[0].text
    assert len(first) == len(plain.rank(question, [p])) == len(candidate_sentences([p]))
    assert all(TEXT[s.start:s.end] == s.text for s in first)
