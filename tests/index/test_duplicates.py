"""Syndicated copies: MinHash near-duplicates are clustered at ingest (real datasketch, real
Chroma + SQLite registry); the earliest copy heads the cluster; removal re-clusters."""

from __future__ import annotations

from corpus import Document
from index import ingest_documents
from index.duplicates import DuplicateDetector

STORY = (
    "The central bank raised its main interest rate by half a percentage point on Thursday, "
    "the largest increase in two decades, as it tried to bring down inflation that has reached "
    "its highest level in forty years. The governor said further increases were likely in the "
    "coming months if prices kept rising. Markets had expected a smaller move, and the currency "
    "rose sharply after the announcement. Economists warned that higher borrowing costs would "
    "slow the housing market and could tip the economy into a recession next year."
)


def docs():
    return [
        Document("wire-2", "Bank raises rates", "Daily B", "2024-05-03", "By Staff Writer\n" + STORY),
        Document("wire-1", "Rates up", "Wire Service", "2024-05-02", STORY),
        Document("wire-3", "Rates up again", "Paper C", None, STORY + " Reporting by A. Smith."),
        Document("other", "Floods", "Daily B", "2024-05-02",
                 "Heavy rain flooded the river valley on Monday and hundreds of people left their homes. "
                 "Rescue teams used boats to reach villages cut off by the water."),
    ]


def test_copies_cluster_under_the_earliest(make_index):
    index = make_index()
    ingest_documents(index, docs())
    recs = index.records(fresh=True)
    assert recs["wire-1"].dup_of is None and recs["wire-1"].dup_count == 3
    assert recs["wire-2"].dup_of == "wire-1" and recs["wire-3"].dup_of == "wire-1"  # undated sorts last
    assert recs["other"].dup_of is None and recs["other"].dup_count == 1
    assert [r.doc_id for r in index.duplicates("wire-1")] == ["wire-2", "wire-3"]
    assert [r.doc_id for r in index.duplicates("wire-3")] == ["wire-1", "wire-2"]
    assert index.duplicates("other") == []
    stats = index.store.registry.stats()
    assert stats["duplicate_clusters"] == 1 and stats["duplicate_copies"] == 2
    assert (stats["date_from"], stats["date_to"], stats["undated"]) == ("2024-05-02", "2024-05-03", 1)
    # the head goes: the next earliest copy heads what is left
    index.remove("wire-1")
    recs = index.records(fresh=True)
    assert recs["wire-2"].dup_of is None and recs["wire-2"].dup_count == 2
    assert recs["wire-3"].dup_of == "wire-2"


def test_signatures_separate_different_articles():
    det = DuplicateDetector()
    d = docs()
    sig = {x.doc_id: det.signature(x.text) for x in d}
    clusters = det.clusters(sig, {x.doc_id: (x.published or "9999", x.doc_id) for x in d})
    assert clusters["other"] == (None, 1) and clusters["wire-2"] == ("wire-1", 3)
