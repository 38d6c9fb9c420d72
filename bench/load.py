"""Load test for `qa serve` (loopback only, bounded in requests and time).

Starts `qa --data-dir DIR serve` on a free 127.0.0.1 port, then:
  1. for each concurrency in --clients (default 1,4,16): that many threads each send
     --requests POST /api/ask (quote mode) and check that every answer is for the question
     that thread asked (no mixed-up conversations); prints throughput, p50/p95/max, errors;
  2. uploads --ingest-docs new documents one request at a time while 4 clients keep asking, and
     a watcher polls GET /api/documents: a listed upload must already show all its chunks
     (no half-written document visible); prints query latency during the ingest and the
     longest single query vs the whole ingest time (queries must not wait for all of it).

    nice -n 10 .venv/bin/python bench/load.py                     # indexes corpus/ into a temp dir
    nice -n 10 .venv/bin/python bench/load.py --data-dir .qa-data --clients 1,4 --requests 5
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
QA = Path(sys.executable).with_name("qa")
QUESTIONS = [
    "Who met with Russian officials in Moscow?",
    "What did the delegation discuss?",
    "When did the meeting take place?",
    "What did the statement say about the ceasefire?",
    "Which officials were involved in the talks?",
    "What was said about humanitarian aid?",
    "Where was the meeting held?",
    "What was the reaction to the visit?",
]


def questions(n: int) -> list[str]:
    """Distinct questions (RealTime QA dev questions when the bench data is there), so no
    client is served from another's cached work."""
    path = Path(os.environ.get("QA_BENCH_DIR") or REPO.parent / "shared" / "bench") / "realtimeqa" / "questions.jsonl"
    out = []
    if path.is_file():
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                if r.get("split") == "dev":
                    out.append(r["question"])
                if len(out) >= n:
                    break
    return out or QUESTIONS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(xs, p):
    return float(np.percentile(np.asarray(xs), p)) if xs else float("nan")


def start_server(data_dir: Path, port: int, log: Path, timeout: float) -> subprocess.Popen:
    import httpx

    env = {**os.environ, "QA_DATA_DIR": str(data_dir), "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen([str(QA), "serve", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=open(log, "wb"), stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"error: qa serve exited with {proc.returncode}; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    sys.exit(f"error: qa serve did not answer on port {port} within {timeout}s; see {log}")


def ask_loop(base: str, questions: list[str], n: int, deadline: float, out: dict, stop=None) -> None:
    import httpx

    with httpx.Client(base_url=base, timeout=120) as client:
        i = 0
        while (n is None or i < n) and time.monotonic() < deadline and not (stop and stop.is_set()):
            q = questions[i % len(questions)]
            t = time.perf_counter()
            try:
                r = client.post("/api/ask", json={"question": q, "mode": "quote"})
                dt = time.perf_counter() - t
                if r.status_code != 200:
                    out["errors"].append(f"{r.status_code}: {r.text[:200]}")
                elif r.json().get("question") != q:
                    out["errors"].append(f"mixed up: asked {q!r}, got an answer to {r.json().get('question')!r}")
                else:
                    out["lat"].append(dt)
            except httpx.HTTPError as exc:
                out["errors"].append(f"{type(exc).__name__}: {exc}")
            i += 1


def run_clients(base: str, clients: int, requests: int | None, time_limit: float, stop=None,
                pool: list[str] | None = None) -> dict:
    results = [{"lat": [], "errors": []} for _ in range(clients)]
    deadline = time.monotonic() + time_limit
    threads = []
    pool = pool or QUESTIONS
    per = max(1, len(pool) // clients)
    for c in range(clients):
        qs = pool[c * per:(c + 1) * per] or pool  # each client its own questions
        threads.append(threading.Thread(target=ask_loop, args=(base, qs, requests, deadline, results[c], stop)))
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat = [x for r in results for x in r["lat"]]
    errors = [e for r in results for e in r["errors"]]
    return {"clients": clients, "ok": len(lat), "errors": len(errors), "first_errors": errors[:3],
            "wall_s": round(wall, 2), "throughput_rps": round(len(lat) / wall, 2) if wall else 0,
            "p50_ms": round(pct(lat, 50) * 1000, 1), "p95_ms": round(pct(lat, 95) * 1000, 1),
            "max_ms": round(max(lat) * 1000, 1) if lat else None}


def upload_docs(n: int) -> list[tuple[str, str]]:
    base = sorted((REPO / "corpus").glob("*.txt"))
    docs = []
    for i in range(n):
        text = base[i % len(base)].read_text(encoding="utf-8")
        docs.append((f"loadtest-{i:03d}.txt", f"Load test upload number {i}, marker zq{i:03d}x.\n\n{text}"))
    return docs


def ingest_while_querying(base: str, data_dir: Path, n_docs: int, time_limit: float) -> dict:
    import httpx

    from index import SentenceChunker
    from qa.settings import Settings

    s = Settings().index
    chunker = SentenceChunker(s.chunk_sentences, s.chunk_overlap, s.chunk_max_chars)
    from corpus import Document

    docs = upload_docs(n_docs)
    expected = {Path(name).stem: len(chunker.chunk(Document(Path(name).stem, None, None, None, text)))
                for name, text in docs}
    stop = threading.Event()
    seen_partial, seen_ok = [], set()

    def watch():
        with httpx.Client(base_url=base, timeout=60) as client:
            while not stop.is_set():
                try:
                    listed = client.get("/api/documents").json()["documents"]
                except (httpx.HTTPError, KeyError, ValueError):
                    continue
                for d in listed:
                    if d["doc_id"] in expected:
                        if d["chunks"] != expected[d["doc_id"]]:
                            seen_partial.append((d["doc_id"], d["chunks"], expected[d["doc_id"]]))
                        seen_ok.add(d["doc_id"])
                time.sleep(0.05)

    query_result: dict = {}
    pool = questions(400)[-200:]
    queriers = threading.Thread(target=lambda: query_result.update(run_clients(base, 4, None, time_limit, stop, pool)))
    watcher = threading.Thread(target=watch)
    queriers.start()
    watcher.start()
    time.sleep(1.0)
    t0 = time.perf_counter()
    upload_errors = []
    with httpx.Client(base_url=base, timeout=300) as client:
        for name, text in docs:
            r = client.post("/api/documents", files=[("files", (name, text.encode(), "text/plain"))])
            if r.status_code != 200:
                upload_errors.append(f"{name}: {r.status_code} {r.text[:200]}")
    ingest_s = time.perf_counter() - t0
    time.sleep(0.5)
    stop.set()
    queriers.join()
    watcher.join()
    return {"uploaded": n_docs, "upload_errors": upload_errors, "ingest_s": round(ingest_s, 2),
            "queries_during": query_result, "partial_documents_seen": seen_partial,
            "uploads_seen_complete": len(seen_ok)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, help="an existing index (default: index corpus/ into a temp dir)")
    ap.add_argument("--clients", default="1,4,16")
    ap.add_argument("--requests", type=int, default=6, help="requests per client per level")
    ap.add_argument("--time-limit", type=float, default=120.0, help="seconds per level at most")
    ap.add_argument("--ingest-docs", type=int, default=6)
    ap.add_argument("--startup-timeout", type=float, default=300.0)
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    work = Path(tempfile.mkdtemp(prefix="qa-load-"))
    data_dir = work / "data"
    if args.data_dir:
        shutil.copytree(args.data_dir, data_dir)  # uploads must not touch the original
    else:
        subprocess.run([str(QA), "--data-dir", str(data_dir), "ingest", str(REPO / "corpus")], check=True,
                       stdout=subprocess.DEVNULL)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(data_dir, port, work / "serve.log", args.startup_timeout)
    try:
        levels = [int(x) for x in args.clients.split(",")]
        pool = questions(2 + sum(levels) * args.requests)
        run_clients(base, 1, 2, 120, pool=pool[:2])  # warm up: models load on first use
        rows, used = [], 2
        for c in levels:
            row = run_clients(base, c, args.requests, args.time_limit, pool=pool[used:used + c * args.requests])
            used += c * args.requests
            rows.append(row)
            print(json.dumps(row), flush=True)
        ingest = ingest_while_querying(base, data_dir, args.ingest_docs, args.time_limit)
        print(json.dumps(ingest), flush=True)
        print("\nclients  requests ok  errors  throughput req/s  p50 ms  p95 ms  max ms")
        for r in rows:
            print(f"{r['clients']:>7} {r['ok']:>12} {r['errors']:>7} {r['throughput_rps']:>17} "
                  f"{r['p50_ms']:>7} {r['p95_ms']:>7} {r['max_ms']:>7}")
        q = ingest["queries_during"]
        print(f"ingest of {ingest['uploaded']} uploads took {ingest['ingest_s']}s while 4 clients asked: "
              f"{q['ok']} answers, {q['errors']} errors, p95 {q['p95_ms']} ms, longest {q['max_ms']} ms; "
              f"half-written documents seen: {len(ingest['partial_documents_seen'])}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
