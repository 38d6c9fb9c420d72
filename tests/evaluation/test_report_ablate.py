"""Reports are written with plots; ablation variants and overrides; SQuAD scoring."""

from __future__ import annotations

import base64
import json
import re

import pytest

from evaluation.ablate import Variant, apply_overrides, default_variants, parse_variant, run_ablation
from evaluation.gold import parse_item
from evaluation.report import markdown, write_report
from evaluation.runner import run_gold
from qa.settings import Settings

from eval_fakes import DOC, DOCS, FakeAssistant


@pytest.fixture
def items():
    return [
        parse_item({"id": "a", "question": "Who?", "answers": ["Abu Marzouk"], "type": "single_fact",
                    "answerable": True, "evidence": [{"doc": "d1", "quote": "Abu Marzouk"}]}, DOCS),
        parse_item({"id": "b", "question": "Hotel?", "answers": [], "type": "unanswerable",
                    "answerable": False, "evidence": []}, DOCS),
    ]


def fake(abstain_all: bool = False) -> FakeAssistant:
    return FakeAssistant({
        "Who?": ("Abu Marzouk led. [1]", abstain_all, [(DOC, 0, 31)], [(DOC, 0, 31)]),
        "Hotel?": ("", True, [], [(DOC, 32, 58)]),
    })


def test_report_files_with_embedded_plots(tmp_path, items):
    runs = [run_gold(fake(), items, m, progress=False).to_json() for m in ("quote", "llm")]
    report = {"meta": {"gold": "g.jsonl"}, "gold": runs,
              "squad": {"quote": {"exact": 50.0, "f1": 60.0, "latency": {"p50": 0.1}}}}
    paths = write_report(tmp_path / "out", report)
    assert json.loads(paths["json"].read_text())["gold"][0]["summary"]["accuracy"] == 1.0
    md = paths["md"].read_text()
    assert "## Gold set, quote mode" in md and "## Gold set, llm mode" in md and "SQuAD 2.0" in md
    assert "| single_fact | 1 |" in md
    page = paths["html"].read_text()
    pngs = dict(re.findall(r'alt="(\w+)" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page))
    assert set(pngs) == {"recall_at_k", "accuracy_by_type", "latency_hist"}
    assert all(base64.b64decode(b).startswith(b"\x89PNG") for b in pngs.values())
    assert "<table>" in page


def test_markdown_lists_incorrect_questions(items):
    run = run_gold(fake(abstain_all=True), items, "quote", progress=False).to_json()
    md = markdown({"gold": [run]})
    assert "Incorrect (1)" in md and "| a | single_fact | yes |" in md


def test_apply_overrides_nested_and_coerced():
    s = apply_overrides(Settings(), {"retrieval.mode": "bm25", "retrieval.k": "7", "answer_mode": "llm"})
    assert (s.retrieval.mode, s.retrieval.k, s.answer_mode) == ("bm25", 7, "llm")
    assert Settings().retrieval.mode == "articles"  # the original is untouched
    with pytest.raises(ValueError, match=r"unknown setting\(s\) retrieval\.nope"):
        apply_overrides(Settings(), {"retrieval.nope": 1})
    with pytest.raises(ValueError, match="retrieval.k: 'many' is not a valid"):
        apply_overrides(Settings(), {"retrieval.k": "many"})


def test_parse_variant_and_defaults():
    v = parse_variant("wide:llm:retrieval.k=10, retrieval.mode=dense")
    assert v == Variant("wide", "llm", {"retrieval.k": "10", "retrieval.mode": "dense"})
    assert parse_variant("plain").answer_mode == "quote"
    with pytest.raises(ValueError, match="not key=value"):
        parse_variant("x:quote:oops")
    with pytest.raises(ValueError, match="not quote or llm"):
        parse_variant("x:fast")
    names = [v.name for v in default_variants(Settings(), with_llm=True)]
    assert names[:3] == ["dense", "bm25", "hybrid"] and names[-1].endswith("/llm")


def test_run_ablation_one_table_and_skips_failing_variant(items):
    seen = []

    def make(settings):
        seen.append(settings.retrieval.mode)
        if settings.retrieval.mode == "bm25":
            raise RuntimeError("no bm25 here")
        return fake(abstain_all=settings.retrieval.mode == "dense")

    variants = [Variant("dense", "quote", {"retrieval.mode": "dense"}),
                Variant("bm25", "quote", {"retrieval.mode": "bm25"}),
                Variant("hybrid", "quote", {"retrieval.mode": "hybrid"})]
    errors = []
    table = run_ablation(make, Settings(), items, variants, progress=False,
                         on_error=lambda v, e: errors.append(v.name))
    assert seen == ["dense", "bm25", "hybrid"] and errors == ["bm25"]
    rows = {r["variant"]: r for r in table["rows"]}
    assert rows["hybrid"]["accuracy"] == 1.0 and rows["dense"]["accuracy"] == 0.5
    assert rows["hybrid"]["recall@5"] == 1.0
    assert table["skipped"][0]["variant"] == "bm25"
    md = markdown({"ablation": table})
    assert "| hybrid | quote |" in md and "skipped bm25" in md
