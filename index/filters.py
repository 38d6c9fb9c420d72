"""`Filters`: which documents a search may return (outlet, document id, publication-date range),
as a Chroma `where` clause and as a check on one document's metadata. Shared by retrieval and
the syndicated-copy collapser, so it sits below both."""

from __future__ import annotations

from dataclasses import dataclass

from .registry import published_ord


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval by outlet, document id and publication-date range (inclusive).
    `undated`: with a date range, documents with no publication date are kept too (a question's
    own window, 'this week': an undated article is not known to lie outside it); without it, a
    date range matches dated documents only (a range the user asked for)."""

    outlets: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    date_from: str | None = None  # YYYY-MM-DD
    date_to: str | None = None
    undated: bool = False

    def __post_init__(self) -> None:
        from corpus.document import validate_published

        for name in ("date_from", "date_to"):
            try:
                validate_published(getattr(self, name))
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None

    @property
    def empty(self) -> bool:
        return not (self.outlets or self.doc_ids or self.dated)

    @property
    def dated(self) -> bool:
        return bool(self.date_from or self.date_to)

    def without_dates(self) -> "Filters":
        return Filters(outlets=self.outlets, doc_ids=self.doc_ids)

    def where(self) -> dict | None:
        """The Chroma `where` clause for these filters."""
        clauses: list[dict] = []
        if self.outlets:
            clauses.append({"outlet": {"$in": list(self.outlets)}})
        if self.doc_ids:
            clauses.append({"doc_id": {"$in": list(self.doc_ids)}})
        if self.date_from:
            clauses.append({"published_ord": {"$gte": published_ord(self.date_from)}})
        if self.date_to:
            clauses.append({"published_ord": {"$lte": published_ord(self.date_to)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def documents(self, registry, undated: bool | None = None) -> set[str]:
        """The committed documents these filters allow, selected in the registry's SQL.
        `undated`: whether an undated document matches a date range (None: `self.undated`;
        False: as `where()` does, since Chroma cannot match a missing key)."""
        return registry.doc_ids_where(self.outlets, self.doc_ids, published_ord(self.date_from),
                                      published_ord(self.date_to),
                                      undated=self.undated if undated is None else undated)

    def allows(self, meta: dict) -> bool:
        if self.outlets and meta.get("outlet") not in self.outlets:
            return False
        if self.doc_ids and meta.get("doc_id") not in self.doc_ids:
            return False
        pub = meta.get("published")
        if self.dated and not pub:
            return self.undated
        if self.date_from and pub < self.date_from:
            return False
        return not (self.date_to and pub > self.date_to)
