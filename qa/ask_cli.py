"""`qa ask` (one question, a batch file, or an interactive prompt) and `qa chat` (a
conversation that rewrites follow-ups). `--json` prints `Answer.to_json()` objects."""

from __future__ import annotations

import json
import sys
import time

import click

from .cli import Context, _store_errors, cli, echo_json, fail


def _assistant(obj: Context):
    if getattr(obj, "_assistant", None) is None:
        from .assistant import Assistant

        obj._assistant = Assistant(obj.settings, obj.index, _retriever(obj))
    return obj._assistant


def _warm(obj: Context) -> None:
    """Before many questions (batch, interactive): embed the corpus sentences once."""
    try:
        _assistant(obj).warm()
    except Exception as exc:  # answering still works, only slower
        click.echo(f"warning: warm-up skipped ({exc})", err=True)


def _retriever(obj: Context):
    from .components import build_retriever

    return build_retriever(obj.settings, obj.index)


def render(ans) -> str:
    """A readable answer with numbered sources."""
    lines = [ans.text]
    if ans.standalone_question:
        lines.insert(0, f"(understood as: {ans.standalone_question})")
    if ans.citations:
        lines.append("")
        lines.append("Sources:")
        for c in ans.citations:
            lines.append(f"  [{c.marker}] {c.title or '(untitled)'} — {c.outlet or 'unknown outlet'}, "
                         f"{c.published or 'date unknown'}  ({c.doc_id} {c.start}:{c.end})")
            lines.append(f"      “{c.quote}”")
    if ans.unsupported:
        lines.append("")
        lines.append("Not supported by the cited passages (flagged):")
        lines.extend(f"  - {u}" for u in ans.unsupported)
    lines.append(f"({ans.mode} mode, {ans.latency_s * 1000:.0f} ms)")
    return "\n".join(lines)


def _answer(obj: Context, question: str, mode, k, as_json: bool, history=None, extra=None):
    from .assistant import LLMUnavailable

    t0 = time.perf_counter()
    try:
        ans = _assistant(obj).ask(question, mode=mode, k=k, history=history)
    except LLMUnavailable as exc:
        fail(str(exc), 4)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    ans.latency_s = time.perf_counter() - t0
    if as_json:
        echo_json({**(extra or {}), **ans.to_json()})
    else:
        click.echo(render(ans))
    return ans


def _batch(obj: Context, path: str, mode, k, as_json: bool) -> None:
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
            if not isinstance(item, dict) or "id" not in item or not str(item.get("question") or "").strip():
                fail(f"{path}:{n}: each line needs 'id' and a non-empty 'question', got {line.strip()[:120]}")
            items.append(item)
    if len(items) > 1:
        _warm(obj)
    for item in items:
        if as_json:
            _answer(obj, item["question"], mode, k, True, extra={"id": item["id"]})
        else:
            click.echo(f"# {item['id']}: {item['question']}")
            _answer(obj, item["question"], mode, k, False)
            click.echo()


_MODE = click.option("--mode", type=click.Choice(["quote", "llm"]), default=None,
                     help="Answer mode (default from settings: answer_mode).")
_K = click.option("-k", "k", type=click.IntRange(min=1), default=None,
                  help="How many passages to retrieve (default from settings).")


@cli.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per answer.")
@click.option("--batch", "batch", type=str, default=None,
              help="A JSONL file of {\"id\", \"question\"} lines ('-' for stdin).")
@_MODE
@_K
@click.pass_obj
@_store_errors
def ask(obj: Context, question, as_json, batch, mode, k) -> None:
    """Answer QUESTION with cited sentences; without one, ask interactively until an empty line."""
    if batch is not None:
        if question is not None:
            raise click.UsageError("give either a QUESTION or --batch FILE, not both")
        _batch(obj, batch, mode, k, as_json)
        return
    if question is not None:
        if not question.strip():
            raise click.UsageError("the question is empty; type a question")
        _answer(obj, question, mode, k, as_json)
        return
    _interactive(obj, mode, k, as_json, keep_history=False)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per answer.")
@_MODE
@_K
@click.pass_obj
@_store_errors
def chat(obj: Context, as_json, mode, k) -> None:
    """A conversation: follow-ups ('and who accompanied him?') use the earlier turns.
    Type /reset to start over, an empty line to quit."""
    _interactive(obj, mode, k, as_json, keep_history=True)


def _interactive(obj: Context, mode, k, as_json: bool, keep_history: bool) -> None:
    from .followup import Turn

    turns: list[Turn] = []
    prompt = "you> " if keep_history else "question> "
    while True:
        try:
            question = input(prompt).strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not question:
            break
        if question == "/reset":
            turns.clear()
            click.echo("(conversation cleared)")
            continue
        try:
            ans = _answer(obj, question, mode, k, as_json, history=turns if keep_history else None)
        except click.UsageError as exc:
            click.echo(f"error: {exc.message}", err=True)
            continue
        if keep_history:
            turns.append(Turn(question, ans.text, ans.standalone_question or question))
            del turns[:-10]
        click.echo()
