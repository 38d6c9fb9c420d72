"""The `qa` command group and what its commands share: global options written after the
subcommand, quiet model libraries, the per-invocation `Context`, and one-line errors. Settings
are loaded here, once, at the entry point. Commands register on `cli` from qa.cli.main,
qa.cli.ask and, through entry points, ui and evaluation."""

from __future__ import annotations

import json
import os
import sys
from typing import Callable

import click

from ..settings import Settings

DEFAULT_CORPUS = "corpus"
# Options of the `qa` group that people also type after the subcommand (`qa ask "q" --data-dir X`).
GLOBAL_OPTIONS = {"--data-dir": True, "--chroma-url": True, "--config": True, "--verbose": False, "-v": False}
# Progress bars and load chatter of the model libraries, silenced unless --verbose.
QUIET_ENV = {
    "TQDM_DISABLE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_VERBOSITY": "error",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1", "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_TELEMETRY": "1", "ANONYMIZED_TELEMETRY": "False", "LLAMA_LOG_LEVEL": "error",
}


def hoist_global_options(args: list[str], own: Callable[[str], set[str]] | None = None) -> list[str]:
    """Move group options written after the subcommand to the front, so `qa ask "q" --data-dir X`
    means `qa --data-dir X ask "q"`. Nothing after a `--` is touched, nor an option that the
    subcommand declares itself (`own(name)`: its option names), such as `qa eval --suite
    --config A --config B`, which compares two settings files."""
    front, rest, i = [], [], 0
    kept: set[str] = set()
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        name = arg.split("=", 1)[0]
        if not rest and not arg.startswith("-") and own is not None:
            kept = own(arg)
        if name in GLOBAL_OPTIONS and rest and name not in kept:
            takes_value = GLOBAL_OPTIONS[name] and "=" not in arg
            front.extend(args[i:i + 2] if takes_value else [arg])
            i += 2 if takes_value else 1
            continue
        if not rest and (name in GLOBAL_OPTIONS or arg.startswith("-")):
            front.append(arg)  # already before the subcommand
            if GLOBAL_OPTIONS.get(name) and "=" not in arg and i + 1 < len(args):
                front.append(args[i + 1])
                i += 1
        else:
            rest.append(arg)
        i += 1
    return front + rest


class QaGroup(click.Group):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        def own(name: str) -> set[str]:
            cmd = self.commands.get(name)
            return {o for p in getattr(cmd, "params", []) for o in (*p.opts, *p.secondary_opts)}

        return super().parse_args(ctx, hoist_global_options(list(args), own))


def quiet_models() -> None:
    """No progress bars or info logs from tqdm, transformers, sentence-transformers, llama.cpp."""
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    import logging

    for name in ("sentence_transformers", "transformers", "huggingface_hub", "chromadb", "httpx", "llama_index"):
        logging.getLogger(name).setLevel(logging.ERROR)


class Context:
    """Lazily built components, shared by the commands of one invocation."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._index = None

    @property
    def index(self):
        if self._index is None:
            from ..components import build_index

            self._index = build_index(self.settings)
        return self._index


def fail(message: str, code: int = 2) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def echo_json(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


@click.group(cls=QaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", envvar="QA_DATA_DIR", help="Index location (default .qa-data/).")
@click.option("--chroma-url", envvar="QA_CHROMA_URL", help="Use a Chroma server, e.g. http://127.0.0.1:8000.")
@click.option("--config", type=click.Path(dir_okay=False), help="A qa.toml settings file.")
@click.option("-v", "--verbose", is_flag=True, help="Show model loading progress and library logs.")
@click.pass_context
def cli(ctx: click.Context, data_dir, chroma_url, config, verbose) -> None:
    """news-qa: answers about news articles, with every claim cited.

    Global options (--data-dir, --chroma-url, --config, --verbose) may also follow the command."""
    if not verbose:
        quiet_models()
    try:
        settings = Settings.load(config, data_dir=data_dir, chroma_url=chroma_url)
    except ValueError as exc:
        fail(str(exc))
    ctx.obj = Context(settings)


def store_errors(fn):
    """Turn store/model errors into one clear line and a non-zero exit."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            # `index` (torch, nltk: seconds to import) is not imported just to name its errors:
            # if the command never imported it, the exception cannot be one of them.
            index = sys.modules.get("index")
            if index is not None and isinstance(exc, (index.StoreError, index.ModelNotInstalled)):
                fail(str(exc), 3)
            raise

    return wrapper
