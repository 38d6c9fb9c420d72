"""Print one package's entry of the lock (its pin and hash lines), as a requirements file.

    python lock/requirement.py requirements.lock llama-cpp-python

The Makefile builds llama-cpp-python on its own from this entry (hash-checked sdist, explicit
instruction sets), before the rest of the lock is installed. Standard library only."""

from __future__ import annotations

import re
import sys


def entry(lock_text: str, name: str) -> str:
    want = re.sub(r"[-_.]+", "-", name).lower()
    out: list[str] = []
    for line in lock_text.splitlines():
        if out and line.startswith(" ") and "--hash=" in line:
            out.append(line)
            continue
        if out:
            break
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", line)
        if m and re.sub(r"[-_.]+", "-", m.group(1)).lower() == want:
            out.append(line)
    if not out:
        raise SystemExit(f"requirement.py: {name} is not pinned in the lock; run `make lock`")
    return "\n".join(out).rstrip(" \\") + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        sys.stdout.write(entry(f.read(), sys.argv[2]))
