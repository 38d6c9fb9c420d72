"""The `qa` command line: `main()` (the console script), the `ingest` and `index` commands, and
the commands of qa.cli.ask and of other packages (entry points) registered on the group."""

from __future__ import annotations

import json
import sys

import click

from . import ask  # noqa: F401  (registers `ask` and `chat`)
from .group import DEFAULT_CORPUS, cli, Context, echo_json, fail, store_errors


class _IngestBar:
    """A tqdm bar on stderr: articles read (with an ETA when their number is known) and
    chunks embedded."""

    def __init__(self, total: int | None):
        from tqdm import tqdm

        self.chunks = 0
        self.bar = tqdm(total=total, unit="article", file=sys.stderr, dynamic_ncols=True,
                        disable=None, desc="ingest")  # disable=None: no bar when not a terminal

    def __call__(self, i: int, total: int | None, doc_id: str) -> None:
        if i > self.bar.n:  # called before article i (0-based), and once at the end with the count
            self.bar.update(i - self.bar.n)

    def chunks_done(self, n: int) -> None:
        self.chunks += n
        self.bar.set_postfix(chunks=self.chunks, refresh=False)

    def close(self) -> None:
        self.bar.close()


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--prune", is_flag=True, help="Remove indexed documents whose files are gone.")
@click.option("--field", "field_specs", multiple=True, metavar="ROLE=NAME",
              help="Which export field holds a value, e.g. --field text=body --field published=meta.date "
                   "(roles: id, text, title, outlet, published, url).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report.")
@click.pass_obj
@store_errors
def ingest(obj: Context, paths, prune, field_specs, as_json) -> None:
    """Index PATHS (files or folders; default corpus/): .txt, .md, .html, and exports with one
    article a record (.jsonl, .csv, .tsv, .parquet, .warc, .warc.gz). Unchanged documents are skipped."""
    from corpus import FieldMap, estimate_count
    from index import ingest_paths

    paths = list(paths) or [DEFAULT_CORPUS]
    try:
        configured = {k: v for k, v in obj.settings.ingest.fields.model_dump().items() if v}
        fields = FieldMap.parse({**configured, **dict(FieldMap.split_specs(field_specs))})
    except ValueError as exc:
        fail(str(exc))
    bar = None if as_json else _IngestBar(estimate_count(paths))
    try:
        report = ingest_paths(obj.index, paths, prune=prune, max_bytes=obj.settings.index.max_file_bytes,
                              fields=fields, batch_chunks=obj.settings.index.batch_chunks, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        echo_json(report.to_json())
    else:
        click.echo(
            f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
            f"removed {len(report.removed)}; {report.chunks_written} chunks embedded"
            + (f"; repaired {report.repaired_chunks} orphan chunks" if report.repaired_chunks else "")
        )
    for err in report.errors:
        click.echo(f"error: {err}", err=True)
    if report.errors:
        click.echo(f"{len(report.errors)} file(s) not ingested; the others were.", err=True)
        sys.exit(1)


@cli.group("index")
def index_group() -> None:
    """Inspect and edit the index."""


@index_group.command("status")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@store_errors
def index_status(obj: Context, as_json) -> None:
    """List indexed documents, chunk counts, the embedding model and the store."""
    idx = obj.index
    records = sorted(idx.records(fresh=True).values(), key=lambda r: r.doc_id)
    stats = idx.store.registry.stats()
    status = {
        "store": idx.store.location,
        "registry": str(idx.store.registry.path),
        "collection": idx.store.name,
        "embedding_model": obj.settings.index.embed_model,
        "passage_model": idx.store.passage_model,
        "article_model": idx.store.article_model,
        "documents": [
            {"doc_id": r.doc_id, "title": r.title, "outlet": r.outlet, "published": r.published,
             "chunks": r.n_chunks, "source": r.source, "dup_of": r.dup_of, "dup_count": r.dup_count}
            for r in records
        ],
        "total_chunks": sum(r.n_chunks for r in records),
        "date_range": [stats["date_from"], stats["date_to"]],
        "undated": stats["undated"],
        "duplicate_clusters": stats["duplicate_clusters"],
        "duplicate_copies": stats["duplicate_copies"],
    }
    if as_json:
        echo_json(status)
        return
    click.echo(f"store: {status['store']} (collection {status['collection']}; registry {status['registry']})")
    click.echo(f"embedding model: {status['embedding_model']} (passages: {status['passage_model']}; "
               f"articles: {status['article_model']})")
    click.echo(f"{len(records)} documents, {status['total_chunks']} chunks")
    lo, hi = status["date_range"]
    click.echo(f"published: {lo or '-'} to {hi or '-'}; {status['undated']} without a date")
    click.echo(f"near-duplicates: {status['duplicate_clusters']} clusters, "
               f"{status['duplicate_copies']} later copies (syndicated articles)")
    for d in status["documents"][:200]:
        click.echo(f"  {d['doc_id']}  {d['chunks']:>4} chunks  {d['published'] or '----------'}  "
                   f"{d['outlet'] or '-'}  {(d['title'] or '')[:60]}"
                   + (f"  (copy of {d['dup_of']})" if d["dup_of"] else ""))
    if len(records) > 200:
        click.echo(f"  ... and {len(records) - 200} more (--json lists all)")


@index_group.command("rm")
@click.argument("doc_id")
@click.pass_obj
@store_errors
def index_rm(obj: Context, doc_id) -> None:
    """Remove one document and its chunks."""
    with obj.index.write_lock:
        if not obj.index.remove(doc_id):
            fail(f"no document {doc_id!r} in the index; see `qa index status`", 1)
    click.echo(f"removed {doc_id}")


def _load_plugins() -> None:
    """Commands from other packages (`serve` from ui, `eval` from evaluation) register through entry points."""
    from importlib.metadata import entry_points

    for ep in entry_points(group="news_qa.commands"):
        if ep.name in cli.commands:
            continue
        try:
            cli.add_command(ep.load(), ep.name)
        except Exception as exc:  # a broken optional plugin must not break the CLI
            print(f"warning: command {ep.name!r} unavailable: {exc}", file=sys.stderr)


def main() -> None:
    _load_plugins()
    cli()


if __name__ == "__main__":
    main()
