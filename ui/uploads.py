"""Uploaded files: a safe name inside DATA_DIR/uploads, then load + ingest, one result per file.

Used by both the HTTP API (`POST /api/documents`) and the Library tab, so both behave alike.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from corpus import LoadError, SUPPORTED_SUFFIXES, load_file
from index import NewsIndex, ingest_documents

UPLOAD_SUFFIXES = (".txt", ".md", ".html")  # what the UI offers; load_file accepts their aliases too
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 120


class UploadRejected(ValueError):
    """A file refused before it is written (bad name, type, size or content)."""


def safe_filename(name: str) -> str:
    """A file name with no directory part and only [A-Za-z0-9._-]; never '.', '..' or hidden.

    The suffix is kept (lower-cased) so the loader picks the right format; the stem becomes the
    document id, so it must start with a letter or digit (see corpus.validate_doc_id).
    """
    if not isinstance(name, str):
        raise UploadRejected(f"file name {name!r} is not text; give the file a name like article.txt")
    base = re.split(r"[\\/]", name.replace("\x00", ""))[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = suffix.lower()
    if "." + suffix not in SUPPORTED_SUFFIXES:
        raise UploadRejected(
            f"unsupported file type {('.' + suffix) if suffix else '(none)'!r} for {name!r}; "
            f"upload {', '.join(UPLOAD_SUFFIXES)} files"
        )
    stem = _UNSAFE.sub("_", stem).strip("._-")[: MAX_NAME]
    if not stem:
        stem = "upload"
    return f"{stem}.{suffix}"


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

    def to_json(self) -> dict:
        out = {"filename": self.filename, "ok": self.ok}
        if self.ok:
            out.update(doc_id=self.doc_id, status=self.status, chunks=self.chunks)
        else:
            out["error"] = self.error
        return out


@dataclass
class UploadReport:
    files: list[FileResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "added": [f.doc_id for f in self.files if f.ok and f.status == "added"],
            "updated": [f.doc_id for f in self.files if f.ok and f.status == "updated"],
            "unchanged": [f.doc_id for f in self.files if f.ok and f.status == "unchanged"],
            "files": [f.to_json() for f in self.files],
            "errors": [{"filename": f.filename, "error": f.error} for f in self.files if not f.ok],
        }


def ingest_uploads(
    index: NewsIndex, uploads_dir: Path, files: list[tuple[str, bytes]], *, max_bytes: int,
    progress=None,
) -> UploadReport:
    """Save each (name, content) under `uploads_dir`, load it and ingest the good ones.

    A bad file (type, size, binary, undecodable, empty) becomes a per-file error and is not
    kept on disk; the other files are still ingested. `progress(done, total, label)` is called
    as files are processed.
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
            if len(content) > max_bytes:
                raise UploadRejected(
                    f"{name!r} is too large ({len(content):,} bytes > limit {max_bytes:,}); "
                    "split it or raise index.max_file_bytes"
                )
            path = upload_path(uploads_dir, name)
        except UploadRejected as exc:
            res.error = str(exc)
            continue
        if path.name in seen:
            res.error = f"{name!r} has the same saved name {path.name!r} as {seen[path.name]!r}; rename one"
            continue
        seen[path.name] = str(name)
        tmp = path.with_name(f".part-{path.name}")  # same suffix, so the right loader is used
        try:
            tmp.write_bytes(content)
            doc = load_file(tmp, manifest={}, max_bytes=max_bytes, doc_id=path.stem)
            doc = replace(doc, source=str(path))
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
                progress(total - len(docs) + done, total, f"indexing {doc_id}" if doc_id else "done")

        ing = ingest_documents(index, docs, progress=doc_progress)
        chunks = {doc_id: index.store.count_chunks(doc_id) for doc_id in {d.doc_id for d in docs}}
        for res, doc in zip(results, docs):
            res.ok, res.doc_id, res.chunks = True, doc.doc_id, chunks[doc.doc_id]
            res.status = ("added" if doc.doc_id in ing.added else
                          "updated" if doc.doc_id in ing.updated else "unchanged")
    if progress:
        progress(total, total, "done")
    return report


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
    if p.parent != Path(uploads_dir).resolve() or not p.is_file():
        return False
    p.unlink()
    return True
