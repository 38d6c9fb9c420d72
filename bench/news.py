"""News benchmarks (RealTime QA, MultiHop-RAG, RGB en_fact) under one or more configurations:
a thin runner around `qa eval --suite` (evaluation/suite.py) for the bench/ workflow.

    nice -n 10 .venv/bin/python bench/news.py --split dev --quick 20 --out /tmp/suite-dev
    nice -n 10 .venv/bin/python bench/news.py --split test --config a.toml --config b.toml --out DIR
    nice -n 10 .venv/bin/python bench/news.py --benchmark rgb --split dev

Tune on --split dev, report on --split test. Indexes are cached under $QA_CACHE_DIR/eval-index
(default ~/.cache/news-qa/eval-index); the first full RealTime QA run embeds 2,914 articles.
Every option of `qa eval --suite` is accepted (see `qa eval --help`).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    import evaluation.cli  # noqa: F401  (registers `eval` on the qa group)
    from qa.cli.main import cli

    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    try:
        cli.main(["eval", "--suite", *args], prog_name="bench/news.py")
    except SystemExit as exc:  # click exits with the command's status
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
