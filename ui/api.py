"""The JSON API beside the UI. Every error is {"error": "what was wrong and what to do"}, with
the HTTP status that says what kind: 400 bad input, 404 unknown document or route, 405 wrong
method, 409 would overwrite, 413 too large, 422 wrong type or unknown field, 501/503 missing
capability. Request and response bodies are pydantic models (ui/schemas.py): see /api/docs.

  GET    /healthz
  POST   /api/ask                     AskRequest -> AskResponse (the `qa ask --json` object + labels)
  GET    /api/documents               the library
  GET    /api/documents/{id}          metadata + full text
  GET    /api/documents/{id}/view     the source viewer's escaped HTML (?start=&end= highlights)
  POST   /api/documents               multipart upload; ?replace=true (or a form field) overwrites
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
from starlette.routing import Match

from . import schemas
from .render import document_html
from .service import BadRequest, Conflict, NewsService, NotFound, Unavailable

API_PREFIXES = ("/api/", "/v1/")


def error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _truthy(value) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(BadRequest)
    async def _bad(_, exc):
        return error(400, str(exc))

    @app.exception_handler(NotFound)
    async def _missing(_, exc):
        return error(404, str(exc.args[0] if exc.args else exc))

    @app.exception_handler(Conflict)
    async def _conflict(_, exc):
        return error(409, str(exc))

    @app.exception_handler(Unavailable)
    async def _unavailable(_, exc):
        retry = getattr(exc, "retry_after", None)
        return error(503, str(exc), headers={"Retry-After": str(max(1, round(retry)))} if retry else None)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, exc):
        errors = exc.errors()
        status = 400 if any(e.get("type") == "json_invalid" for e in errors) else 422
        if request.url.path.startswith("/v1/"):
            from .openai_compat import oai_error

            return oai_error(status, schemas.describe(errors))
        return error(status, schemas.describe(errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_, exc):
        return error(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))


def _unknown_route(app: FastAPI) -> None:
    """Registered last: an unknown /api or /v1 path is a 404, a known one with another method
    a 405 (with Allow), both as {"error"}, instead of falling through to the mounted UI."""

    async def unknown(request: Request, path: str):
        allowed = set()
        for route in app.router.routes:
            if route.path.endswith("{path:path}"):
                continue
            match, _ = route.matches({**request.scope, "method": "__none__"})
            if match is not Match.NONE and getattr(route, "methods", None):
                allowed |= set(route.methods)
        if allowed:
            allow = ", ".join(sorted(allowed))
            return error(405, f"{request.method} is not allowed on {request.url.path}; use {allow}",
                         headers={"Allow": allow})
        return error(404, f"no route {request.url.path}; the API is /api/ask, /api/documents, "
                          "/v1/chat/completions and /v1/models (see /api/docs)")

    for prefix in ("/api", "/v1"):
        app.add_api_route(prefix + "/{path:path}", unknown, include_in_schema=False,
                          methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])


def create_api(service: NewsService) -> FastAPI:
    app = FastAPI(title="news-qa", docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json",
                  description="Answers about news articles; every claim cites an exact span.")
    app.state.service = service
    _error_handlers(app)

    @app.get("/healthz")
    def healthz():
        worker = service.llm_worker_status()
        return {"status": "ok", **({"llm_worker": worker} if worker else {})}

    @app.post("/api/ask", response_model=schemas.AskResponse, responses=schemas.ERRORS)
    async def ask(body: schemas.AskRequest):
        """Answer a question; citations carry exact spans and a readable `label`."""
        history = [m.model_dump() for m in body.history] if body.history is not None else None
        filters = body.filters.model_dump(exclude_none=True) if body.filters is not None else None

        def run():
            ans = service.ask(body.question, body.mode, body.k, filters, history, as_of=body.as_of)
            return service.answer_json(ans)

        return await run_in_threadpool(run)

    @app.get("/api/documents", response_model=schemas.DocumentList)
    def documents():
        docs = service.documents()
        return {"documents": docs, "count": len(docs)}

    @app.get("/api/documents/{doc_id}", response_model=schemas.DocumentFull, responses=schemas.ERRORS)
    def document(doc_id: str):
        return service.document_json(doc_id)

    @app.get("/api/documents/{doc_id}/view", response_class=HTMLResponse, responses=schemas.ERRORS)
    def view(doc_id: str, start: int | None = None, end: int | None = None):
        doc = service.document(doc_id)
        if (start is None) != (end is None):
            raise BadRequest("give both start and end to highlight a span, or neither")
        if start is not None and not (0 <= start < end <= len(doc.text)):
            raise BadRequest(f"span {start}:{end} is outside document {doc_id!r} (length {len(doc.text)})")
        return HTMLResponse(document_html(doc, start, end))

    @app.post("/api/documents", response_model=schemas.UploadReportOut, responses=schemas.ERRORS,
              openapi_extra=schemas.UPLOAD_BODY)
    async def upload(request: Request):
        """Upload articles. A file whose document id exists is refused with 409 unless
        replace=true; a replacement keeps the existing metadata unless new fields are sent."""
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise BadRequest("send the files as multipart/form-data in a field named 'files'")
        limit = service.settings.index.max_file_bytes * 40  # bulk files; per-file limits in uploads.py
        try:
            form = await request.form()
        except Exception as exc:  # malformed multipart bodies raise several types
            raise BadRequest(f"could not read the multipart upload ({exc}); send .txt, .md or .html "
                             "files in a field named 'files'") from None
        files: list[tuple[str, bytes]] = []
        fields: dict[str, str] = {}
        try:
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    data = await value.read(limit + 1)  # never read more than one byte past the limit
                    files.append((value.filename or "upload", data))
                else:
                    fields[key] = value
        finally:
            await form.close()
        replace = _truthy(request.query_params.get("replace") or fields.get("replace"))
        metadata = {k: fields[k] for k in ("title", "outlet", "published", "url") if fields.get(k)}
        report = await run_in_threadpool(service.upload, files, None, replace, metadata or None)
        body = report.to_json()
        if report.ok:
            return body
        status = 207 if any(f.ok for f in report.files) else _upload_status(report)
        return JSONResponse({"error": "; ".join(e["error"] for e in body["errors"]), **body},
                            status_code=status)

    @app.delete("/api/documents/{doc_id}", response_model=schemas.Deleted, responses=schemas.ERRORS)
    def delete(doc_id: str):
        return service.delete(doc_id)

    from .openai_compat import add_openai_routes

    add_openai_routes(app, service)
    _unknown_route(app)
    return app


def _upload_status(report) -> int:
    if report.only_conflicts:
        return 409
    reasons = " ".join(f.error or "" for f in report.files)
    return 413 if len(report.files) == 1 and "too large" in reasons else 400


class DetailToError:
    """ASGI middleware: a JSON error body {"detail": ...} from a mounted app (Gradio answers
    unknown paths itself) becomes the documented {"error": ...}. Gradio's own /gradio_api
    routes are left alone; its front end reads their `detail`."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("path", "").startswith("/gradio_api"):
            return await self.app(scope, receive, send)
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message):
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if message["status"] >= 400 and headers.get(b"content-type", b"").startswith(b"application/json"):
                    start.update(message)
                    return
            elif start and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                await _send_rewritten(send, start, b"".join(chunks))
                return
            await send(message)

        await self.app(scope, receive, capture)


async def _send_rewritten(send, start: dict, body: bytes) -> None:
    try:
        obj = json.loads(body)
    except ValueError:
        obj = None
    if isinstance(obj, dict) and set(obj) == {"detail"}:
        detail = obj["detail"]
        body = json.dumps({"error": detail if isinstance(detail, str) else json.dumps(detail)}).encode()
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body})
