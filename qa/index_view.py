"""`IndexView`: what answering reads from the index besides passages: the copies of a
syndicated article and the corpus vocabulary."""

from __future__ import annotations

from index import DocRecord, NewsIndex


class IndexView:
    """Read-only access to `index`."""

    def __init__(self, index: NewsIndex):
        self.index = index

    def copies_of(self, doc_id: str) -> list[DocRecord]:
        """The other copies of a syndicated article (the index's duplicate cluster)."""
        duplicates = getattr(self.index, "duplicates", None)
        return duplicates(doc_id) if duplicates else []

    def corpus_vocab(self):
        """The index's terms (BM25 postings: stemmed), used as a set; empty if unavailable."""
        try:
            return getattr(self.index.bm25(), "_postings", {}).keys()  # a live set-like view
        except Exception:
            return set()


__all__ = ["IndexView"]
