"""BEIR loading, metrics by hand, max-pooling, and the index built and reused from its cache."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from index import Chunk, ScoredPassage
from evaluation import beir as B

DOCS = [
    {"_id": "d1", "title": "Zebra stripes", "text": "Zebra stripes deter biting flies. They also cool the skin."},
    {"_id": "d2", "title": "Penguin diving", "text": "Emperor penguins dive below five hundred metres."},
    {"_id": "d3", "title": "", "text": "Volcanic ash grounds aircraft across northern Europe."},
    {"_id": "d4", "title": "Coral bleaching", "text": "Warm water makes corals expel their algae."},
]
QUERIES = [
    {"_id": "1", "text": "why do zebra have stripes"},
    {"_id": "2", "text": "how deep do emperor penguins dive"},
    {"_id": "3", "text": "volcanic ash aircraft"},
    {"_id": "9", "text": "a query without judgements"},
]


def write_beir(root: Path, *, splits: bool = True) -> Path:
    folder = root / "tiny-beir"
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    (folder / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in QUERIES))
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n1\td1\t1\n2\td2\t1\n3\td3\t1\n3\td4\t1\n")
    if splits:
        (folder / "splits.tsv").write_text(
            "query-id\tbeir_split\tsuggested_split\n1\ttest\tdev\n2\ttest\ttest\n3\ttest\tdev\n9\ttest\ttest\n"
        )
    return folder


def test_load_beir_documents_queries_qrels_and_halves(tmp_path):
    folder = write_beir(tmp_path)
    data = B.load_beir(folder)
    assert [d.doc_id for d in data.docs] == ["d1", "d2", "d3", "d4"]
    assert data.docs[0].text == "Zebra stripes\nZebra stripes deter biting flies. They also cool the skin."
    assert data.docs[0].title == "Zebra stripes"
    assert data.docs[2].text == DOCS[2]["text"] and data.docs[2].title is None
    assert set(data.queries) == {"1", "2", "3"}  # the unjudged query is left out
    assert data.qrels["3"] == {"d3": 1.0, "d4": 1.0}
    assert set(B.load_beir(folder, subset="dev").queries) == {"1", "3"}
    assert set(B.load_beir(folder, subset="test").queries) == {"2"}


def test_halves_fall_back_to_the_readme_hash_rule(tmp_path):
    folder = write_beir(tmp_path, splits=False)
    dev = set(B.load_beir(folder, subset="dev").queries)
    test = set(B.load_beir(folder, subset="test").queries)
    assert dev | test == {"1", "2", "3"} and not dev & test
    assert all(B.hash_split(q, "tiny-beir") == "dev" for q in dev)


def test_hash_split_matches_the_shared_splits_file():
    splits = B.bench_dir() / "beir-scifact" / "splits.tsv"
    if not splits.is_file():
        pytest.skip(f"{splits} not present")
    rows = [line.split("\t") for line in splits.read_text().splitlines()[1:]]
    halves = [(qid, half.strip()) for qid, beir_split, half in rows if beir_split == "test"]
    assert len(halves) == 300
    assert all(B.hash_split(qid) == half for qid, half in halves)
    assert sum(half == "dev" for _, half in halves) == 153


def test_missing_file_is_named(tmp_path):
    folder = write_beir(tmp_path)
    (folder / "qrels" / "test.tsv").unlink()
    with pytest.raises(FileNotFoundError, match=r"qrels/test\.tsv is missing"):
        B.load_beir(folder)
    with pytest.raises(ValueError, match="unknown subset 'train'"):
        B.load_beir(write_beir(tmp_path / "x"), subset="train")


def test_metrics_by_hand():
    qrels = {"a": {"d1": 1.0}, "b": {"d3": 1.0, "d4": 1.0}, "c": {"d9": 1.0}}
    rankings = {"a": ["d2", "d1"], "b": ["d3", "x", "d4"], "c": []}
    r = B.score_rankings("hand", rankings, qrels)
    ndcg_a = 1 / math.log2(3)
    ndcg_b = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert r.per_query == pytest.approx({"a": ndcg_a, "b": ndcg_b, "c": 0.0})
    assert r.ndcg10 == pytest.approx((ndcg_a + ndcg_b) / 3)
    assert r.mrr10 == pytest.approx((0.5 + 1.0 + 0.0) / 3)
    assert r.recall100 == pytest.approx((1 + 1 + 0) / 3)
    assert r.n_queries == 3


def _p(chunk_id: str, score: float) -> ScoredPassage:
    doc = chunk_id.split("#")[0]
    return ScoredPassage(Chunk(chunk_id, doc, 0, 1, "x"), score)


def test_doc_ranking_max_pools_chunks():
    assert B.doc_ranking([_p("a#0001", 0.9), _p("b#0000", 0.8), _p("a#0000", 0.7), _p("c#0000", 0.1)]) == ["a", "b", "c"]


def test_index_built_once_then_reused_and_variants_scored(tmp_path, fake_embedder):
    folder = write_beir(tmp_path)
    data = B.load_beir(folder)
    index = B.open_beir_index(data, fake_embedder, root=tmp_path / "cache")
    embedded = fake_embedder.texts_embedded
    assert embedded == 4  # one chunk per short document
    assert {r for r in index.records()} == {"d1", "d2", "d3", "d4"}
    again = B.open_beir_index(data, fake_embedder, root=tmp_path / "cache")
    assert fake_embedder.texts_embedded == embedded  # nothing embedded twice
    assert index.store.data_dir == again.store.data_dir
    assert list((tmp_path / "cache" / "beir").glob("*/complete.json"))

    fns = B.build_variants(again, ["dense", "bm25", "hybrid-rrf", "pipeline", "rerank"], depth=10,
                           rerank_embedder=fake_embedder, root=tmp_path / "cache")
    result = B.evaluate(data, fns)
    by = {v.name: v for v in result.variants}
    assert list(by) == ["dense", "bm25", "hybrid-rrf", "pipeline", "rerank"]
    # every query shares its key words with its relevant documents only
    assert by["bm25"].per_query["1"] == 1.0 and by["bm25"].per_query["2"] == 1.0
    # query 3 has two relevant documents and only d3 shares its words: rank 1 of 2 found
    assert by["bm25"].per_query["3"] == pytest.approx(1 / (1 + 1 / math.log2(3)))
    assert by["bm25"].recall100 == pytest.approx((1 + 1 + 0.5) / 3)
    assert by["rerank"].n_queries == 3
    assert result.to_json()["variants"][0]["name"] == "dense"
    assert "per_query" not in result.to_json()["variants"][0]


def test_unknown_variant_is_named(tmp_path, fake_embedder):
    data = B.load_beir(write_beir(tmp_path))
    index = B.open_beir_index(data, fake_embedder, root=tmp_path / "cache")
    with pytest.raises(ValueError, match="unknown variant.*colbert"):
        B.build_variants(index, ["colbert"])


def test_lexical_variants_need_no_vector_index(tmp_path, fake_embedder):
    data = B.load_beir(write_beir(tmp_path))
    fns = B.lexical_variants(data.docs, depth=10, rerank_embedder=fake_embedder, root=tmp_path / "cache")
    assert list(fns) == ["bm25", "bm25+fake"]
    by = {v.name: v for v in B.evaluate(data, fns).variants}
    assert by["bm25"].per_query["1"] == 1.0 and by["bm25"].recall100 == pytest.approx(2.5 / 3)
    assert fake_embedder.texts_embedded <= 4  # only the re-scored passages, once each
    assert by["bm25+fake"].recall100 == by["bm25"].recall100  # re-scoring reorders, never drops
