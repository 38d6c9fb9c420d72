"""The `Document` type: one article, its exact text and its metadata."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date

_DOC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,199}$")


def validate_doc_id(doc_id: str) -> str:
    """Return `doc_id` if it is a safe identifier, else raise ValueError naming it."""
    if not isinstance(doc_id, str) or not _DOC_ID.match(doc_id):
        raise ValueError(
            f"invalid doc_id {doc_id!r}: use 1-200 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return doc_id


def validate_published(published: str | None) -> str | None:
    """Accept None or an ISO date 'YYYY-MM-DD'; raise ValueError naming the bad value."""
    if published is None:
        return None
    try:
        return date.fromisoformat(str(published)).isoformat()
    except ValueError:
        raise ValueError(
            f"invalid published date {published!r}: expected ISO format YYYY-MM-DD or null"
        ) from None


@dataclass(frozen=True)
class Document:
    """An article. `text` is exactly what offsets and quotes refer to."""

    doc_id: str
    title: str | None
    outlet: str | None
    published: str | None  # ISO date, YYYY-MM-DD
    text: str
    url: str | None = None
    source: str | None = None  # path the document was loaded from
    extra: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        validate_doc_id(self.doc_id)
        object.__setattr__(self, "published", validate_published(self.published))
        if not isinstance(self.text, str) or not self.text.strip():
            raise ValueError(f"document {self.doc_id!r} has no text")

    @property
    def content_hash(self) -> str:
        """Hash of text and metadata: if either changes, the document is re-indexed."""
        payload = json.dumps(
            [self.text, self.title, self.outlet, self.published, self.url],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def metadata(self) -> dict:
        """Metadata fields only (no text), for display and storage."""
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "outlet": self.outlet,
            "published": self.published,
            "url": self.url,
        }
