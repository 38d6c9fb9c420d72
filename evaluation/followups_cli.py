"""`qa eval --followups FILE`: the follow-up conversations over their own index (the seed
articles, the conversations' RealTime QA documents and a fixed sample of other RealTime QA
questions' documents as distractors), built once under the cache dir and reused."""

from __future__ import annotations

from pathlib import Path

import click


def run_followups_cmd(obj, path: str, split: str | None, modes: list[str], k: int | None, corpus_dir: str,
                      bench_dir: str | None, cache_dir: str | None, limit: int | None, progress: bool) -> dict:
    from qa.assistant import Assistant, LLMUnavailable
    from qa.cli.main import fail

    from .beir import bench_dir as default_bench_dir, cache_root
    from .followups import FollowupError, followup_documents, load_followups, run_followups
    from .suite import open_bench_index

    try:
        convs = load_followups(path, split or "all")
        if limit:
            convs = convs[:limit]
        rtqa = Path(bench_dir or default_bench_dir()) / "realtimeqa"
        # the index holds every conversation's documents whatever the split or limit, so that
        # a dev run and a test run answer over the same articles
        docs = followup_documents(load_followups(path, "all"), corpus_dir, rtqa)
    except FollowupError as exc:
        fail(f"invalid follow-up file: {exc}", 2)
    say = lambda m: click.echo(m, err=True)  # noqa: E731
    index, settings = open_bench_index(obj.settings, "followups", docs,
                                       Path(cache_dir) if cache_dir else cache_root() / "eval-index", say=say)
    assistant = Assistant.from_settings(settings, index=index)
    assistant.warm()  # as `qa serve` does before it is ready: server time, not model loading
    runs = []
    for mode in modes:
        try:
            runs.append(run_followups(assistant, convs, mode, k=k, progress=progress))
        except LLMUnavailable as exc:
            if len(modes) == 1:
                fail(str(exc), 3)
            click.echo(f"warning: skipped {mode} mode: {exc}", err=True)
    return {"meta": {"followups": path, "split": split or "all", "conversations": len(convs),
                     "documents": len(docs), "index": str(settings.data_dir)}, "followups": runs}
