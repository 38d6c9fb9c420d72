"""llm-mode answers: news-qa beside the naive LlamaIndex starter, same questions, same model, one run.

The starter is bench/starter.py's tutorial pipeline (VectorStoreIndex over Chroma, default
chunking, MiniLM, top 2) answering through `index.as_query_engine(llm=..., similarity_top_k=2)`
with its default prompt. Its LLM is the very LlamaIndex LLM news-qa's llm mode uses
(qa.llm.adapter.get_llm: Qwen2.5-Coder-1.5B-Instruct Q4_K_M served by llama.cpp, the same
max_tokens and temperature), so only the pipeline differs.

Both answer the same RealTime QA questions (a fixed hash sample of the split, as `qa eval
--suite --quick N` samples them), each asked as of its quiz date (news-qa; the starter has no
dates), and both are graded by the suite's own RealTime QA runner
(evaluation.news_bench.run_realtimeqa): accuracy (the answer contains the gold answer),
multiple-choice pick, citation precision (the starter's "citations" are its two source nodes,
which is what the tutorial shows as sources), latency. news-qa is also re-asked with the
evidence removed (refusal). The starter has no refusal: it never abstains, so it has no
refusal figure and its false-refusal rate is 0 by construction.

Records are appended to <out>/records.jsonl as each question finishes (a run can be stopped and
its figures still read); <out>/summary.json has the figures of both.

    QA_CACHE_DIR=/work/cache-retrieval nice -n 5 .venv/bin/python bench/starter_answers.py --split test --n 40 --out DIR
    .venv/bin/python bench/starter_answers.py --summarize DIR    # figures of the records so far
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.starter import ensure_packages, open_starter  # noqa: E402
from evaluation import benchmarks as B  # noqa: E402
from evaluation.beir import bench_dir, cache_root  # noqa: E402
from evaluation.suite import FOLDERS, open_bench_index, sample  # noqa: E402

SYSTEMS = ("news-qa", "starter")


class StarterAssistant:
    """The starter's query engine as an assistant for evaluation.news_bench (`ask` returns the
    plain dict evaluation.answers.view reads)."""

    def __init__(self, starter, llm, top_k: int = 2):
        self.engine = starter.index.as_query_engine(llm=llm, similarity_top_k=top_k)

    def ask(self, question: str, mode: str | None = None, k: int | None = None) -> dict:
        t0 = time.perf_counter()
        response = self.engine.query(question)
        nodes = list(response.source_nodes or [])
        return {"text": str(response), "abstained": False, "mode": "llm",
                "citations": [{"doc_id": n.node.metadata.get("doc_id"), "text": n.node.get_content()[:500]}
                              for n in nodes],
                "passages": [{"doc_id": n.node.metadata.get("doc_id")} for n in nodes],
                "latency_s": time.perf_counter() - t0}


def summarize(records: list[dict]) -> dict:
    """Per system: mean of each metric over the records that have it, with counts."""
    from evaluation import stats as S

    out = {}
    for name in SYSTEMS:
        rows = [r for r in records if r["system"] == name]
        if rows:
            s = S.summarize(rows)
            out[name] = {"questions": len({r["id"] for r in rows}), **s}
    base, other = ([r for r in records if r["system"] == n] for n in SYSTEMS)
    if base and other:  # news-qa minus the starter, paired by question, with a bootstrap 95% interval
        out["delta"] = {m: S.paired_delta(other, base, m) for m in ("accuracy", "mc_accuracy", "citation_precision")}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("dev", "test"), default="test")
    ap.add_argument("--n", type=int, default=40, help="questions (a fixed hash sample of the split)")
    ap.add_argument("--out", required=True, help="folder for records.jsonl and summary.json")
    ap.add_argument("--summarize", action="store_true", help="only print the figures of --out's records")
    ap.add_argument("--target", default=None, help="where the starter's packages go (default <cache>/starter-site)")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error(f"--n must be >= 1, got {args.n}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "records.jsonl"
    if args.summarize:
        records = [json.loads(line) for line in path.open(encoding="utf-8")] if path.exists() else []
        print(json.dumps(summarize(records), indent=2))
        return 0

    ensure_packages(Path(args.target) if args.target else cache_root() / "starter-site")
    from evaluation.news_bench import run_realtimeqa
    from qa.assistant import Assistant
    from qa.llm.adapter import get_llm
    from qa.settings import Settings

    settings = Settings.load()
    docs, questions = B.load_realtimeqa(bench_dir() / FOLDERS["realtimeqa"], args.split)
    questions = sample(questions, args.n, "realtimeqa")
    say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    index, isettings = open_bench_index(settings, "realtimeqa", docs, cache_root() / "eval-index", None, say)
    news_qa = Assistant.from_settings(isettings, index=index)
    news_qa.warm()
    starter = StarterAssistant(open_starter("realtimeqa", docs), get_llm(settings.llm).llm)
    done = set()
    if path.exists():  # a stopped run goes on where it stopped
        done = {(r["system"], r["id"]) for r in map(json.loads, path.open(encoding="utf-8"))}
    ids = [d.doc_id for d in docs]
    t0 = time.perf_counter()
    for i, q in enumerate(questions, 1):
        for name, assistant in (("news-qa", news_qa), ("starter", starter)):
            if (name, q.id) in done:
                continue
            records = run_realtimeqa(assistant, [q], ids, "llm", progress=False)
            with path.open("a", encoding="utf-8") as f:
                for r in records:
                    f.write(json.dumps({"system": name, **r}) + "\n")
        say(f"{i}/{len(questions)} questions, {time.perf_counter() - t0:.0f} s")
    records = [json.loads(line) for line in path.open(encoding="utf-8")]
    report = {"split": args.split, "n": len(questions), "model": get_llm(settings.llm).name,
              "figures": summarize(records)}
    (out / "summary.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
