"""RealTime QA, MultiHop-RAG and RGB: loaders on tiny files in each format, and the runners'
scoring with an assistant that honours filters."""

from __future__ import annotations

import pytest
from bench_fixtures import OverlapAssistant, write_bench

from evaluation import benchmarks as B
from evaluation.answers import pick_choice, support, view
from evaluation.news_bench import run_multihop, run_realtimeqa, run_rgb
from qa.types import Answer


@pytest.fixture()
def bench(tmp_path):
    return write_bench(tmp_path / "bench")


def by(records, qid, qtype):
    return next(r for r in records if r["id"] == qid and r["type"] == qtype)


def test_loaders_honour_the_splits_and_make_safe_ids(bench):
    docs, qs = B.load_realtimeqa(bench / "realtimeqa", "dev")
    assert [q.id for q in qs] == ["q1", "q2"]  # q3 is test, q9 not in the corpus subset
    assert {d.doc_id for d in docs} >= {"gcs_q1_0", "ev_q1"}
    assert qs[0].as_of == "2022-06-23" and qs[0].evidence_doc == "ev_q1"
    assert set(qs[0].answer_docs) == {"gcs_q1_0", "ev_q1"} and qs[1].nota_is_answer and not qs[0].nota_is_answer
    assert [q.id for q in B.load_realtimeqa(bench / "realtimeqa", "all")[1]] == ["q1", "q2", "q3"]
    docs, qs = B.load_multihop(bench / "multihop-rag-subset500", "test")
    assert [q.id for q in qs] == ["3"] and qs[0].facts == ("mh_f0000",)
    assert docs[0].outlet == "The Verge" and docs[0].published == "2023-09-26"
    docs, qs = B.load_rgb(bench / "rgb-en-fact", "dev")
    assert qs[1].answers == ("Spain", "Spanish team") and qs[0].positive_wrong == ("rgb_0_wrong_0",)
    with pytest.raises(ValueError, match="unknown split 'train'"):
        B.load_rgb(bench / "rgb-en-fact", "train")
    with pytest.raises(FileNotFoundError, match="corpus_subset.jsonl not found"):
        B.load_realtimeqa(bench / "nowhere", "dev")


def test_realtimeqa_free_form_choice_nota_and_evidence_removed(bench):
    docs, qs = B.load_realtimeqa(bench / "realtimeqa", "dev")
    fake = OverlapAssistant(docs)
    recs = run_realtimeqa(fake, qs, [d.doc_id for d in docs], progress=False)
    assert sorted((r["id"], r["type"]) for r in recs) == [
        ("q1", "evidence_removed"), ("q1", "free_form"), ("q2", "evidence_removed"), ("q2", "free_form"), ("q2", "nota")]
    q1 = by(recs, "q1", "free_form")["metrics"]
    assert q1["accuracy"] == 1.0 and q1["mc_accuracy"] == 1.0 and q1["citation_precision"] == 1.0
    assert q1["ev_recall@1"] == 1.0 and "span_em" not in q1  # no answer_span on this Answer
    assert by(recs, "q2", "nota")["correct"] and by(recs, "q2", "nota")["metrics"]["refusal"] == 1.0
    removed = by(recs, "q1", "evidence_removed")
    assert removed["answerable"] is False and removed["abstained"] and removed["metrics"]["refusal"] == 1.0
    # the evidence-removed ask could not see ev:q1 nor any doc with the answer string
    allowed = set(fake.calls[1]["filters"].doc_ids)
    assert "ev_q1" not in allowed and "gcs_q1_0" not in allowed and "gcs_q1_1" in allowed
    assert fake.calls[0]["as_of"] == "2022-06-23"


def test_realtimeqa_uses_answer_span_and_verdict_when_present(bench):
    docs, qs = B.load_realtimeqa(bench / "realtimeqa", "dev")

    class WithSpan(OverlapAssistant):
        def ask(self, question, mode=None, k=None, filters=None, as_of=None):
            ans = super().ask(question, mode, k, filters, as_of)
            ans.answer_span = {"doc_id": "ev_q1", "start": 0, "end": 8, "text": "Colombia" if "country" in question else "Toyota"}
            ans.verdict = {"answerable": True, "score": 0.9, "reason": "test"}
            return ans

    recs = run_realtimeqa(WithSpan(docs), qs, [d.doc_id for d in docs], progress=False, evidence_removed=False)
    assert by(recs, "q1", "free_form")["metrics"]["span_em"] == 1.0
    assert by(recs, "q2", "free_form")["metrics"]["span_f1"] == 0.0
    assert by(recs, "q1", "free_form")["score"] == 0.9
    assert not any(r["type"] == "evidence_removed" for r in recs)


def test_choice_picking_is_containment_first_and_never_guesses():
    v = view(Answer("q", "Gustavo Petro won in Colombia [1]", []))
    assert support("Colombia", v) == 1.0 and support("Ecuador", v) == 0.0
    assert pick_choice(["Thailand", "Colombia", "Ecuador"], v) == 1
    assert pick_choice(["Thailand", "Ecuador"], v) is None  # supports none: no pick
    assert pick_choice(["Colombia", "Colombia"], v) is None  # a tie: no pick
    assert pick_choice(["Colombia"], view(Answer("q", "x", [], abstained=True))) is None


def test_multihop_accuracy_by_type_refusal_and_fact_recall(bench):
    docs, qs = B.load_multihop(bench / "multihop-rag-subset500", "dev")
    recs = run_multihop(OverlapAssistant(docs), qs, progress=False)
    assert by(recs, "0", "inference_query")["correct"] and by(recs, "0", "inference_query")["metrics"]["fact_recall@1"] == 1.0
    assert not by(recs, "1", "comparison_query")["correct"]  # "Yes" never appears in a quoted sentence
    null = by(recs, "2", "null_query")
    assert null["answerable"] is False and null["correct"] and null["metrics"]["refusal"] == 1.0


def test_rgb_true_counterfactual_and_mixed_protocols(bench):
    docs, qs = B.load_rgb(bench / "rgb-en-fact", "dev")
    fake = OverlapAssistant(docs)
    recs = run_rgb(fake, qs, progress=False)
    assert len(recs) == 6
    assert by(recs, "0", "true")["metrics"]["accuracy"] == 1.0
    cf = by(recs, "0", "counterfactual")["metrics"]
    assert cf == {"error_detection": 0.0, "error_correction": 0.0, "fake_answer_rate": 1.0}
    assert by(recs, "1", "mixed")["metrics"]["conflict_detected"] == 0.0
    assert set(fake.calls[1]["filters"].doc_ids) == {"rgb_0_wrong_0", "rgb_0_neg_0"}

    class Refuser(OverlapAssistant):  # refusing on planted errors counts as detecting them
        def ask(self, question, mode=None, k=None, filters=None, as_of=None):
            if any("wrong" in d for d in filters.doc_ids):
                return Answer(question, "The articles don't say.", [], abstained=True)
            return super().ask(question, mode, k, filters, as_of)

    recs = run_rgb(Refuser(docs), qs, progress=False, mixed=False)
    assert all(r["metrics"]["error_detection"] == 1.0 for r in recs if r["type"] == "counterfactual")


def test_rgb_needs_filters(bench):
    docs, qs = B.load_rgb(bench / "rgb-en-fact", "dev")

    class NoFilters:
        def ask(self, question, mode=None, k=None):
            raise AssertionError("not reached")

    with pytest.raises(ValueError, match="takes filters"):
        run_rgb(NoFilters(), qs, progress=False)
