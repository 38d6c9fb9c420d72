"""`IndexView`: what answering reads from the index besides passages: the copies of a
syndicated article and the corpus vocabulary."""

from __future__ import annotations

from index import DocRecord, NewsIndex


class IndexView:
    """Read-only access to `index`."""

    def __init__(self, index: NewsIndex):
        self.index = index
        self._headlines: dict[tuple[str, str | None], str] = {}
        self._vocab: tuple[object, object] | None = None  # (the BM25 object, its terms)

    def headline(self, doc_id: str, title: str | None = None) -> str:
        """How an article is named: its title, else its first sentence-like line (qa.labels),
        the id only when the index no longer has it. Remembered per (id, title)."""
        key = (doc_id, title)
        if key not in self._headlines:
            from .labels import headline

            doc = None if title else self.index.get_document(doc_id)
            if len(self._headlines) > 4096:
                self._headlines.clear()
            self._headlines[key] = headline(title, doc.text if doc else None, doc_id)
        return self._headlines[key]

    def copies_of(self, doc_id: str) -> list[DocRecord]:
        """The other copies of a syndicated article (the index's duplicate cluster)."""
        duplicates = getattr(self.index, "duplicates", None)
        return duplicates(doc_id) if duplicates else []

    def corpus_vocab(self):
        """The index's terms (BM25 postings: stemmed), used as a set; empty if unavailable.
        The same object while the index is unchanged (the index makes a new BM25 object when a
        document is committed or removed), so a caller may keep what it derived from it."""
        try:
            bm25 = self.index.bm25()
        except Exception:
            return set()
        if self._vocab is None or self._vocab[0] is not bm25:
            self._vocab = (bm25, getattr(bm25, "_postings", {}).keys())  # a live set-like view
        return self._vocab[1]


__all__ = ["IndexView"]
