"""The JSON API beside the UI. Errors are 4xx/5xx with {"error": "what was wrong and what to do"}.

  GET    /healthz
  POST   /api/ask                     {question, mode?, k?, filters?} -> the `qa ask --json` object
  GET    /api/documents               the library
  GET    /api/documents/{id}          metadata + full text
  GET    /api/documents/{id}/view     the source viewer's escaped HTML (?start=&end= highlights)
  POST   /api/documents               multipart upload (.txt/.md/.html), per-file results
  DELETE /api/documents/{id}
  POST   /v1/chat/completions         OpenAI-compatible (see openai_compat.py)
"""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from .render import document_html
from .service import BadRequest, NewsService, NotFound, Unavailable

ASK_KEYS = {"question", "mode", "k", "filters", "history"}


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def read_json_object(request: Request, example: str) -> dict:
    raw = await request.body()
    if not raw.strip():
        raise BadRequest(f"the request body is empty; send a JSON object like {example}")
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the request body is not valid JSON ({exc}); send a JSON object like {example}") from None
    if not isinstance(body, dict):
        raise BadRequest(f"the request body must be a JSON object like {example}")
    return body


def create_api(service: NewsService) -> FastAPI:
    app = FastAPI(title="news-qa", docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    app.state.service = service

    @app.exception_handler(BadRequest)
    async def _bad(_, exc):
        return error(400, str(exc))

    @app.exception_handler(NotFound)
    async def _missing(_, exc):
        return error(404, str(exc.args[0] if exc.args else exc))

    @app.exception_handler(Unavailable)
    async def _unavailable(_, exc):
        return error(503, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_, exc):
        problems = "; ".join(f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg')}" for e in exc.errors())
        return error(422, f"invalid request ({problems}); see /api/docs for the expected input")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_, exc):
        return error(exc.status_code, str(exc.detail))

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.post("/api/ask")
    async def ask(request: Request):
        body = await read_json_object(request, '{"question": "Who met in Moscow?", "mode": "quote"}')
        unknown = set(body) - ASK_KEYS
        if unknown:
            raise BadRequest(f"unknown field(s) {', '.join(sorted(unknown))}; use {', '.join(sorted(ASK_KEYS))}")
        history = body.get("history")
        if history is not None and not _is_history(history):
            raise BadRequest('history must be a list of {"role": "user"|"assistant", "content": "..."}')
        answer = await run_in_threadpool(
            service.ask, body.get("question"), body.get("mode"), body.get("k"), body.get("filters"), history
        )
        return answer.to_json()

    @app.get("/api/documents")
    def documents():
        docs = service.documents()
        return {"documents": docs, "count": len(docs)}

    @app.get("/api/documents/{doc_id}")
    def document(doc_id: str):
        return service.document_json(doc_id)

    @app.get("/api/documents/{doc_id}/view", response_class=HTMLResponse)
    def view(doc_id: str, start: int | None = None, end: int | None = None):
        doc = service.document(doc_id)
        if (start is None) != (end is None):
            raise BadRequest("give both start and end to highlight a span, or neither")
        if start is not None and not (0 <= start < end <= len(doc.text)):
            raise BadRequest(f"span {start}:{end} is outside document {doc_id!r} (length {len(doc.text)})")
        return HTMLResponse(document_html(doc, start, end))

    @app.post("/api/documents")
    async def upload(request: Request):
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise BadRequest("send the files as multipart/form-data in a field named 'files'")
        limit = service.settings.index.max_file_bytes
        try:
            form = await request.form()
        except Exception as exc:  # malformed multipart bodies raise several types
            raise BadRequest(f"could not read the multipart upload ({exc}); send .txt, .md or .html "
                             "files in a field named 'files'") from None
        files: list[tuple[str, bytes]] = []
        try:
            for _, value in form.multi_items():
                if isinstance(value, UploadFile):
                    data = await value.read(limit + 1)  # never read more than one byte past the limit
                    files.append((value.filename or "upload", data))
        finally:
            await form.close()
        report = await run_in_threadpool(service.upload, files)
        body = report.to_json()
        if report.ok:
            return body
        status = 207 if any(f.ok for f in report.files) else _upload_status(report)
        return JSONResponse({"error": "; ".join(e["error"] for e in body["errors"]), **body},
                            status_code=status)

    @app.delete("/api/documents/{doc_id}")
    def delete(doc_id: str):
        return service.delete(doc_id)

    from .openai_compat import add_openai_routes

    add_openai_routes(app, service)
    return app


def _upload_status(report) -> int:
    reasons = " ".join(f.error or "" for f in report.files)
    return 413 if len(report.files) == 1 and "too large" in reasons else 400


def _is_history(history) -> bool:
    return isinstance(history, list) and all(
        isinstance(m, dict) and m.get("role") in ("user", "assistant", "system")
        and isinstance(m.get("content"), str) for m in history
    )
