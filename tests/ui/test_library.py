"""The Library table: readable columns, search, sort by date (undated last)."""

from __future__ import annotations

from ui.app import SORTS, library_rows

DOCS = [
    {"doc_id": "000_a", "headline": "Hamas delegation in Moscow", "title": "Hamas delegation in Moscow",
     "outlet": "Palestine Chronicle", "published": "2025-02-04", "chunks": 6, "duplicates": []},
    {"doc_id": "004_b", "headline": "MEMRI report on the visit", "title": None, "outlet": "MEMRI",
     "published": None, "chunks": 5, "duplicates": ["000_a"]},
    {"doc_id": "001_c", "headline": "Ceasefire talks", "title": "Ceasefire talks", "outlet": None,
     "published": "2024-01-19", "chunks": 3, "duplicates": []},
]


def test_columns_are_readable():
    rows = library_rows(DOCS)
    assert rows[0] == ["Hamas delegation in Moscow", "Palestine Chronicle", "4 Feb 2025", 6, "—", "000_a"]
    assert rows[-1][0] == "MEMRI report on the visit" and rows[-1][2] == "undated" and rows[-1][4] == "000_a"


def test_sort_by_date_keeps_undated_last():
    assert [r[5] for r in library_rows(DOCS, sort=SORTS[0])] == ["000_a", "001_c", "004_b"]
    assert [r[5] for r in library_rows(DOCS, sort=SORTS[1])] == ["001_c", "000_a", "004_b"]
    assert [r[5] for r in library_rows(DOCS, sort=SORTS[2])] == ["001_c", "000_a", "004_b"]


def test_search_matches_title_outlet_id_and_date():
    assert [r[5] for r in library_rows(DOCS, "memri")] == ["004_b"]
    assert [r[5] for r in library_rows(DOCS, "2024-01")] == ["001_c"]
    assert [r[5] for r in library_rows(DOCS, "000_")] == ["000_a"]
    assert library_rows(DOCS, "no such thing") == []


def test_duplicates_come_from_the_records_dup_of():
    from types import SimpleNamespace

    from ui.service import NewsService

    recs = {d: SimpleNamespace(doc_id=d, dup_of=root) for d, root in
            [("a", None), ("b", "a"), ("c", "a"), ("d", None)]}
    svc = NewsService(settings=None, assistant=SimpleNamespace(index=SimpleNamespace(records=lambda: recs)))
    assert svc.duplicates() == {"a": ["b", "c"], "b": ["a", "c"], "c": ["a", "b"]}
