"""Fail when the installed environment differs from the lock (requirements.lock).

    python lock/check.py [--lock requirements.lock] [--path SITE_DIR ...]

Reads every `name==version` pin of the lock and every distribution installed in the
interpreter's environment (or in the given site directories), and lists what differs:
a version other than the pinned one, a pinned package that is missing, and a package that
the lock does not name. Exit 0 when they match, 1 when they differ, 2 on a bad lock.
Standard library only, so it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
# Installed by the environment itself or by `pip install -e .`, never pinned in the lock.
NOT_LOCKED = {"pip", "news-qa"}


def normalize(name: str) -> str:
    """PEP 503 name normalization: 'Foo_Bar.baz' -> 'foo-bar-baz'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path) -> dict[str, str]:
    """{normalized name: version} of the lock's `name==version` lines."""
    if not path.is_file():
        raise FileNotFoundError(f"no lock at {path}; run `make lock` to create it")
    pins: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = PIN.match(line.strip())
        if not m:
            continue
        name = normalize(m.group(1))
        if name in pins and pins[name] != m.group(2):
            raise ValueError(f"{path}:{number}: {m.group(1)} is pinned twice "
                             f"({pins[name]} and {m.group(2)}); keep one pin")
        pins[name] = m.group(2)
    if not pins:
        raise ValueError(f"{path} pins no package (no 'name==version' line); regenerate it with `make lock`")
    return pins


def installed(paths: list[str] | None = None) -> dict[str, str]:
    """{normalized name: version} of the distributions installed (in `paths`, if given)."""
    dists = metadata.distributions(path=paths) if paths else metadata.distributions()
    out: dict[str, str] = {}
    for dist in dists:
        name = dist.metadata["Name"]
        if name:
            out.setdefault(normalize(name), dist.version)
    return out


def differences(lock: dict[str, str], env: dict[str, str]) -> list[str]:
    """One line per difference, sorted by package name."""
    lines = []
    for name in sorted(set(lock) | set(env)):
        if name in NOT_LOCKED:
            continue
        want, have = lock.get(name), env.get(name)
        if want == have:
            continue
        if have is None:
            lines.append(f"{name}=={want} is in the lock but not installed")
        elif want is None:
            lines.append(f"{name} {have} is installed but not in the lock")
        else:
            lines.append(f"{name} {have} is installed, the lock pins {want}")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lock", default=str(REPO / "requirements.lock"))
    ap.add_argument("--path", action="append", help="a site-packages dir to read instead of this interpreter's")
    ap.add_argument("--print-unlocked", action="store_true",
                    help="print the installed packages the lock does not name (for `make sync` to remove)")
    args = ap.parse_args(argv)
    try:
        lock = read_lock(Path(args.lock))
    except (OSError, ValueError) as exc:
        print(f"lock check: {exc}", file=sys.stderr)
        return 2
    env = installed(args.path)
    if args.print_unlocked:
        print(" ".join(sorted(set(env) - set(lock) - NOT_LOCKED)))
        return 0
    diff = differences(lock, env)
    if diff:
        print(f"lock check: the environment differs from {args.lock} in {len(diff)} package(s):",
              file=sys.stderr)
        for line in diff:
            print(f"  {line}", file=sys.stderr)
        print("Reinstall from the lock with `make sync` (or `rm -rf .venv && make test`); to change a "
              "version on purpose, edit pyproject.toml and run `make lock` (README: upgrading).",
              file=sys.stderr)
        return 1
    print(f"lock check: {len(lock)} pinned packages, the environment matches {Path(args.lock).name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
