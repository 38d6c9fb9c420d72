"""Time to first token and tokens/s of the local model: in-process llama.cpp (how llm mode ran
before) against the supervised worker process reached over its OpenAI-compatible HTTP API
(how it runs now), side by side in one run, prompts alternating between the two so that both
see the same machine load.

    python bench/llm_ttft.py [--model PATH|qwen|smollm2] [--prompts 4] [--max-tokens 64] [--rounds 2]

Each prompt is a news-qa style request: a system instruction, an excerpt of a seed article
(about 1,500 characters) and a question. Prints load time, median TTFT and median decode
tokens/s for each path, and the ratios."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SYSTEM = ("Answer the question using only the numbered sources. Cite each sentence with the number "
          "of its source, like [1]. If the sources do not say, answer that they do not say.")
QUESTIONS = ("Who led the delegation?", "Where did the meeting take place?", "What was discussed?",
             "When did it happen?", "Which officials were present?", "What did the statement say?")


def prompts(n: int) -> list[list[dict]]:
    articles = sorted((REPO / "corpus").glob("*.txt"))
    out = []
    for i in range(n):
        text = articles[i % len(articles)].read_text(encoding="utf-8")[:1500]
        out.append([{"role": "system", "content": SYSTEM},
                    {"role": "user", "content": f"[1] {text}\n\nQuestion: {QUESTIONS[i % len(QUESTIONS)]}"}])
    return out


def model_path(spec: str) -> str:
    from qa.llm import weights

    if spec == "smollm2":
        return str(weights.smollm2_path())
    if spec == "qwen":
        return str(weights.resolve_model_path(None))
    return spec


def time_stream(chunks) -> tuple[float, float, int]:
    """(ttft s, decode tokens/s after the first token, tokens) of an iterator of text deltas;
    one streamed chunk is one token for both llama.cpp paths."""
    t0 = time.perf_counter()
    first, n = None, 0
    for delta in chunks:
        if not delta:
            continue
        n += 1
        if first is None:
            first = time.perf_counter()
    end = time.perf_counter()
    if first is None:
        return float("nan"), float("nan"), 0
    return first - t0, (n - 1) / (end - first) if n > 1 and end > first else float("nan"), n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="qwen")
    ap.add_argument("--prompts", type=int, default=4)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n-ctx", type=int, default=4096)
    args = ap.parse_args()
    path = model_path(args.model)

    from llama_cpp import Llama

    from qa.llm.adapter import Message, local_llm

    t = time.perf_counter()
    worker_llm = local_llm(path, max_tokens=args.max_tokens, n_ctx=args.n_ctx, n_threads=args.threads)
    load_out = time.perf_counter() - t
    t = time.perf_counter()
    inproc = Llama(model_path=path, n_ctx=args.n_ctx, n_threads=args.threads, n_threads_batch=args.threads,
                   n_gpu_layers=0, n_batch=512, verbose=False)
    load_in = time.perf_counter() - t

    def run_in(msgs):
        stream = inproc.create_chat_completion(messages=msgs, max_tokens=args.max_tokens, temperature=0.0,
                                               top_k=1, stream=True)
        return time_stream(c["choices"][0]["delta"].get("content") for c in stream)

    def run_out(msgs):
        return time_stream(worker_llm.stream_chat([Message(m["role"], m["content"]) for m in msgs]))

    results = {"in-process": [], "worker": []}
    for r in range(args.rounds):
        for i, msgs in enumerate(prompts(args.prompts)):
            order = (("in-process", run_in), ("worker", run_out))
            for name, fn in (order if (i + r) % 2 == 0 else order[::-1]):
                results[name].append(fn(msgs))
    worker_llm.worker.stop()

    print(f"model {Path(path).name}, {args.prompts} prompts x {args.rounds} rounds, max_tokens {args.max_tokens}, "
          f"{args.threads} threads")
    print(f"{'path':<12} {'load s':>7} {'TTFT p50 ms':>12} {'decode tok/s p50':>17} {'tokens':>7}")
    med = {}
    for name, load in (("in-process", load_in), ("worker", load_out)):
        rows = [x for x in results[name] if x[2]]
        ttft = statistics.median(x[0] for x in rows) * 1000
        tps = statistics.median(x[1] for x in rows if x[1] == x[1])
        med[name] = (ttft, tps)
        print(f"{name:<12} {load:>7.2f} {ttft:>12.0f} {tps:>17.1f} {sum(x[2] for x in rows):>7}")
    print(f"worker / in-process: TTFT x{med['worker'][0] / med['in-process'][0]:.2f}, "
          f"tokens/s x{med['worker'][1] / med['in-process'][1]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
