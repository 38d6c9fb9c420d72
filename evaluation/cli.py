"""`qa eval`: gold sets, SQuAD 2.0, BEIR and ablations, with a report (json, md, html+plots)."""

from __future__ import annotations

import functools
import json
import platform
import sys
import time
from pathlib import Path

import click

from qa.cli.group import DEFAULT_CORPUS, Context, cli, echo_json, fail, store_errors


def _modes(mode: str) -> list[str]:
    return ["quote", "llm"] if mode == "both" else [mode]


def _meta(obj: Context, **extra) -> dict:
    s = obj.settings
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "data_dir": s.data_dir, "collection": s.collection, "embed_model": s.index.embed_model,
        "retrieval_mode": s.retrieval.mode, "k": s.retrieval.k, "python": platform.python_version(),
        **{k: v for k, v in extra.items() if v is not None},
    }


def ensure_corpus_indexed(index, corpus_dir: str, max_bytes: int) -> None:
    """An empty index is filled from `corpus_dir` when it exists; otherwise say what to run."""
    if index.records(fresh=True):
        return
    if not Path(corpus_dir).is_dir():
        fail(f"the index at {index.store.location} is empty and {corpus_dir}/ does not exist; "
             "run `qa ingest PATH` with the gold set's articles first", 2)
    from index import ingest_paths

    click.echo(f"the index is empty: ingesting {corpus_dir}/ first (once) ...", err=True)
    report = ingest_paths(index, [corpus_dir], max_bytes=max_bytes)
    if report.errors:
        for err in report.errors:
            click.echo(f"error: {err}", err=True)
    if not index.records(fresh=True):
        fail(f"nothing could be ingested from {corpus_dir}/; run `qa ingest PATH` yourself", 2)


def _assistant(settings, index):
    from qa.assistant import Assistant

    return Assistant.from_settings(settings, index=index)


def _load_items(path: str, index):
    from .gold import GoldError, load_gold

    get = functools.lru_cache(maxsize=None)(index.get_document)
    try:
        return load_gold(path, get)
    except GoldError as exc:
        fail(f"invalid gold file: {exc}", 2)


def _run_gold_modes(obj: Context, items, modes: list[str], k, progress: bool) -> list[dict]:
    from qa.assistant import LLMUnavailable

    from .runner import run_gold

    assistant = _assistant(obj.settings, obj.index)
    runs = []
    for mode in modes:
        try:
            runs.append(run_gold(assistant, items, mode, k=k, progress=progress).to_json())
        except LLMUnavailable as exc:
            if len(modes) == 1:
                fail(str(exc), 3)
            click.echo(f"warning: skipped {mode} mode: {exc}", err=True)
    return runs


def _finish(report: dict, out: str | None, as_json: bool) -> None:
    from .report import markdown, write_report

    if out:
        paths = write_report(out, report)
        click.echo("wrote " + ", ".join(str(p) for p in paths.values()), err=True)
    if as_json:
        echo_json(report)
    else:
        click.echo(markdown(report))


@cli.command("eval")
@click.option("--gold", type=click.Path(exists=True, dir_okay=False), help="A gold QA JSONL file.")
@click.option("--followups", type=click.Path(exists=True, dir_okay=False),
              help="A follow-up conversations JSONL file (e.g. eval/followups.jsonl); --split dev|test|all.")
@click.option("--beir", type=click.Path(exists=True, file_okay=False), help="A BEIR folder (corpus.jsonl, queries.jsonl, qrels/).")
@click.option("--squad", type=click.Path(exists=True, dir_okay=False), help="A SQuAD 2.0 JSON file.")
@click.option("--ablate", is_flag=True, help="Run the --gold set through the named pipeline variants.")
@click.option("--mode", type=click.Choice(["quote", "llm", "both"]), default="quote", show_default=True)
@click.option("--split", default=None, help="BEIR qrels split (default test) or SQuAD half: dev|test|all (default dev).")
@click.option("--limit", type=int, default=None, help="Only the first N questions (quick runs).")
@click.option("-k", "k", type=int, default=None, help="Passages the answer is built from (default from settings).")
@click.option("--variant", "variants", multiple=True,
              help="Extra ablation variant 'name:quote|llm:key=value,...', e.g. 'wide:quote:retrieval.k=10'.")
@click.option("--corpus", "corpus_dir", default=DEFAULT_CORPUS, show_default=True,
              help="Folder ingested when the index is empty (gold/ablate).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as one JSON object.")
@click.option("--out", type=click.Path(file_okay=False), help="Write report.json, report.md, report.html here.")
@click.option("--no-progress", is_flag=True, help="No progress bar on stderr.")
@click.option("--suite", is_flag=True, help="RealTime QA, MultiHop-RAG and RGB under each --config, one report.")
@click.option("--config", "configs", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="--suite: a qa.toml per configuration to compare (repeat; default: the current settings).")
@click.option("--quick", type=int, default=None, help="--suite: N questions per benchmark, small corpora.")
@click.option("--benchmark", "benchmarks", multiple=True, type=click.Choice(["realtimeqa", "multihop", "rgb"]),
              help="--suite: only these benchmarks (repeat; default all).")
@click.option("--bench-dir", type=click.Path(exists=True, file_okay=False),
              help="--suite: the benchmarks folder (default $QA_BENCH_DIR or ../shared/bench).")
@click.option("--cache-dir", type=click.Path(file_okay=False),
              help="--suite: where benchmark indexes are cached (default $QA_CACHE_DIR/eval-index).")
@click.option("--rtqa-index", type=click.Path(exists=True, file_okay=False),
              help="--suite: a prebuilt RealTime QA index dir to start from (copied, never written).")
@click.option("--write-baseline", type=click.Path(dir_okay=False), help="--suite: write the quality-gate baseline here.")
@click.option("--check-baseline", type=click.Path(dir_okay=False),
              help="--suite: re-run the baseline's sample; exit 1 when a metric regressed beyond its CI.")
@click.option("--reason", default="", help="--write-baseline: why the baseline changed (stored in it).")
@click.pass_obj
@store_errors
def eval_cmd(obj: Context, gold, followups, beir, squad, ablate, mode, split, limit, k, variants, corpus_dir,
             as_json, out, no_progress, suite, configs, quick, benchmarks, bench_dir, cache_dir, rtqa_index,
             write_baseline, check_baseline, reason) -> None:
    """Evaluate: `--gold FILE`, `--squad FILE`, `--beir DIR`, `--ablate --gold FILE`, or `--suite`."""
    if k is not None and k < 1:
        raise click.UsageError(f"-k must be >= 1, got {k}")
    if suite:
        from .suite_cli import run_suite_cmd

        report = run_suite_cmd(obj, configs, quick, split, mode, k, benchmarks, bench_dir, cache_dir, rtqa_index,
                               write_baseline, check_baseline, reason, not no_progress)
        _finish(report, out, as_json)
        if report.get("gate") and not report["gate"]["passed"]:
            sys.exit(1)
        return
    if followups:
        from .followups import markdown as followups_md
        from .followups_cli import run_followups_cmd

        report = run_followups_cmd(obj, followups, split, _modes(mode), k, corpus_dir, bench_dir, cache_dir, limit,
                                   not no_progress)
        if out:
            Path(out).mkdir(parents=True, exist_ok=True)
            (Path(out) / "followups.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
        if as_json:
            echo_json(report)
        else:
            click.echo("\n\n".join(followups_md(r) for r in report["followups"]))
        return
    if configs or quick or write_baseline or check_baseline:
        raise click.UsageError("--config/--quick/--write-baseline/--check-baseline go with --suite")
    chosen = [n for n, v in (("--gold", gold), ("--beir", beir), ("--squad", squad)) if v]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --gold FILE, --beir DIR or --squad FILE"
                               + (f" (got {', '.join(chosen)})" if chosen else ""))
    if ablate and not gold:
        raise click.UsageError("--ablate needs --gold FILE")
    if limit is not None and limit < 1:
        raise click.UsageError(f"--limit must be >= 1, got {limit}")
    progress = not no_progress
    if gold:
        ensure_corpus_indexed(obj.index, corpus_dir, obj.settings.index.max_file_bytes)
        items = _load_items(gold, obj.index)
        if limit:
            items = items[:limit]
        meta = _meta(obj, gold=gold, questions=len(items), answer_k=k)
        if ablate:
            _ablate(obj, items, mode, variants, k, progress, meta, out, as_json)
            return
        report = {"meta": meta, "gold": _run_gold_modes(obj, items, _modes(mode), k, progress)}
    elif squad:
        report = _squad(obj, squad, split or "dev", limit, mode, k, progress)
    else:
        report = _beir(obj, beir, split or "test", limit, progress)
    _finish(report, out, as_json)


def _ablate(obj: Context, items, mode, variant_specs, k, progress, meta, out, as_json) -> None:
    from .ablate import default_variants, parse_variant, run_ablation

    try:
        variants = default_variants(obj.settings, with_llm=mode in ("llm", "both"))
        variants += [parse_variant(s) for s in variant_specs]
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    for v in variants:
        bad = [key for key in v.overrides if key.split(".")[0] in ("index", "data_dir", "collection", "chroma_url")]
        if bad:
            raise click.UsageError(f"variant {v.name!r} changes {', '.join(bad)}: a different index needs its own "
                                   "data dir; run `qa --data-dir DIR ingest` and `qa --data-dir DIR eval` instead")

    def warn(v, exc):
        click.echo(f"warning: variant {v.name!r} skipped: {exc}", err=True)

    table = run_ablation(lambda s: _assistant(s, obj.index), obj.settings, items, variants, k=k,
                         progress=progress, on_error=warn)
    if not table["rows"]:
        fail("no ablation variant could run; see the warnings above", 3)
    _finish({"meta": {**meta, "ablation_variants": len(variants)}, "ablation": table}, out, as_json)


def _squad(obj: Context, path, split, limit, mode, k, progress) -> dict:
    from qa.assistant import LLMUnavailable
    from qa.components import build_index

    from .squad import COLLECTION, ensure_indexed, load_squad, run_squad

    try:
        docs, questions = load_squad(path, split)
    except ValueError as exc:
        fail(str(exc), 2)
    if not questions:
        fail(f"{path} has no questions in the {split!r} split; try --split all", 2)
    settings = obj.settings.with_overrides({"collection": f"{obj.settings.collection}_{COLLECTION}"})
    index = build_index(settings)
    ingest = ensure_indexed(index, docs, progress)
    assistant = _assistant(settings, index)
    results = {}
    for m in _modes(mode):
        try:
            results[m] = run_squad(assistant, questions, m, k=k, limit=limit, progress=progress)
        except LLMUnavailable as exc:
            if mode != "both":
                fail(str(exc), 3)
            click.echo(f"warning: skipped {m} mode: {exc}", err=True)
    meta = _meta(obj, squad=path, split=split, limit=limit, paragraphs=len(docs),
                 questions_in_split=len(questions), collection=settings.collection,
                 chunks_written=ingest.get("chunks_written"))
    return {"meta": meta, "squad": results}


BEIR_DEPTH = 100  # Recall@100 needs 100 ranked documents


def _beir(obj: Context, folder, split, limit, progress) -> dict:
    """Index the BEIR corpus in its own cached collection (evaluation/beir.py) and score
    dense, BM25 and hybrid retrieval from the current settings: nDCG@10, MRR@10, Recall@100."""
    from qa.components import article_embedder_for, build_retriever, get_embedder, passage_embedder_for

    from . import beir as B

    try:
        data = B.load_beir(folder, split=split)
    except (ValueError, FileNotFoundError) as exc:
        fail(str(exc), 2)
    if limit:
        keep = list(data.queries)[:limit]
        data.queries = {q: data.queries[q] for q in keep}
        data.qrels = {q: data.qrels[q] for q in keep}
    say = (lambda msg: click.echo(msg, err=True)) if progress else None
    index = B.open_beir_index(data, get_embedder(obj.settings.index.embed_model, obj.settings.index.torch_threads),
                              progress=say, passage_embedder=passage_embedder_for(obj.settings),
                              article_embedder=article_embedder_for(obj.settings))
    retriever = build_retriever(obj.settings, index)

    def search(mode: str):
        return lambda text: retriever.retrieve(text, BEIR_DEPTH, mode)

    result = B.evaluate(data, {m: search(m) for m in ("dense", "bm25", "hybrid")})
    out = result.to_json()
    out["variants"] = {v.pop("name"): v for v in out["variants"]}
    return {"meta": _meta(obj, beir=folder, split=split, limit=limit), "beir": out}
