"""Gold files: the shipped gold set is valid, and bad files fail with clear messages."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from corpus import Document, load_paths
from evaluation.gold import GOLD_TYPES, GoldError, load_gold, locate

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

GOLD = REPO / "eval" / "gold.jsonl"
HELDOUT = REPO / "eval" / "heldout.jsonl"  # written independently of the system: for measurement, never tuning
TEST = REPO / "eval" / "test.jsonl"  # untouched final test set, written without seeing the system: report only, never tune
SHIPPED = [pytest.param(GOLD, 60, id="gold"), pytest.param(HELDOUT, 40, id="heldout"), pytest.param(TEST, 40, id="test")]
TEST_TYPE_COUNTS = {"single_fact": 9, "paraphrase": 7, "multi_doc": 5, "conflict": 3, "date": 4, "name_variant": 3,
                    "unanswerable": 9}


@pytest.fixture(scope="module")
def corpus_docs():
    loaded = load_paths([REPO / "corpus"])
    assert not loaded.errors
    return {d.doc_id: d for d in loaded.documents}


@pytest.mark.parametrize("path, min_items", SHIPPED)
def test_shipped_gold_set_every_quote_verbatim_and_every_doc_known(corpus_docs, path, min_items):
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for obj in raw:  # independent of the loader: plain substring checks
        for ev in obj["evidence"]:
            assert ev["doc"] in corpus_docs, f"{obj['id']}: unknown doc {ev['doc']}"
            assert ev["quote"] in corpus_docs[ev["doc"]].text, f"{obj['id']}: quote not verbatim"
    items = load_gold(path, corpus_docs)
    assert len(items) >= min_items
    for it in items:
        for ev in it.evidence:
            for s, e in ev.spans:
                assert corpus_docs[ev.doc_id].text[s:e] == ev.quote


@pytest.mark.parametrize("path, required_types, min_unanswerable", [
    pytest.param(GOLD, set(GOLD_TYPES), 10, id="gold"),
    pytest.param(HELDOUT, set(GOLD_TYPES) - {"name_variant"}, 9, id="heldout"),
    pytest.param(TEST, set(GOLD_TYPES), 9, id="test"),
])
def test_shipped_gold_set_covers_every_type(corpus_docs, path, required_types, min_unanswerable):
    items = load_gold(path, corpus_docs)
    counts = Counter(it.type for it in items)
    assert set(counts) == required_types
    assert counts["unanswerable"] >= min_unanswerable
    assert all(not it.answers and not it.evidence for it in items if it.type == "unanswerable")
    assert all(it.answerable and len(it.answers) >= 1 for it in items if it.type != "unanswerable")
    assert all(len({e.doc_id for e in it.evidence}) >= 2 for it in items if it.type == "multi_doc")
    assert len({it.id for it in items}) == len(items)


def test_final_test_set_has_the_planned_mix(corpus_docs):
    items = load_gold(TEST, corpus_docs)
    assert Counter(it.type for it in items) == TEST_TYPE_COUNTS
    assert all(it.id.startswith(f"test-{it.type}-") for it in items)
    conflicts = [it for it in items if it.type == "conflict"]
    assert all(len({e.doc_id for e in it.evidence}) >= 2 and len(it.answers) >= 2 for it in conflicts)


DOC = Document("d1", "T", "O", None, "Alpha beta gamma. Beta again beta.")


def write(tmp_path, *objs) -> str:
    p = tmp_path / "gold.jsonl"
    p.write_text("\n".join(o if isinstance(o, str) else json.dumps(o) for o in objs) + "\n", encoding="utf-8")
    return str(p)


def item(**kw) -> dict:
    base = {"id": "q1", "question": "What?", "answers": ["gamma"], "evidence": [{"doc": "d1", "quote": "beta gamma"}],
            "type": "single_fact", "answerable": True}
    return {**base, **kw}


def test_spans_are_computed_from_the_document(tmp_path):
    [it] = load_gold(write(tmp_path, item(evidence=[{"doc": "d1", "quote": "beta"}])), {"d1": DOC})
    assert it.evidence[0].spans == ((6, 10), (29, 33))  # every occurrence, exact
    assert locate("beta", DOC.text) == it.evidence[0].spans
    assert it.evidence[0].overlaps("d1", 30, 31) and not it.evidence[0].overlaps("d1", 10, 29)


def test_bad_quote_is_named_with_line_and_fix(tmp_path):
    path = write(tmp_path, item(), item(id="q2", evidence=[{"doc": "d1", "quote": "Beta  gamma"}]))
    with pytest.raises(GoldError, match=r"gold.jsonl:2 \(id 'q2'\).*does not occur verbatim in document 'd1'"):
        load_gold(path, {"d1": DOC})


def test_unknown_doc_is_named(tmp_path):
    with pytest.raises(GoldError, match=r"unknown document 'nope'.*qa ingest"):
        load_gold(write(tmp_path, item(evidence=[{"doc": "nope", "quote": "x"}])), {"d1": DOC})


def test_lookup_function_is_accepted(tmp_path):
    items = load_gold(write(tmp_path, item()), {"d1": DOC}.get)
    assert items[0].evidence[0].start == 6


@pytest.mark.parametrize("obj, message", [
    ("{not json", "not valid JSON"),
    (item(type=""), "'type' must be a non-empty string"),
    (item(type=3), "'type' must be a non-empty string"),
    (item(answers=[]), "answerable but lists no answers"),
    (item(answerable=False, evidence=[]), "unanswerable but lists answers"),
    (item(answerable="yes"), "'answerable' must be true or false"),
    ({"id": "q9", "question": "?"}, "missing field"),
    (item(evidence=[]), "answerable item has no evidence"),
    (item(evidence=[{"doc": "d1", "quote": ""}]), "empty quote"),
])
def test_validation_errors(tmp_path, obj, message):
    with pytest.raises(GoldError, match=message):
        load_gold(write(tmp_path, obj), {"d1": DOC})


def test_any_type_is_accepted_and_reported_by(tmp_path):
    """Gold files from others use their own types ('single', 'trivia'); each is reported by it."""
    from eval_fakes import FakeAssistant

    from evaluation.runner import run_gold

    path = write(tmp_path, item(type="single"), item(id="q2", type="trivia"))
    items = load_gold(path, {"d1": DOC})
    assert [i.type for i in items] == ["single", "trivia"]
    with pytest.raises(GoldError, match="unknown type 'single'"):
        load_gold(path, {"d1": DOC}, types=GOLD_TYPES)
    fake = FakeAssistant({i.question: ("x", True, [], []) for i in items})
    run = run_gold(fake, items, progress=False)
    assert set(run.by_type) == {"single", "trivia"} and run.by_type["single"]["n"] == 1


def test_duplicate_ids_and_empty_file(tmp_path):
    with pytest.raises(GoldError, match="duplicate id 'q1'"):
        load_gold(write(tmp_path, item(), item()), {"d1": DOC})
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(GoldError, match="no items"):
        load_gold(empty, {"d1": DOC})
    with pytest.raises(GoldError, match="cannot read"):
        load_gold(tmp_path / "missing.jsonl", {"d1": DOC})
