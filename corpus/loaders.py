"""Load `.txt`, `.md` and `.html` files and bulk exports (JSON Lines, CSV/TSV, Parquet,
WARC; see records.py) into `Document`s, with clear errors for bad input."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .dates import guess_published, parse_date
from .document import Document, validate_doc_id
from .errors import LoadError, decode_bytes
from .fields import FieldMap
from .html_text import extract_html
from .manifest import KNOWN_FIELDS, MANIFEST_NAME, read_manifest
from .records import BULK_SUFFIXES, bulk_kind, count_records, read_bulk

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | set(BULK_SUFFIXES)
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


@dataclass
class LoadResult:
    documents: list[Document] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)


def _first_line_title(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:200]
    return None


_MD_HEADING = re.compile(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", re.M)


def load_file(
    path: Path | str,
    *,
    manifest: dict[str, dict] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    doc_id: str | None = None,
) -> Document:
    """Load one file. Raises LoadError with a one-line reason for any bad input."""
    path = Path(path)
    suffix = path.suffix.lower()
    if bulk_kind(path):
        raise LoadError(path, "is a bulk export (one article a record); load it with load_paths or iter_documents")
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(
            path, f"unsupported file type {suffix or '(none)'!r}; supported: "
            + ", ".join(sorted(SUPPORTED_SUFFIXES))
        )
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise LoadError(
                path, f"is too large ({size:,} bytes > limit {max_bytes:,}); split it or raise max_file_bytes"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadError(path, f"cannot be read ({exc.strerror or exc})") from None
    if not raw.strip():
        raise LoadError(path, "is empty; nothing to ingest")
    text = decode_bytes(raw, path)

    if manifest is None:
        manifest = read_manifest(path.parent)
    entry = manifest.get(path.name, {})
    meta: dict = {"title": None, "outlet": None, "published": None, "url": None}
    notes: dict[str, str] = {}
    if suffix in HTML_SUFFIXES:
        article = extract_html(text)
        text = article.text
        meta.update(
            title=article.title, outlet=article.outlet, url=article.url,
            published=parse_date(article.published),
        )
        notes = article.notes
    elif suffix in MARKDOWN_SUFFIXES:
        heading = _MD_HEADING.search(text)
        meta["title"] = heading.group(1).strip() if heading else _first_line_title(text)
        meta["published"] = guess_published(text)
    else:
        meta["title"] = _first_line_title(text)
        meta["published"] = guess_published(text)
    if not text.strip():
        raise LoadError(path, "has no readable text after extraction; nothing to ingest")
    for key in ("title", "outlet", "published", "url"):
        if key in entry:  # the manifest wins, including an explicit null
            meta[key] = entry[key]
    extra = {k: v for k, v in entry.items() if k not in KNOWN_FIELDS}
    if notes and "notes" not in extra:
        extra["notes"] = notes
    chosen_id = doc_id or entry.get("doc_id") or path.stem
    try:
        validate_doc_id(chosen_id)
        return Document(
            doc_id=chosen_id, text=text, source=str(path.resolve()), extra=extra, **meta
        )
    except ValueError as exc:
        raise LoadError(path, f"{exc}; rename the file or set doc_id in {MANIFEST_NAME}") from None


_CODE_SUFFIXES = {".py", ".pyc", ".pyi"}


def _is_package_file(rel: Path) -> bool:
    """Files a directory scan passes over: the manifest, hidden files, Python package code."""
    return (
        rel.name == MANIFEST_NAME
        or rel.suffix in _CODE_SUFFIXES
        or any(part.startswith(".") or part == "__pycache__" for part in rel.parts)
    )


def iter_files(paths: list[Path | str]) -> tuple[list[Path], list[LoadError]]:
    """Expand files and directories (recursively) into a sorted list of candidate files."""
    files: list[Path] = []
    errors: list[LoadError] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(
                f for f in sorted(p.rglob("*"))
                if f.is_file() and not _is_package_file(f.relative_to(p))
            )
        elif p.is_file():
            files.append(p)
        else:
            errors.append(LoadError(p, "does not exist; check the path"))
    return files, errors


def iter_documents(
    paths: list[Path | str], *, max_bytes: int = DEFAULT_MAX_BYTES, fields: FieldMap | None = None,
) -> Iterator[Document | LoadError]:
    """Every Document (or LoadError) under `paths`, in order, one at a time: bulk exports are
    read record by record, so a big export never has to fit in memory at once. A document id
    seen before is an error for the later copy."""
    files, errors = iter_files(paths)
    yield from errors
    fmap = fields or FieldMap()
    manifests: dict[Path, dict] = {}
    seen: dict[str, str] = {}
    for f in files:
        if bulk_kind(f):
            items = read_bulk(f, fmap, max_bytes)
        else:
            try:
                if f.parent not in manifests:
                    manifests[f.parent] = read_manifest(f.parent)
                items = iter([load_file(f, manifest=manifests[f.parent], max_bytes=max_bytes)])
            except LoadError as exc:
                items = iter([exc])
            except ValueError as exc:  # a malformed manifest
                items = iter([LoadError(f, str(exc))])
        for item in items:
            if isinstance(item, Document):
                if item.doc_id in seen:
                    item = LoadError(
                        f, f"has the same document id {item.doc_id!r} as {seen[item.doc_id]}; "
                        "rename one of them (or give records distinct ids)"
                    )
                else:
                    seen[item.doc_id] = str(f)
            yield item


def estimate_count(paths: list[Path | str]) -> int | None:
    """How many documents `paths` hold (for a progress bar); None when unknown."""
    files, _ = iter_files(paths)
    total = 0
    for f in files:
        n = count_records(f) if bulk_kind(f) else 1
        if n is None:
            return None
        total += n
    return total


def load_paths(
    paths: list[Path | str], *, max_bytes: int = DEFAULT_MAX_BYTES, fields: FieldMap | None = None,
) -> LoadResult:
    """Load every supported file under `paths`. Bad files become errors; the rest still load."""
    result = LoadResult()
    for item in iter_documents(paths, max_bytes=max_bytes, fields=fields):
        (result.documents if isinstance(item, Document) else result.errors).append(item)
    return result
