"""Map one exported record (a JSON object, a CSV row, a Parquet row) to a `Document`.

`FieldMap` says which record fields hold the id, text, title, outlet, publication date and
URL; the defaults cover the common news-API and scraper names. Ids that are not safe doc ids
(e.g. `gcs:2022:0`) map deterministically to safe ones (the original is kept in
`Document.extra["original_id"]`); records without an id get one from a hash of their URL,
else of their text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, fields
from urllib.parse import urlparse

from .dates import parse_date
from .document import Document, validate_doc_id
from .html_text import resolve_fallback_date

ROLES = ("id", "text", "title", "outlet", "published", "url")


@dataclass(frozen=True)
class FieldMap:
    """Candidate field names per role, tried in order; the first present, non-empty one wins."""

    id: tuple[str, ...] = ("id", "doc_id", "_id")
    text: tuple[str, ...] = ("text", "content", "body")
    title: tuple[str, ...] = ("title", "headline")
    outlet: tuple[str, ...] = ("source", "outlet", "site_name")
    published: tuple[str, ...] = ("published", "date", "published_at", "publishedAt")
    url: tuple[str, ...] = ("url", "link")

    def __post_init__(self) -> None:
        for f in fields(self):
            names = getattr(self, f.name)
            if isinstance(names, str):
                names = (names,)
                object.__setattr__(self, f.name, names)
            if not names or not all(isinstance(n, str) and n for n in names):
                raise ValueError(f"field map {f.name!r}: expected field names, got {names!r}")

    @classmethod
    def parse(cls, specs: list[str] | tuple[str, ...] | dict | None) -> "FieldMap":
        """From `["text=body", "published=meta.date"]` (flags) or `{"text": "body"}` (qa.toml).
        A mapped role looks only at the given field(s) (comma-separated for several)."""
        if not specs:
            return cls()
        items = specs.items() if isinstance(specs, dict) else cls.split_specs(specs)
        changes: dict[str, tuple[str, ...]] = {}
        for role, names in items:
            if role not in ROLES:
                raise ValueError(f"unknown field role {role!r} in the field map; use one of {', '.join(ROLES)}")
            if isinstance(names, str):
                names = [n.strip() for n in names.split(",") if n.strip()]
            changes[role] = tuple(names)
        return cls(**changes)

    @staticmethod
    def split_specs(specs) -> list[tuple[str, str]]:
        """`["text=body"]` -> `[("text", "body")]`; raises ValueError on a malformed spec."""
        return [_split_spec(s) for s in specs or ()]


def _split_spec(spec: str) -> tuple[str, str]:
    role, sep, name = str(spec).partition("=")
    if not sep or not role.strip() or not name.strip():
        raise ValueError(f"bad field mapping {spec!r}: write ROLE=FIELD, e.g. text=body")
    return role.strip(), name.strip()


class RecordError(ValueError):
    """One record could not become a Document; the message says what and what to do."""


def _lookup(record: dict, name: str):
    """A field by name; dotted names reach into nested objects (`source.name`)."""
    if name in record:
        return record[name]
    value = record
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _first(record: dict, names: tuple[str, ...]):
    for name in names:
        value = _lookup(record, name)
        if isinstance(value, dict):  # NewsAPI: "source": {"id": ..., "name": "BBC News"}
            value = value.get("name") or value.get("title")
        if value is None:
            continue
        if isinstance(value, float) and value != value:  # NaN from a CSV/Parquet gap
            continue
        text = value if isinstance(value, str) else str(value)
        if text.strip():
            return name, text
    return None, None


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_doc_id(original: str) -> str:
    """`original` if it is a safe doc id, else a readable slug plus a short hash of it."""
    try:
        return validate_doc_id(original)
    except ValueError:
        pass
    slug = _UNSAFE.sub("-", original).strip("-._")[:80] or "doc"
    return f"{slug}-{hashlib.sha256(original.encode('utf-8')).hexdigest()[:10]}"


def derived_doc_id(url: str | None, text: str) -> str:
    """An id for a record that has none: from its URL, else from its text."""
    basis = url.strip() if url and url.strip() else text
    return "doc-" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]


_SURROGATE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)


def _check_text(value: str, role: str) -> None:
    if _SURROGATE.search(value):
        raise RecordError(f"field for {role} is not valid UTF-8 text; re-export the file as UTF-8")


def record_to_document(record: dict, fmap: FieldMap = FieldMap(), *, source: str | None = None) -> Document:
    """A Document from one record. Raises RecordError naming the field and the fix."""
    if not isinstance(record, dict):
        raise RecordError(f"expected an object with named fields, got {type(record).__name__}")
    _, text = _first(record, fmap.text)
    if text is None:
        raise RecordError(
            f"no text: none of the fields {', '.join(fmap.text)} is present and non-empty; "
            "map the text field with --field text=NAME"
        )
    text = text.replace("\r\n", "\n").strip()
    values = {role: _first(record, getattr(fmap, role))[1] for role in ("id", "title", "outlet", "published", "url")}
    for role, value in [("text", text), *values.items()]:
        if value is not None:
            _check_text(value, role)
    notes: dict[str, str] = {}
    extra: dict = {}
    published = None
    if values["published"] is not None:
        published = parse_date(values["published"])
        if published is None:
            raise RecordError(
                f"unreadable publication date {values['published']!r}; use YYYY-MM-DD or a written "
                "date, or map another field with --field published=NAME"
            )
        notes["published"] = "record field"
    else:
        published, origin = resolve_fallback_date(values["url"], text)
        if origin:
            notes["published"] = origin
    outlet = values["outlet"]
    if outlet is None and values["url"]:
        host = urlparse(values["url"]).hostname
        if host:
            outlet = host.removeprefix("www.")
            notes["outlet"] = "URL host name"
    original = values["id"]
    if original is not None:
        doc_id = safe_doc_id(original.strip())
        if doc_id != original:
            extra["original_id"] = original
    else:
        doc_id = derived_doc_id(values["url"], text)
        notes["doc_id"] = "hash of the URL" if values["url"] else "hash of the text"
    if notes:
        extra["notes"] = notes
    try:
        return Document(
            doc_id=doc_id, title=values["title"], outlet=outlet, published=published, text=text,
            url=values["url"], source=source, extra=extra,
        )
    except ValueError as exc:
        raise RecordError(str(exc)) from None
