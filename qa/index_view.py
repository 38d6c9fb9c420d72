"""`IndexView`: what answering reads from the index besides passages: the full text of the
retrieved articles, the copies of a syndicated article and the corpus vocabulary."""

from __future__ import annotations

from index import DocRecord, NewsIndex, ScoredPassage

from .evidence import metadata_text


class IndexView:
    """Read-only access to `index`, with the article texts cached by content hash (at most
    `max_texts` of them)."""

    def __init__(self, index: NewsIndex, max_texts: int = 2000):
        if max_texts < 1:
            raise ValueError(f"max_texts must be >= 1, got {max_texts}")
        self.index = index
        self.max_texts = max_texts
        self._texts: dict[tuple, str] = {}

    def documents(self, passages: list[ScoredPassage]) -> list[tuple[str, str]]:
        """(full text, metadata text) of each retrieved article, in retrieval order."""
        out = []
        records = self.index.records()
        for doc_id in dict.fromkeys(p.doc_id for p in passages):
            rec = records.get(doc_id)
            key = (doc_id, rec.content_hash if rec else None)
            text = self._texts.get(key)
            if text is None:
                doc = self.index.get_document(doc_id)
                if doc is None:
                    continue
                text = self._texts[key] = doc.text
                if len(self._texts) > self.max_texts:
                    self._texts.pop(next(iter(self._texts)))
            p = next(p for p in passages if p.doc_id == doc_id)
            out.append((text, metadata_text(p)))
        return out

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
