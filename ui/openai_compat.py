"""OpenAI-compatible `POST /v1/chat/completions` (and `GET /v1/models`), so chat clients can ask.

- The last user message is the question; the earlier messages are the conversation, so
  follow-ups ("and when was that?") are understood.
- `model`: "news-qa" (default mode), "news-qa-quote" or "news-qa-llm" (listed at /v1/models);
  any other name is a 404 `model_not_found`, as OpenAI answers. A `mode` field wins.
- `usage` carries real token counts when the answering backend reports them (llm mode: the
  Answer's `usage`); otherwise it is left out, never filled with zeros.
- The response is a normal chat.completion; `choices[0].message.content` is the answer followed
  by a plain "Sources:" list, and the top-level `citations` field (and `news_qa`, the full
  `qa ask --json` object) carries the exact spans. With `stream: true` the answer arrives as
  SSE `chat.completion.chunk`s; the last chunk carries `citations`, then `data: [DONE]`.
- Errors use OpenAI's shape, {"error": {"message", "type", "code"}}, which OpenAI clients parse.
"""

from __future__ import annotations

import json
import time
import uuid

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from qa.types import Answer

from .service import BadRequest, EmptyLibrary, NewsService, NotFound, Unavailable

MODEL_IDS = {"news-qa": None, "news-qa-quote": "quote", "news-qa-llm": "llm"}
SOURCES_HEADER = "\n\nSources:\n"


def oai_error(status: int, message: str, code: str = "invalid_request", param: str | None = None) -> JSONResponse:
    kind = "invalid_request_error" if status < 500 else "server_error"
    return JSONResponse({"error": {"message": message, "type": kind, "param": param, "code": code}},
                        status_code=status)


class ModelNotFound(LookupError):
    """A `model` this server does not serve (OpenAI: 404 model_not_found)."""


def usage(answer: Answer) -> dict | None:
    """{"prompt_tokens", "completion_tokens", "total_tokens"} when the answer carries counts the
    backend reported (`Answer.usage`, llm mode); None otherwise, so the field is left out."""
    raw = getattr(answer, "usage", None) or {}
    try:
        prompt, completion_ = int(raw["prompt_tokens"]), int(raw["completion_tokens"])
    except (KeyError, TypeError, ValueError):
        return None
    if prompt <= 0 and completion_ <= 0:
        return None
    return {"prompt_tokens": prompt, "completion_tokens": completion_, "total_tokens": prompt + completion_}


def sources_footer(answer: Answer, labels: dict[str, str] | None = None) -> str:
    """'[1] MEMRI · 19 Jan 2024 · Hamas delegation visits…: "quoted sentence"' per citation,
    then the generated sentences the claim check rejected, with why: a plain-text client
    cannot strike them through, so it is told which they are."""
    from qa.labels import source_label

    lines = [
        f"[{c.marker}] {(labels or {}).get(c.doc_id) or source_label(c.outlet, c.published, c.title, doc_id=c.doc_id)}"
        f": \"{c.quote.strip()}\""
        for c in answer.citations
    ]
    rejected = [f"- \"{answer.text[v.start:v.end]}\" ({v.reason})" for v in getattr(answer, "sentences", [])
                if v.status == "unsupported"]
    if rejected:
        lines += ["", "Not supported by the articles:", *rejected]
    return SOURCES_HEADER + "\n".join(lines) if lines else ""


def _text(content) -> str:
    """Message content: a string, or OpenAI's list of parts ({"type": "text", "text": ...})."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def parse_chat(body: dict) -> tuple[str, list[dict], str | None, bool, str]:
    """(question, history, mode, stream, model) from a chat.completions request body."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest('messages must be a non-empty list like [{"role": "user", "content": "..."}]')
    turns = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant", "developer", "tool"):
            raise BadRequest(f"messages[{i}] must be an object with role system|user|assistant and content")
        if m["role"] in ("user", "assistant"):
            if not isinstance(m.get("content"), (str, list)):
                raise BadRequest(f"messages[{i}].content must be a string (or a list of text parts), "
                                 f"got {type(m.get('content')).__name__}")
            text = _text(m.get("content"))
            if m["role"] == "assistant" and SOURCES_HEADER in text:  # our own footer, sent back
                text = text.split(SOURCES_HEADER, 1)[0]
            turns.append({"role": m["role"], "content": text})
    if not turns or turns[-1]["role"] != "user":
        raise BadRequest("the last message must be the user's question")
    question = turns[-1]["content"]
    model = body.get("model") or "news-qa"
    if not isinstance(model, str):
        raise BadRequest("model must be a string, e.g. \"news-qa\"")
    if model not in MODEL_IDS:
        raise ModelNotFound(f"The model `{model}` does not exist; this server serves "
                            f"{', '.join(MODEL_IDS)} (see /v1/models)")
    mode = body.get("mode") or MODEL_IDS.get(model)
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise BadRequest("stream must be true or false")
    return question, turns[:-1], mode, stream, model


def completion(answer: Answer, model: str, cid: str, created: int, labels: dict | None = None) -> dict:
    content = answer.text + sources_footer(answer, labels)
    out = {
        "id": cid, "object": "chat.completion", "created": created, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": "stop", "logprobs": None}],
        "citations": [c.to_json() for c in answer.citations],
        "news_qa": answer.to_json(),
    }
    counts = usage(answer)
    if counts:
        out["usage"] = counts
    return out


def _chunk(cid: str, created: int, model: str, delta: dict, finish=None, **extra) -> str:
    obj = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
           "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra}
    return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"


def add_openai_routes(app: FastAPI, service: NewsService) -> None:
    @app.get("/v1/models")
    def models():
        return {"object": "list", "data": [
            {"id": m, "object": "model", "created": 0, "owned_by": "news-qa"} for m in MODEL_IDS]}

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request):
        raw = await request.body()
        try:
            body = json.loads(raw)
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except (ValueError, UnicodeDecodeError) as exc:
            return oai_error(400, f"the request body is not a JSON object ({exc}); send "
                                  '{"model": "news-qa", "messages": [{"role": "user", "content": "..."}]}',
                             "malformed_json")
        try:
            question, history, mode, stream, model = parse_chat(body)
            service.check_question(question, mode)
            service.check_library()
        except EmptyLibrary as exc:
            return oai_error(409, str(exc), "empty_library")
        except ModelNotFound as exc:
            return oai_error(404, str(exc), "model_not_found", "model")
        except BadRequest as exc:
            return oai_error(400, str(exc))
        except Unavailable as exc:
            return oai_error(503, str(exc), "mode_unavailable")
        cid, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        if not stream:
            try:
                answer = await run_in_threadpool(service.ask, question, mode, None, None, history)
            except (BadRequest, NotFound) as exc:
                return oai_error(400, str(exc))
            except Unavailable as exc:
                resp = oai_error(503, str(exc), "mode_unavailable")
                if getattr(exc, "retry_after", None):
                    resp.headers["Retry-After"] = str(max(1, round(exc.retry_after)))
                return resp
            return completion(answer, model, cid, created, service.labels(answer))

        def events():
            yield _chunk(cid, created, model, {"role": "assistant", "content": ""})
            try:
                final = None
                for item in service.stream(question, mode, None, None, history):
                    if isinstance(item, Answer):
                        final = item
                    elif item:
                        yield _chunk(cid, created, model, {"content": item})
                if final is not None:
                    footer = sources_footer(final, service.labels(final))
                    if footer:
                        yield _chunk(cid, created, model, {"content": footer})
                    counts = usage(final)
                    yield _chunk(cid, created, model, {}, "stop",
                                 citations=[c.to_json() for c in final.citations], news_qa=final.to_json(),
                                 **({"usage": counts} if counts else {}))
                else:
                    yield _chunk(cid, created, model, {}, "stop")
            except Unavailable as exc:  # e.g. the local model's worker died mid-answer
                err = {"message": str(exc), "type": "mode_unavailable", "code": 503,
                       "retry_after": getattr(exc, "retry_after", None)}
                yield f"data: {json.dumps({'error': err})}\n\n"
            except Exception as exc:  # the stream has started: report in-band, then end it
                yield f"data: {json.dumps({'error': {'message': f'answering failed: {exc}', 'type': 'server_error'}})}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
