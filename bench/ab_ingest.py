"""A/B ingest timing of two code trees in one run (a busy machine makes only ratios fair).

Each round ingests the first N RealTime QA articles into a fresh store once per tree (a fresh
process each, alternating), with either a fast random embedder (`--embedder random`: the
non-embedding costs alone) or a real one (`minilm-onnx`, ...: end to end, model loaded
before the clock starts), and times a no-op re-ingest of the same articles. Prints median
chunks/s and CPU per tree, and the ratio.

    nice -n 10 .venv/bin/python bench/ab_ingest.py --tree before=/path/to/old/checkout --tree after=. \\
        --articles 300 --rounds 2 --embedder random
    nice -n 10 .venv/bin/python bench/ab_ingest.py --tree before=OLD --tree after=. --noop-articles 10000 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = r'''
import hashlib, json, sys, tempfile, time
import numpy as np
sys.path.insert(0, "bench")
from scale import bench_dir, load_articles
from index import ChromaStore, NewsIndex, ingest_documents
n, spec, bench = int(sys.argv[1]), sys.argv[2], sys.argv[3] or None
docs = load_articles(bench_dir(bench))[:n]

class Random:
    name = "random"
    def embed_documents(self, texts):
        v = np.stack([np.random.default_rng(int(hashlib.md5(t.encode()).hexdigest()[:8], 16)).normal(size=384)
                      for t in texts]).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)
    def embed_query(self, t):
        return self.embed_documents([t])[0]

if spec == "random":
    emb = Random()
else:
    from index.embedders import make_embedder
    emb = make_embedder(spec)
    emb.embed_documents(["load the model first"])
tmp = tempfile.mkdtemp()
index = NewsIndex(ChromaStore(tmp, embed_model=spec), emb)
t, c = time.perf_counter(), time.process_time()
r = ingest_documents(index, docs)
wall, cpu = time.perf_counter() - t, time.process_time() - c
t = time.perf_counter()
again = ingest_documents(NewsIndex(ChromaStore(tmp, embed_model=spec), emb), docs)
noop = time.perf_counter() - t
assert again.chunks_written == 0
print(json.dumps({"chunks": r.chunks_written, "wall": wall, "cpu": cpu, "noop": noop}))
'''


NOOP_CHILD = r'''
import json, sys, time
from pathlib import Path
from index import ChromaStore, NewsIndex, ingest_paths
folder, n = Path(sys.argv[1]), int(sys.argv[2])
index = NewsIndex(ChromaStore(folder / "data", embed_model="constant"), None)  # opened (imports) before the clock
t, c = time.perf_counter(), time.process_time()
r = ingest_paths(index, [folder / "articles.jsonl"])
assert r.chunks_written == 0 and len(r.unchanged) == n, r.to_json()["errors"][:3]
print(json.dumps({"noop": time.perf_counter() - t, "cpu": time.process_time() - c}))
'''


def noop_ab(trees: dict[str, str], n: int, rounds: int) -> None:
    """`--noop-articles N`: N generated articles (bench/ingest.py's no-op check, constant
    vectors) ingested once, then the unchanged export re-ingested by each tree in turn."""
    sys.path.insert(0, str(REPO / "bench"))
    from ingest import noop_check

    with tempfile.TemporaryDirectory(prefix="ab-noop-") as tmp:
        built = noop_check(Path(tmp), n)
        print(f"built: {n} articles, {built['noop_build_chunks']} chunks in {built['noop_build_s']:.1f} s")
        rows: dict[str, list[dict]] = {k: [] for k in trees}
        for _ in range(rounds):
            for name, path in trees.items():
                path = str(Path(path).resolve())
                out = subprocess.run([sys.executable, "-c", NOOP_CHILD, tmp, str(n)], cwd=path,
                                     env={**os.environ, "PYTHONPATH": path}, capture_output=True, text=True)
                if out.returncode != 0:
                    sys.exit(f"{name} failed: {out.stderr[-3000:]}")
                rows[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
        med = {k: statistics.median(r["noop"] for r in v) for k, v in rows.items()}
        for name, v in rows.items():
            print(f"{name:>10}: no-op re-ingest of {n:,} unchanged articles: median {med[name]:.3f} s wall "
                  f"({[round(r['noop'], 2) for r in v]}), {statistics.median(r['cpu'] for r in v):.3f} s CPU")
        names = list(trees)
        print(f"ratio {names[0]}/{names[-1]} (median wall): {med[names[0]] / med[names[-1]]:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", action="append", required=True, metavar="NAME=PATH", help="a code tree (twice or more)")
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--embedder", default="random", help="random (no model) or an embedder spec")
    ap.add_argument("--bench-dir", default="", help="folder holding realtimeqa/ (default ../shared/bench)")
    ap.add_argument("--noop-articles", type=int, default=0,
                    help="instead: time a no-op re-ingest of N unchanged generated articles per tree")
    args = ap.parse_args()
    trees = dict(t.split("=", 1) for t in args.tree)
    if args.noop_articles:
        noop_ab(trees, args.noop_articles, args.rounds)
        return
    results: dict[str, list[dict]] = {k: [] for k in trees}
    bench = args.bench_dir or str(REPO.parent / "shared" / "bench")
    for _ in range(args.rounds):
        for name, path in trees.items():
            path = str(Path(path).resolve())
            out = subprocess.run([sys.executable, "-c", CHILD, str(args.articles), args.embedder, bench], cwd=path,
                                 env={**os.environ, "PYTHONPATH": path}, capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"{name} failed: {out.stderr[-3000:]}")
            row = json.loads(out.stdout.strip().splitlines()[-1])
            results[name].append(row)
            print(name, json.dumps({k: round(v, 3) for k, v in row.items()}), flush=True)
    med = {}
    for name, rows in results.items():
        rate = statistics.median(r["chunks"] / r["wall"] for r in rows)
        cpu = statistics.median(r["cpu"] / r["chunks"] * 1000 for r in rows)
        noop = statistics.median(r["noop"] for r in rows)
        med[name] = rate
        print(f"{name:>10}: {rows[0]['chunks']} chunks, median {rate:.1f} chunks/s, {cpu:.2f} ms CPU/chunk, "
              f"no-op re-ingest {noop:.3f} s  (embedder {args.embedder}, {args.articles} articles, {len(rows)} rounds)")
    names = list(trees)
    if len(names) >= 2:
        print(f"ratio {names[-1]}/{names[0]} (median chunks/s): {med[names[-1]] / med[names[0]]:.2f}")


if __name__ == "__main__":
    main()
