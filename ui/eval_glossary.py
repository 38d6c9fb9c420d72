"""What the Evaluation tab's abbreviations and figures mean (a legend under the reports), and
readable captions for the figure files evaluation/report.py names."""

from __future__ import annotations

from .render_chips import esc

TERMS = (
    ("recall@k", "share of the gold evidence quotes covered by the top k retrieved passages"),
    ("MRR / MRR@10", "mean reciprocal rank: 1 / the rank of the first relevant passage, averaged (1 = always first)"),
    ("nDCG@10", "normalised discounted cumulative gain over the top 10: rewards relevant passages ranked high (0–1)"),
    ("Recall@100", "share of relevant documents among the top 100 retrieved (BEIR)"),
    ("accuracy", "share of questions answered correctly, refusals of unanswerable questions included"),
    ("answer acc", "accuracy over the answerable questions only"),
    ("refusal acc", "share of unanswerable questions the assistant rightly refused"),
    ("false refusal", "share of answerable questions the assistant wrongly refused"),
    ("contains", "share of answers that contain a gold answer string"),
    ("EM / F1", "exact match / token overlap (harmonic mean of precision and recall) with the gold answer"),
    ("cite P / cite R", "citation precision: share of citations that overlap gold evidence or contain the "
                        "answer / citation recall: share of gold evidence quotes some citation overlaps"),
    ("hit@k", "share of questions with at least one gold evidence quote in the top k passages"),
    ("p50 / p95", "median / 95th-percentile latency"),
    ("95% CI", "95% bootstrap confidence interval of a mean"),
    ("Δ", "difference from the first (reference) configuration"),
    ("reliability", "answerability score against how often such answers were right; the diagonal is perfect calibration"),
)

CAPTIONS = {
    "recall_at_k": "Evidence recall@k: how much gold evidence is in the top k passages",
    "accuracy_by_type": "Accuracy by question type, per answer mode",
    "latency_hist": "Latency per question (ms), per answer mode",
    "suite_reliability": "Reliability: answerability score vs. share answered correctly",
}


def caption(name: str) -> str:
    if name in CAPTIONS:
        return CAPTIONS[name]
    if name.startswith("suite_"):
        bench = name[len("suite_"):]
        if bench.endswith("_by_type"):
            return f"{bench[:-len('_by_type')]}: metrics by question type (mean, 95% CI)"
        return f"{bench}: metrics by configuration (mean, 95% CI)"
    return name.replace("_", " ")


def glossary_html() -> str:
    items = "".join(f'<dt><abbr title="{esc(text)}">{esc(term)}</abbr></dt><dd>{esc(text)}</dd>'
                    for term, text in TERMS)
    return (f'<details class="qa-eval-help" open><summary>What the metrics and plots mean</summary>'
            f'<dl>{items}</dl></details>')
