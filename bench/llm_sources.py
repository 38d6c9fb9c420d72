"""How much of the retrieved text llm mode hands its model, and what it tells it: the suite's
RealTime QA run in llm mode, once per variant of the LLMAnswerer's source limits (`max_passages`
passages, at most `max_sentences` sentences in all, `per_passage` from one passage, `max_chars`
characters) and system prompt (`prompt`, one of PROMPTS by name).

A variant is NAME or NAME:key=value,key=value; "default" is the shipped limits and prompt.
Printed per variant: the suite's RealTime QA figures (accuracy, refusal, false refusal,
fallback to quotes, citation precision, multiple choice), and each variant's records are
written to <out>/<name>.json.

    QA_CACHE_DIR=DIR python bench/llm_sources.py --split dev --out DIR \\
        default p2:max_passages=2 more:max_sentences=6,per_passage=3,max_chars=1200
    QA_CACHE_DIR=DIR python bench/llm_sources.py --split dev --out DIR \\
        default short:prompt=short ranked:prompt=ranked
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LIMITS = ("max_passages", "max_sentences", "per_passage", "max_chars")
# System prompts to compare with the shipped one (qa.llm.answerer.SYSTEM_PROMPT, "default").
PROMPTS = {
    "short": ("You are a news assistant. Answer the question in one sentence, starting with the answer, "
              "from the source that answers it. Cite its number after the sentence, like [1]. "
              "If sources give different values, give each value with its source and date."),
    "ranked": ("You are a news assistant. Use the sources to answer, briefly and plainly. "
               "The sources are listed from the most relevant to the least. "
               "Cite the source number after each sentence, like [1]. "
               "If sources give different values, give each value with its source and date."),
}
SHOWN = ("accuracy", "refusal", "false_refusal", "fallback", "citation_precision", "mc_accuracy")


def parse_variant(spec: str) -> tuple[str, dict]:
    """'p2:max_passages=2' -> ('p2', {'max_passages': 2}); 's:prompt=short' -> ('s', {'prompt':
    'short'}); a bad key or value is an error that names it."""
    name, _, rest = spec.partition(":")
    if not name:
        raise ValueError(f"variant {spec!r} has no name; write NAME or NAME:key=value")
    limits = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        if key == "prompt":
            if value not in PROMPTS:
                raise ValueError(f"variant {name}: unknown prompt {value!r}; choose from {', '.join(PROMPTS)}")
            limits[key] = value
            continue
        if key not in LIMITS:
            raise ValueError(f"variant {name}: unknown limit {key!r}; choose from {', '.join(LIMITS)}, prompt")
        try:
            limits[key] = int(value)
        except ValueError:
            raise ValueError(f"variant {name}: {key} must be an integer, got {value!r}") from None
    return name, limits


def factory_for(limits: dict):
    """The suite's Assistant factory for one variant: the shipped Assistant, its llm answerer
    built with `limits` from the Assistant's calibrated settings (the claim checker's cosine
    follows the model) and its sentence cache, as its own would be; `limits["prompt"]` names
    the system prompt (PROMPTS)."""
    from qa import Assistant
    from qa.llm.answerer import LLMAnswerer

    def factory(settings, index):
        assistant = Assistant.from_settings(settings, index=index)
        if not limits:
            return assistant
        sizes = {k: v for k, v in limits.items() if k != "prompt"}
        llm = LLMAnswerer.from_settings(assistant.settings, assistant.scorer.cache, **sizes)
        if "prompt" in limits:
            llm.system_prompt = PROMPTS[limits["prompt"]]
        # the same retriever, question memo and quote answerer: nothing loaded twice
        return Assistant.from_settings(settings, index=index, llm=llm, retriever=assistant.retriever,
                                       embedder=assistant.embedder, quote=assistant.quote)

    return factory


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("variants", nargs="+", help="NAME or NAME:key=value,...; 'default' = the shipped limits")
    ap.add_argument("--split", default="dev", choices=("dev", "test"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--bench-dir", default=None, help="default: $QA_BENCH_DIR, else ../shared/bench")
    args = ap.parse_args(argv)
    try:
        variants = [parse_variant(v) for v in args.variants]
    except ValueError as e:
        ap.error(str(e))

    from evaluation.beir import bench_dir, cache_root
    from evaluation.suite import SuiteOptions, run_suite
    from qa import Settings

    args.out.mkdir(parents=True, exist_ok=True)
    opts = SuiteOptions(benchmarks=("realtimeqa",), split=args.split, mode="llm",
                        bench_dir=Path(args.bench_dir or bench_dir()), cache_dir=cache_root() / "eval-index",
                        progress=False)
    print("| variant | " + " | ".join(SHOWN) + " |")
    print("|---" * (len(SHOWN) + 1) + "|")
    for name, limits in variants:
        report = run_suite([(name, Settings.load())], opts, factory=factory_for(limits))
        result = report["suite"]["benchmarks"]["realtimeqa"][name]
        (args.out / f"{name}.json").write_text(json.dumps(result["records"]), encoding="utf-8")
        metrics = result["summary"]["metrics"]
        cells = [f"{metrics[m]['mean']:.3f}" if metrics.get(m, {}).get("mean") is not None else "-" for m in SHOWN]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
