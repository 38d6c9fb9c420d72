"""Model-based claim checks: misattributed speakers and numbers are caught, faithful
paraphrases pass. Unit tests with a fake scorer; real spaCy and the real ONNX cross-encoder."""

from __future__ import annotations

import numpy as np
import pytest

from index import Chunk, ScoredPassage
from qa.check.claims import Checker, Source
from qa.check.claim_judges import Attribution, ClaimJudge, Judgement, OnnxCrossEncoder, verified_model_dir

SPAN = ("According to another report, Abu Marzouk told the Russian Novosti news agency that the "
        "movement's visit was \"at the official invitation of the Russian Foreign Ministry.\"")
DOC = ("Visit to Moscow\nThe Israeli foreign ministry condemned the visit on Tuesday. " + SPAN +
       " The council approved 4 projects and 7 bridges on Monday.")


def source() -> Source:
    start = DOC.index("The Israeli")
    p = ScoredPassage(Chunk("m:0", "m", start, len(DOC), DOC[start:]), 1.0, title="Visit to Moscow",
                      outlet="Wire", published="2024-03-05")
    return Source.whole(1, p)


class FakeScorer:
    """Scores a pair by whether the query's first word appears in the text."""

    def __init__(self):
        self.calls = []

    def score(self, query: str, texts: list[str]) -> np.ndarray:
        self.calls.append((query, list(texts)))
        return np.array([5.0 if query.split()[0] in t else -5.0 for t in texts], dtype=np.float32)


def test_judge_with_a_fake_scorer_rejects_low_scores():
    judge = ClaimJudge(FakeScorer(), None, min_score=0.0)
    assert judge.check("Marzouk went", "Abu Marzouk went to Moscow.").ok
    bad = judge.check("Ministry went", "Abu Marzouk went to Moscow.")
    assert not bad.ok and bad.reasons[0].startswith("cross-encoder -5.00")
    with pytest.raises(ValueError, match="min_score"):
        ClaimJudge(FakeScorer())


def test_checker_drops_a_claim_its_judge_rejects(fake_embedder):
    class No:
        def check(self, claim, span):
            return Judgement("ministry" not in claim.lower(), None, ("speaker: ministry",))

    claim = "The Israeli foreign ministry condemned the visit on Tuesday [1]."
    assert Checker(fake_embedder).verify(claim, [source()]).unsupported == []
    v = Checker(fake_embedder, judge=No()).verify(claim, [source()])
    assert v.unsupported == [claim.replace(" [1]", "")] and v.citations == []
    assert "speaker: ministry" in v.checks[0].missing


@pytest.fixture(scope="module")
def attribution():
    return Attribution()


MISATTRIBUTED = ("The Israeli foreign ministry said that the visit was \"at the official invitation "
                 "of the Russian Foreign Ministry\" [1].")
FAITHFUL = "Abu Marzouk said the visit came at the official invitation of the Russian Foreign Ministry [1]."


def test_real_spacy_catches_a_misattributed_speaker(fake_embedder, attribution):
    # every word of the planted claim is in the source: overlap alone passes it
    assert Checker(fake_embedder).verify(MISATTRIBUTED, [source()]).unsupported == []
    checker = Checker(fake_embedder, judge=ClaimJudge(None, attribution))
    v = checker.verify(MISATTRIBUTED, [source()])
    assert len(v.unsupported) == 1 and any(m.startswith("speaker:") for m in v.checks[0].missing)
    ok = checker.verify(FAITHFUL, [source()])
    assert ok.unsupported == [] and ok.citations[0].quote == SPAN


def test_real_spacy_catches_a_number_given_to_the_wrong_noun(fake_embedder, attribution):
    checker = Checker(fake_embedder, judge=ClaimJudge(None, attribution))
    wrong = "The council approved 7 projects on Monday [1]."
    assert Checker(fake_embedder).verify(wrong, [source()]).unsupported == []  # '7' is in the source
    v = checker.verify(wrong, [source()])
    assert v.unsupported and "number: 7 project" in v.checks[0].missing
    assert checker.verify("On Monday the council approved four projects [1].", [source()]).unsupported == []


def test_attribution_reads_according_to_and_scaled_numbers(attribution):
    c = attribution.analyse("According to Abu Marzouk, 4.2 million dollars were paid.")
    assert [x.speaker for x in c.said] == [frozenset({"abu", "marzouk"})]
    assert ("4200000", "dollar") in c.numbers
    assert attribution.conflicts("He said 3 ships left.", "She said three ships left.") == []


def test_real_cross_encoder_is_verified_and_ranks_faithful_above_misattributed():
    d = verified_model_dir()
    assert (d / "model.onnx").is_file()
    ce = OnnxCrossEncoder()
    faithful, wrong, unrelated = ce.score(SPAN, [FAITHFUL, MISATTRIBUTED, "Heavy rain flooded the harbour."])
    assert faithful > wrong > unrelated
    assert ce.score("x", []).shape == (0,)


def test_nested_speech_gives_the_words_to_the_inner_speaker(attribution):
    span = ("Wang testified that he heard Bankman-Fried tell another trader that it was okay to "
            "keep withdrawing money from the account.")
    assert attribution.conflicts("According to Bankman-Fried, it was okay to keep withdrawing money.", span) == []
    assert attribution.conflicts("According to Wang, it was okay to keep withdrawing money.", span) == ["speaker: wang"]
    assert attribution.conflicts("Wang testified that Bankman-Fried said it was okay to keep withdrawing money.",
                                 span) == []
