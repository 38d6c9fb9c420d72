"""`qa ask`: retrieve passages for a question (answering lands with the answerers)."""

from __future__ import annotations

import time

import click

from .cli import Context, _store_errors, cli, echo_json


def _show(obj: Context, question: str, k: int, as_json: bool) -> None:
    from .components import build_retriever

    retriever = build_retriever(obj.settings, obj.index)
    t0 = time.perf_counter()
    try:
        passages = retriever.retrieve(question, k, obj.settings.retrieval.mode)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    latency = time.perf_counter() - t0
    if as_json:
        echo_json({"question": question, "passages": [p.to_json() for p in passages],
                   "latency_s": round(latency, 4)})
        return
    if not passages:
        click.echo("The index is empty: run `qa ingest` first.")
    for i, p in enumerate(passages, 1):
        click.echo(f"[{i}] {p.title or p.doc_id} — {p.outlet or 'unknown outlet'}, "
                   f"{p.published or 'date unknown'}  ({p.doc_id} {p.start}:{p.end}, score {p.score:.3f})")
        click.echo("    " + p.text.replace("\n", " ")[:400])


@cli.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("-k", "k", type=int, default=None, help="How many passages (default from settings).")
@click.pass_obj
@_store_errors
def ask(obj: Context, question, as_json, k) -> None:
    """Ask QUESTION; without one, ask interactively until an empty line."""
    k = k or obj.settings.retrieval.k
    if question is not None:
        _show(obj, question, k, as_json)
        return
    while True:
        try:
            question = input("question> ").strip()
        except EOFError:
            break
        if not question:
            break
        _show(obj, question, k, as_json)
