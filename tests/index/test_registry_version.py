"""The records cache is refreshed exactly when the registry changed, also by another
connection (another process's ingest), and reused otherwise."""

from __future__ import annotations

from corpus import Document


def test_records_follow_writes_of_another_index(make_index, tmp_path):
    reader = make_index(tmp_path / "d")
    reader.registry_ttl_s = 0.0
    writer = make_index(tmp_path / "d")
    assert reader.records() == {}
    v0 = reader.store.registry.version()
    writer.write(Document("a", "A", "Out", "2024-01-02", "Heavy rain flooded the valley on Monday."))
    assert reader.store.registry.version() != v0
    assert set(reader.records()) == {"a"}
    first = reader.records()
    assert reader.records() is first  # unchanged registry: the same snapshot, no reload
    fp = reader._fingerprint()
    writer.remove("a")
    assert reader.records() == {} and reader._fingerprint() != fp
