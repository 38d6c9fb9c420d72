"""`qa ask` (one question, a batch file, or an interactive prompt) and `qa chat` (a
conversation that rewrites follow-ups). `--json` prints `Answer.to_json()` objects.

`--server URL` (or QA_SERVER) sends the questions to a running `qa serve` (POST /api/ask):
no models load in this process, so an answer takes the server's time plus a round trip.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from .group import Context, cli, echo_json, fail, store_errors

EXIT_NO_INDEX = 3
EXIT_LLM = 4
EXIT_SERVER = 5


class Backend:
    """Where answers come from: this process (the Assistant) or a `qa serve` over HTTP.
    `ask(...)` returns the answer JSON (`Answer.to_json()` plus a `label` per citation)."""

    def ask(self, question: str, mode, k, history=None, as_of=None) -> dict:
        raise NotImplementedError


class LocalBackend(Backend):
    def __init__(self, obj: Context):
        self.obj = obj
        self._assistant = None
        self._labels: dict[str, str] = {}

    def check_index(self) -> None:
        """A clear error, not "The articles don't say.", when there is nothing to search."""
        s = self.obj.settings
        if not s.chroma_url and not Path(s.data_dir).exists():
            fail(f"no index at {s.data_dir}; run `qa ingest PATH` first, or pass --data-dir DIR "
                 "of an existing index (or --server URL of a running `qa serve`)", EXIT_NO_INDEX)
        if not self.obj.index.records():
            where = s.chroma_url or s.data_dir
            fail(f"the index at {where} has no documents; add some with `qa ingest PATH`", EXIT_NO_INDEX)

    @property
    def assistant(self):
        if self._assistant is None:
            from ..assistant import Assistant

            self._assistant = Assistant.from_settings(self.obj.settings, self.obj.index)
        return self._assistant

    def warm(self) -> None:
        """Before many questions (batch, interactive): embed the corpus sentences once."""
        try:
            self.assistant.warm()
        except Exception as exc:  # answering still works, only slower
            click.echo(f"warning: warm-up skipped ({exc})", err=True)

    def _label(self, c) -> str:
        from ..labels import headline, source_label

        if c.doc_id not in self._labels:
            doc = None if c.title else self.obj.index.get_document(c.doc_id)
            self._labels[c.doc_id] = headline(c.title, doc.text if doc else None, c.doc_id)
        return source_label(c.outlet, c.published, self._labels[c.doc_id])

    def ask(self, question, mode, k, history=None, as_of=None) -> dict:
        from ..assistant import LLMUnavailable
        from ..hooks import accepts

        extra = {}
        if as_of:
            if not accepts(self.assistant.ask, "as_of"):
                raise click.UsageError("--as-of is not supported by this installation's assistant yet "
                                       "(Assistant.ask has no as_of parameter); leave it out")
            extra["as_of"] = as_of
        t0 = time.perf_counter()
        try:
            ans = self.assistant.ask(question, mode=mode, k=k, history=history, **extra)
        except LLMUnavailable as exc:
            fail(str(exc), EXIT_LLM)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        ans.latency_s = time.perf_counter() - t0
        out = ans.to_json()
        for c, cj in zip(ans.citations, out.get("citations", [])):
            cj["label"] = self._label(c)
        return out


class ServerBackend(Backend):
    """POST /api/ask on a running `qa serve`; no proxies (it is meant for loopback/LAN)."""

    def __init__(self, url: str, timeout: float = 300.0):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def ask(self, question, mode, k, history=None, as_of=None) -> dict:
        import urllib.error
        import urllib.request

        payload = {"question": question, **{key: v for key, v in
                                            (("mode", mode), ("k", k), ("as_of", as_of)) if v is not None}}
        if history:
            payload["history"] = history
        req = urllib.request.Request(self.url + "/api/ask", data=json.dumps(payload).encode("utf-8"),
                                     headers={"content-type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        t0 = time.perf_counter()
        try:
            with opener.open(req, timeout=self.timeout) as resp:
                out = json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read()).get("error") or exc.reason
            except ValueError:
                message = exc.reason
            if exc.code in (400, 409, 422):
                raise click.UsageError(f"{message}") from None
            fail(f"the server at {self.url} answered {exc.code}: {message}",
                 EXIT_LLM if exc.code == 503 else EXIT_SERVER)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise ServerUnreachable(f"cannot reach `qa serve` at {self.url} "
                                    f"({getattr(exc, 'reason', exc)})") from None
        out["client_latency_s"] = round(time.perf_counter() - t0, 4)
        return out


class ServerUnreachable(RuntimeError):
    pass


def render(ans: dict) -> str:
    """A readable answer: the text, then one line per cited article with its quotes."""
    lines = [ans["answer"]]
    if ans.get("standalone_question"):
        lines.insert(0, f"(understood as: {ans['standalone_question']})")
    reason = (ans.get("verdict") or {}).get("reason")
    if reason:
        lines.append(f"(why: {reason})")
    by_doc: dict[str, list[dict]] = {}
    for c in ans.get("citations", []):
        by_doc.setdefault(c["doc_id"], []).append(c)
    if by_doc:
        from ..labels import source_label

        lines += ["", "Sources:"]
        for doc_id, cs in by_doc.items():
            c = cs[0]
            label = c.get("label") or source_label(c.get("outlet"), c.get("published"), c.get("title"),
                                                   doc_id=doc_id)
            markers = "".join(f"[{x['marker']}]" for x in cs)
            lines.append(f"  {markers} {label}  ({doc_id})")
            lines.extend(f"      [{x['marker']}] “{x['text']}”" for x in cs)
    rejected = [s for s in ans.get("sentences") or [] if s.get("status") == "unsupported"]
    if rejected:
        lines += ["", "Not supported by the cited passages (left in the answer as it was written):"]
        lines.extend(f"  - {s['text']}  ({s.get('reason') or 'not found in the cited article'})" for s in rejected)
    elif ans.get("unsupported"):
        lines += ["", "Not supported by the cited passages (flagged):"]
        lines.extend(f"  - {u}" for u in ans["unsupported"])
    took = ans.get("client_latency_s", ans.get("latency_s", 0.0))
    lines.append(f"({ans.get('mode')} mode, {took * 1000:.0f} ms)")
    return "\n".join(lines)


def _backend(obj: Context, server: str | None, local: bool) -> Backend:
    ctx = click.get_current_context()
    if server and not local:
        from_env = ctx.get_parameter_source("server") == click.core.ParameterSource.ENVIRONMENT
        backend = ServerBackend(server)
        backend.from_env = from_env
        return backend
    return LocalBackend(obj)


def _answer(backend: Backend, question: str, mode, k, as_json: bool, history=None, extra=None,
            as_of=None) -> dict:
    try:
        out = backend.ask(question, mode, k, history=history, as_of=as_of)
    except ServerUnreachable as exc:
        fail(f"{exc}; start it with `qa serve`, or drop --server / unset QA_SERVER", EXIT_SERVER)
    if as_json:
        echo_json({**(extra or {}), **out})
    else:
        click.echo(render(out))
    return out


def _ready(obj: Context, backend: Backend) -> Backend:
    """The backend to use, checked: a local index with documents, or a reachable server
    (QA_SERVER that does not answer falls back to the local index, with a warning)."""
    if isinstance(backend, ServerBackend):
        try:
            _ping(backend)
            return backend
        except ServerUnreachable as exc:
            if not getattr(backend, "from_env", False):
                fail(f"{exc}; start it with `qa serve`, or drop --server", EXIT_SERVER)
            click.echo(f"warning: {exc} (QA_SERVER); answering locally", err=True)
            backend = LocalBackend(obj)
    backend.check_index()
    return backend


def _ping(backend: ServerBackend) -> None:
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(backend.url + "/healthz", timeout=5) as resp:
            resp.read()
    except OSError as exc:
        raise ServerUnreachable(f"cannot reach `qa serve` at {backend.url} ({getattr(exc, 'reason', exc)})") from None


def _read_batch(path: str) -> list[dict]:
    try:
        fh = sys.stdin if path == "-" else open(path, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot read batch file {path}: {exc}", 2)
    items = []
    with fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                fail(f"{path}:{n}: not JSON ({exc}); each line must be an object with 'id' and 'question'")
            if not isinstance(item, dict) or "id" not in item:
                fail(f"{path}:{n}: each line needs 'id' and a non-empty 'question', got {line.strip()[:120]}")
            if not isinstance(item.get("question"), str):
                fail(f"{path}:{n}: question must be a string, got {type(item.get('question')).__name__}")
            if not item["question"].strip():
                fail(f"{path}:{n}: each line needs 'id' and a non-empty 'question', got {line.strip()[:120]}")
            try:
                item["as_of"] = _as_of(item.get("as_of"))
            except click.BadParameter as exc:
                fail(f"{path}:{n}: {exc.message}")
            items.append(item)
    return items


def _batch(backend: Backend, path: str, mode, k, as_json: bool, as_of) -> None:
    items = _read_batch(path)
    if len(items) > 1 and isinstance(backend, LocalBackend):
        backend.warm()
    for item in items:
        when = item.get("as_of") or as_of
        if as_json:
            _answer(backend, item["question"], mode, k, True, extra={"id": item["id"]}, as_of=when)
        else:
            click.echo(f"# {item['id']}: {item['question']}")
            _answer(backend, item["question"], mode, k, False, as_of=when)
            click.echo()


def _as_of(value):
    from ..hooks import parse_as_of

    try:
        return parse_as_of(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


_MODE = click.option("--mode", type=click.Choice(["quote", "llm"]), default=None,
                     help="Answer mode (default from settings: answer_mode).")
_K = click.option("-k", "k", type=click.IntRange(min=1), default=None,
                  help="How many passages to retrieve (default from settings).")
_SERVER = click.option("--server", envvar="QA_SERVER", default=None, metavar="URL",
                       help="Ask a running `qa serve` (e.g. http://127.0.0.1:7860) instead of loading "
                            "models here; also QA_SERVER.")
_LOCAL = click.option("--local", is_flag=True, help="Answer in this process even if QA_SERVER is set.")


@cli.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per answer.")
@click.option("--batch", "batch", type=str, default=None,
              help="A JSONL file of {\"id\", \"question\", \"as_of\"?} lines ('-' for stdin).")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="Answer as of this date (what the articles said by then).")
@_MODE
@_K
@_SERVER
@_LOCAL
@click.pass_obj
@store_errors
def ask(obj: Context, question, as_json, batch, as_of, mode, k, server, local) -> None:
    """Answer QUESTION with cited sentences; without one, ask interactively until an empty line."""
    as_of = _as_of(as_of)
    if batch is not None and question is not None:
        raise click.UsageError("give either a QUESTION or --batch FILE, not both")
    if question is not None and not question.strip():
        raise click.UsageError("the question is empty; type a question")
    backend = _ready(obj, _backend(obj, server, local))
    if batch is not None:
        _batch(backend, batch, mode, k, as_json, as_of)
        return
    if question is not None:
        _answer(backend, question, mode, k, as_json, as_of=as_of)
        return
    _interactive(backend, mode, k, as_json, keep_history=False)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per answer.")
@_MODE
@_K
@_SERVER
@_LOCAL
@click.pass_obj
@store_errors
def chat(obj: Context, as_json, mode, k, server, local) -> None:
    """A conversation: follow-ups ('and who accompanied him?') use the earlier turns.
    Type /reset to start over, an empty line to quit."""
    _interactive(_ready(obj, _backend(obj, server, local)), mode, k, as_json, keep_history=True)


def _interactive(backend: Backend, mode, k, as_json: bool, keep_history: bool) -> None:
    from ..question.memory import ChatMemory

    memory = ChatMemory(max_turns=10) if keep_history else None  # LlamaIndex loads only for chat
    prompt = "you> " if keep_history else "question> "
    while True:
        try:
            question = input(prompt).strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not question:
            break
        if question == "/reset":
            if memory is not None:
                memory.reset()
            click.echo("(conversation cleared)")
            continue
        try:
            history = None
            if memory is not None:
                history = memory.turns() if isinstance(backend, LocalBackend) else memory.as_dicts()
            out = _answer(backend, question, mode, k, as_json, history=history)
        except click.UsageError as exc:
            click.echo(f"error: {exc.message}", err=True)
            continue
        if memory is not None:
            memory.remember(question, out)  # with its citations: follow-ups keep the thread
        click.echo()
