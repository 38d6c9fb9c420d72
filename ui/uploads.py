"""Uploaded files: a safe name inside DATA_DIR/uploads, then load + ingest, one result per file.

Used by both the HTTP API (`POST /api/documents`) and the Library tab, so both behave alike.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

import corpus
from corpus import Document, LoadError, SUPPORTED_SUFFIXES, load_file
from index import NewsIndex, ingest_documents

UPLOAD_SUFFIXES = (".txt", ".md", ".html")  # what the UI offers; load_file accepts their aliases too
META_FIELDS = ("title", "outlet", "published", "url")
# Many articles per file: handed to corpus.load_paths, which reads those the installed loaders know.
BULK_SUFFIXES = tuple(dict.fromkeys((".jsonl", ".csv", ".tsv", ".warc", ".warc.gz",
                                     *getattr(corpus, "BULK_SUFFIXES", ()))))
BULK_SIZE_FACTOR = 40  # a bulk file may be this many times index.max_file_bytes
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 120


class UploadRejected(ValueError):
    """A file refused before it is written (bad name, type, size or content)."""


class AlreadyExists(UploadRejected):
    """An upload whose document id is already in the library, sent without `replace`."""


def safe_filename(name: str) -> str:
    """A file name with no directory part and only [A-Za-z0-9._-]; never '.', '..' or hidden.

    The suffix is kept (lower-cased) so the loader picks the right format; the stem becomes the
    document id, so it must start with a letter or digit (see corpus.validate_doc_id).
    """
    if not isinstance(name, str):
        raise UploadRejected(f"file name {name!r} is not text; give the file a name like article.txt")
    base = re.split(r"[\\/]", name.replace("\x00", ""))[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    if base.lower().endswith(".warc.gz"):
        stem, dot, suffix = base[:-8], ".", "warc.gz"
    else:
        stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = suffix.lower()
    if "." + suffix not in SUPPORTED_SUFFIXES and "." + suffix not in BULK_SUFFIXES:
        raise UploadRejected(
            f"unsupported file type {('.' + suffix) if suffix else '(none)'!r} for {name!r}; "
            f"upload {', '.join(UPLOAD_SUFFIXES + BULK_SUFFIXES)} files"
        )
    stem = _UNSAFE.sub("_", stem).strip("._-")[: MAX_NAME]
    if not stem:
        stem = "upload"
    return f"{stem}.{suffix}"


def is_bulk(name: str) -> bool:
    return name.lower().endswith(BULK_SUFFIXES)


def upload_path(uploads_dir: Path, name: str) -> Path:
    """The path for `name` inside `uploads_dir`; raises if it would resolve anywhere else."""
    uploads_dir = Path(uploads_dir).resolve()
    target = (uploads_dir / safe_filename(name)).resolve()
    if target.parent != uploads_dir:  # belt and braces: safe_filename already removed separators
        raise UploadRejected(f"file name {name!r} would be saved outside the uploads folder; rename it")
    return target


@dataclass
class FileResult:
    filename: str  # as the client sent it
    ok: bool
    doc_id: str | None = None
    status: str | None = None  # added | updated | unchanged
    chunks: int | None = None
    error: str | None = None
    conflict: bool = False  # refused because the id exists and `replace` was not asked for

    def to_json(self) -> dict:
        out = {"filename": self.filename, "ok": self.ok}
        if self.ok:
            out.update(doc_id=self.doc_id, status=self.status, chunks=self.chunks)
        else:
            out["error"] = self.error
            if self.conflict:
                out["conflict"] = True
        return out


@dataclass
class UploadReport:
    files: list[FileResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    @property
    def only_conflicts(self) -> bool:
        """Every file failed, each because its id exists (HTTP 409)."""
        return bool(self.files) and all(f.conflict for f in self.files)

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "added": [f.doc_id for f in self.files if f.ok and f.status == "added"],
            "updated": [f.doc_id for f in self.files if f.ok and f.status == "updated"],
            "unchanged": [f.doc_id for f in self.files if f.ok and f.status == "unchanged"],
            "files": [f.to_json() for f in self.files],
            "errors": [{"filename": f.filename, "error": f.error} for f in self.files if not f.ok],
        }


def _with_metadata(doc: Document, existing: Document | None, given: dict | None) -> Document:
    """A replacement keeps the existing document's metadata; fields in `given` win."""
    given = {k: v for k, v in (given or {}).items() if k in META_FIELDS and v not in (None, "")}
    base = {k: getattr(existing, k) for k in META_FIELDS} if existing is not None else {}
    merged = {**base, **given}
    return replace(doc, **merged) if merged else doc


def _check_replace(index: NewsIndex, doc_id: str, name: str, allow: bool) -> Document | None:
    """The document an upload would replace; refuses unless `allow` (no silent replacement)."""
    existing = index.get_document(doc_id)
    if existing is not None and not allow:
        raise AlreadyExists(
            f"{name!r} would replace the existing document {doc_id!r} "
            f"({existing.title or 'untitled'}); rename the file, or choose Replace "
            "(API: replace=true) to overwrite it"
        )
    return existing


def ingest_uploads(
    index: NewsIndex, uploads_dir: Path, files: list[tuple[str, bytes]], *, max_bytes: int,
    progress=None, replace_existing: bool = False, metadata: dict | None = None,
) -> UploadReport:
    """Save each (name, content) under `uploads_dir`, load it and ingest the good ones.

    A bad file (type, size, binary, undecodable, empty) becomes a per-file error and is not
    kept on disk; the other files are still ingested. A file whose document id is already
    indexed is refused (`FileResult.conflict`) unless `replace_existing`; a replacement keeps
    the existing title, outlet, date and URL unless `metadata` gives new ones.
    `progress(done, total, label)` is called as files are processed.
    """
    uploads_dir = Path(uploads_dir)
    uploads_dir.mkdir(parents=True, exist_ok=True)
    report = UploadReport()
    docs, results = [], []
    total = len(files)
    seen: dict[str, str] = {}
    for i, (name, content) in enumerate(files):
        if progress:
            progress(i, total, f"reading {name}")
        res = FileResult(filename=str(name), ok=False)
        report.files.append(res)
        try:
            if not isinstance(content, (bytes, bytearray)):
                raise UploadRejected(f"{name!r} has no file content; send the file's bytes")
            path = upload_path(uploads_dir, name)
            limit = max_bytes * (BULK_SIZE_FACTOR if is_bulk(path.name) else 1)
            if len(content) > limit:
                raise UploadRejected(
                    f"{name!r} is too large ({len(content):,} bytes > limit {limit:,}); "
                    "split it or raise index.max_file_bytes"
                )
            if is_bulk(path.name):
                report.files.remove(res)
                for r, d in _load_bulk(index, path, str(name), bytes(content), max_bytes, replace_existing):
                    report.files.append(r)
                    if d is not None:
                        docs.append(d)
                        results.append(r)
                continue
            existing = _check_replace(index, path.stem, str(name), replace_existing)
        except UploadRejected as exc:
            res.error, res.conflict = str(exc), isinstance(exc, AlreadyExists)
            continue
        if path.name in seen:
            res.error = f"{name!r} has the same saved name {path.name!r} as {seen[path.name]!r}; rename one"
            continue
        seen[path.name] = str(name)
        tmp = path.with_name(f".part-{path.name}")  # same suffix, so the right loader is used
        try:
            tmp.write_bytes(content)
            doc = load_file(tmp, manifest={}, max_bytes=max_bytes, doc_id=path.stem)
            doc = _with_metadata(replace(doc, source=str(path)), existing, metadata)
            os.replace(tmp, path)  # only a good file replaces an earlier upload of that name
        except LoadError as exc:
            res.error = f"{name!r} {exc.reason}"
            continue
        except (OSError, ValueError) as exc:
            res.error = f"{name!r} could not be saved ({getattr(exc, 'strerror', None) or exc}); check the data dir"
            continue
        finally:
            _unlink(tmp)
        docs.append(doc)
        results.append(res)
    if docs:
        def doc_progress(done, n, doc_id):
            if progress:
                progress(done, max(n, 1), f"indexing {doc_id}" if doc_id else "done")

        ing = ingest_documents(index, docs, progress=doc_progress)
        chunks = {doc_id: index.store.count_chunks(doc_id) for doc_id in {d.doc_id for d in docs}}
        for res, doc in zip(results, docs):
            res.ok, res.doc_id, res.chunks = True, doc.doc_id, chunks[doc.doc_id]
            res.status = ("added" if doc.doc_id in ing.added else
                          "updated" if doc.doc_id in ing.updated else "unchanged")
    if progress:
        progress(total, total, "done")
    return report


def _load_bulk(index: NewsIndex, path: Path, name: str, content: bytes, max_bytes: int,
               replace_existing: bool) -> list[tuple[FileResult, Document | None]]:
    """A bulk file (JSONL, CSV, TSV, WARC) through corpus.load_paths (`max_bytes` per article):
    one result per article, one error per bad record; an existing id is refused unless
    `replace_existing`."""
    from corpus import load_paths

    tmp = path.with_name(f".part-{path.name}")
    try:
        tmp.write_bytes(content)
        loaded = load_paths([tmp], max_bytes=max_bytes)
        if loaded.documents:
            os.replace(tmp, path)
    except OSError as exc:
        return [(FileResult(name, False, error=f"{name!r} could not be saved ({exc.strerror or exc})"), None)]
    finally:
        _unlink(tmp)
    out: list[tuple[FileResult, Document | None]] = []
    for err in loaded.errors:
        reason = getattr(err, "reason", str(err))
        if "unsupported file type" in reason:
            reason = (f"is a {path.suffix} bulk file, which this installation cannot load yet "
                      "(corpus.load_paths does not read the format); upload .txt, .md or .html files")
        out.append((FileResult(name, False, error=f"{name!r} {reason}"), None))
    for doc in loaded.documents:
        res = FileResult(f"{name}#{doc.doc_id}", False)
        try:
            existing = _check_replace(index, doc.doc_id, res.filename, replace_existing)
        except AlreadyExists as exc:
            res.error, res.conflict = str(exc), True
            out.append((res, None))
            continue
        own = {k: getattr(doc, k) for k in META_FIELDS}  # a record's own metadata wins
        out.append((res, _with_metadata(replace(doc, source=str(path)), existing, own)))
    if not out:
        out.append((FileResult(name, False, error=f"{name!r} holds no articles"), None))
    return out


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def remove_upload(uploads_dir: Path, source: str | None) -> bool:
    """Delete an uploaded file when a document is removed (only if it lies in `uploads_dir`)."""
    if not source:
        return False
    try:
        p = Path(source).resolve()
    except OSError:
        return False
    if p.parent != Path(uploads_dir).resolve() or not p.is_file() or is_bulk(p.name):
        return False  # a bulk file holds other articles too
    p.unlink()
    return True
