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

Records are appended to <out>/records.jsonl as each question finishes (a stopped run resumes, and
--summarize reports the records so far). The report is the suite's own (`qa eval --suite`'s writer:
<out>/report.md, report.html with its plots, report.json), the starter as the first configuration
and news-qa beside it with paired differences.

    QA_CACHE_DIR=/work/cache-retrieval nice -n 5 .venv/bin/python bench/starter_answers.py --split test --n 40 --out DIR
    .venv/bin/python bench/starter_answers.py --summarize --out DIR    # report of the records so far
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

SYSTEMS = ("starter", "news-qa")  # the report's configurations, the baseline first


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


def suite_report(records: list[dict], meta: dict) -> dict:
    """The records as a `qa eval --suite` report (evaluation.report.write_report renders it, with
    its plots): the starter as the first configuration, news-qa beside it, and the paired
    differences news-qa minus starter."""
    from evaluation import stats as S
    from evaluation.suite import PUBLISHED

    runs = {}
    for name in SYSTEMS:
        rows = [r for r in records if r["system"] == name]
        if rows:
            runs[name] = {"summary": S.summarize(rows), "by_type": S.summarize_by_type(rows), "records": rows,
                          "questions": len({r["id"] for r in rows}), "documents": meta.get("documents")}
    names = list(runs)
    deltas = {c: {m: S.paired_delta(runs[names[0]]["records"], runs[c]["records"], m)
                  for m in runs[names[0]]["summary"]["metrics"]} for c in names[1:]}
    return {"meta": meta, "suite": {"configs": names, "benchmarks": {"realtimeqa": runs},
                                    "deltas": {"realtimeqa": deltas},
                                    "reliability": {c: S.reliability(runs[c]["records"]) for c in names},
                                    "published": {"realtimeqa": PUBLISHED["realtimeqa"]}}}


def headline(report: dict) -> dict:
    """Per system: mean of the headline metrics; and the paired news-qa minus starter deltas."""
    runs = report["suite"]["benchmarks"]["realtimeqa"]
    keys = ("accuracy", "mc_accuracy", "citation_precision", "refusal", "false_refusal", "fallback")
    out = {c: {"questions": r["questions"], **{m: (r["summary"]["metrics"].get(m) or {}).get("mean") for m in keys},
               "latency_p50_s": r["summary"]["latency"].get("p50")} for c, r in runs.items()}
    for c, d in report["suite"]["deltas"]["realtimeqa"].items():
        out[f"delta {c} - starter"] = {m: d.get(m) for m in ("accuracy", "mc_accuracy", "citation_precision")}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("dev", "test"), default="test")
    ap.add_argument("--n", type=int, default=40, help="questions (a fixed hash sample of the split)")
    ap.add_argument("--out", required=True, help="folder for records.jsonl and the report (report.md/.html/.json)")
    ap.add_argument("--summarize", action="store_true",
                    help="no answering: write the report of --out's records so far and print its figures")
    ap.add_argument("--target", default=None, help="where the starter's packages go (default <cache>/starter-site)")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error(f"--n must be >= 1, got {args.n}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "records.jsonl"
    if args.summarize:
        records = [json.loads(line) for line in path.open(encoding="utf-8")] if path.exists() else []
        if not records:
            ap.error(f"no records in {path} yet; run without --summarize first")
        from evaluation.report import write_report

        report = suite_report(records, {"split": args.split, "records": str(path), "mode": "llm (both)"})
        write_report(out, report)
        print(json.dumps(headline(report), indent=2))
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
    from evaluation.report import write_report

    records = [json.loads(line) for line in path.open(encoding="utf-8")]
    meta = {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "split": args.split,
            "questions": len(questions), "documents": len(docs), "mode": "llm (both)",
            "model": get_llm(settings.llm).name, "starter": "as_query_engine(llm=the same, similarity_top_k=2)"}
    report = suite_report(records, meta)
    write_report(out, report)
    print(json.dumps(headline(report), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
