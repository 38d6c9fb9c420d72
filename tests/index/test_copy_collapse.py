"""Syndicated copies in retrieval (real Chroma + SQLite registry, real MinHash clusters, fake
embedder): a copy's passage is replaced by its earliest copy's chunk; a copy the filters
single out stays, marked as the same story."""

from __future__ import annotations

import pytest

from corpus import Document
from index import Filters, ingest_documents

from fakes import plain_retriever
from index.syndication import CopyCollapser, containment

from test_duplicates import STORY  # a wire story long enough to cluster

DOCS = [
    Document("copy", "Bank raises rates", "Daily B", "2024-05-03", "By Staff Writer\n" + STORY),
    Document("head", "Rates up", "Wire Service", "2024-05-02", STORY),
    Document("other", "Floods", "Daily B", "2024-05-02",
             "Heavy rain flooded the river valley on Monday and hundreds of people left their homes. "
             "Rescue teams used boats to reach villages cut off by the water."),
]
QUERY = "What did the governor say about further interest rate increases?"


@pytest.fixture
def index(make_index):
    index = make_index()
    ingest_documents(index, DOCS)
    assert index.records(fresh=True)["copy"].dup_of == "head"
    return index


def _check(index, passages):
    for p in passages:
        assert index.get_document(p.doc_id).text[p.start:p.end] == p.text


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_copies_collapse_onto_the_earliest(index, mode):
    found = plain_retriever(index).retrieve(QUERY, 5, mode)
    assert "copy" not in {p.doc_id for p in found}
    assert "head" in {p.doc_id for p in found}
    assert len({p.chunk.chunk_id for p in found}) == len(found)  # no chunk twice
    _check(index, found)


def test_without_collapse_both_copies_are_retrieved(index):
    found = plain_retriever(index, collapse_copies=False).retrieve(QUERY, 5, "bm25")
    assert {"copy", "head"} <= {p.doc_id for p in found}
    assert {p.story for p in found if p.doc_id in ("copy", "head")} == {"head"}  # still one story


def test_a_copy_the_filters_select_stays_as_the_same_story(index):
    found = plain_retriever(index).retrieve(QUERY, 5, "hybrid", Filters(outlets=("Daily B",)))
    copies = [p for p in found if p.doc_id == "copy"]
    assert copies and all(p.dup_of == "head" and p.story == "head" for p in copies)
    assert all(p.story == p.doc_id for p in found if p.doc_id == "other")
    _check(index, found)


def test_containment_measures_shared_word_trigrams():
    assert containment("the cat sat on the mat", "yesterday the cat sat on the mat again") == 1.0
    assert containment("the cat sat on the mat", "a dog ran in the park") == 0.0
    assert containment("", "anything") == 0.0


def test_collapser_validates_its_level(index):
    with pytest.raises(ValueError, match="min_containment"):
        CopyCollapser(index, min_containment=0.0)
