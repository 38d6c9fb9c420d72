"""`qa eval --suite`: every news benchmark under every configuration, in one report.

Each benchmark's corpus is ingested once per index-affecting setting into a cached index
directory (`<cache>/<bench>-<key>`; the key hashes the embedding model, the chunker settings
and the documents) and reused when present. A quick run (`quick=N`) samples N questions per
benchmark (a fixed hash order of ids, so the sample never changes) and indexes only their own
documents (RealTime QA: the search results and evidence of the sampled questions; MultiHop-RAG:
their facts plus 60 other facts; RGB: their passages).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from index.chunking import SentenceChunker

from . import benchmarks as B
from . import stats as S
from .news_bench import run_multihop, run_realtimeqa, run_rgb

BENCHMARKS = ("realtimeqa", "multihop", "rgb")
FOLDERS = {"realtimeqa": "realtimeqa", "multihop": "multihop-rag-subset500", "rgb": "rgb-en-fact"}
HEADLINE = {"realtimeqa": ("accuracy", "mc_accuracy", "refusal", "ev_recall@5"),
            "multihop": ("accuracy", "refusal", "fact_recall@5"),
            "rgb": ("accuracy", "error_detection", "error_correction", "conflict_detected")}
PUBLISHED = {
    "realtimeqa": {"note": "multiple-choice accuracy (%) of the authors' released predictions, re-scored "
                           "in ../shared/bench/realtimeqa/README.md; corpus subset n=94",
                   "figures": {"GPT-3 + GCS": 61.7, "GPT-3 + DPR": 46.8, "GPT-3 closed-book": 42.6,
                               "RAG + GCS": 34.0, "RAG + DPR": 21.3, "T5 closed-book": 41.5,
                               "NOTA: GPT-3 + GCS": 55.3, "NOTA: GPT-3 closed-book": 34.0}},
    "multihop": {"note": "paper (arXiv:2401.15391), full 2,556 queries over 609 full articles: NOT directly "
                         "comparable with this fact-level 500-query subset",
                 "figures": {"retrieval Hits@10 (voyage-02 + bge-reranker-large)": 0.7467,
                             "retrieval Hits@4": 0.6625, "GPT-4 accuracy, retrieved chunks": 0.56,
                             "GPT-4 accuracy, ground-truth evidence": 0.89,
                             "Llama-2-70B / Mixtral-8x7B, ground-truth evidence (at most)": 0.36}},
    "rgb": {"note": "see the RGB paper's counterfactual-robustness table; no figure verified here", "figures": {}},
}


@dataclass
class SuiteOptions:
    bench_dir: Path
    split: str = "dev"
    quick: int | None = None
    mode: str = "quote"
    k: int | None = None
    benchmarks: tuple[str, ...] = BENCHMARKS
    cache_dir: Path = field(default_factory=lambda: Path.home() / ".cache" / "news-qa" / "eval-index")
    rtqa_seed: Path | None = None  # a prebuilt RealTime QA index dir, copied (never written)
    evidence_removed: bool = True
    progress: bool = True

    def __post_init__(self) -> None:
        if self.split not in B.SPLITS:
            raise ValueError(f"unknown split {self.split!r}; choose one of {', '.join(B.SPLITS)}")
        if self.quick is not None and self.quick < 1:
            raise ValueError(f"quick must be >= 1 questions per benchmark, got {self.quick}")
        bad = [b for b in self.benchmarks if b not in BENCHMARKS]
        if bad:
            raise ValueError(f"unknown benchmark(s) {', '.join(bad)}; choose from {', '.join(BENCHMARKS)}")
        self.bench_dir, self.cache_dir = Path(self.bench_dir), Path(self.cache_dir)


def sample(questions: Sequence[Any], n: int | None, salt: str) -> list[Any]:
    """The first n questions in a fixed hash order of their ids (all of them when n is None)."""
    if n is None:
        return list(questions)
    order = sorted(questions, key=lambda q: hashlib.sha256(f"{salt}:{q.id}".encode()).hexdigest())
    return order[:n]


def index_key(settings: Any, name: str, docs: Sequence[Any]) -> str:
    s = settings.index
    chunker = SentenceChunker(s.chunk_sentences, s.chunk_overlap, s.chunk_max_chars).key
    from qa.components import article_spec, passage_spec

    passages, articles = passage_spec(settings), article_spec(settings)
    models = f"{s.embed_model}+{passages}" if passages else s.embed_model
    models += f"+articles:{articles}" if articles else ""
    h = hashlib.sha256(json.dumps([name, models, chunker]).encode())
    for d in sorted(docs, key=lambda d: d.doc_id):
        h.update(d.doc_id.encode() + b"\0" + d.content_hash.encode())
    return h.hexdigest()[:12]


def open_bench_index(settings: Any, name: str, docs: Sequence[Any], cache_dir: Path,
                     seed: Path | None = None, say: Callable[[str], None] | None = None):
    """(index, settings of that index): `docs` ingested into `<cache_dir>/<name>-<key>/`; a
    finished index is reused as is. `seed` (an index dir of the same collection) is copied first
    so that only the missing documents are embedded."""
    from index.ingest import ingest_documents
    from qa.components import build_index

    path = Path(cache_dir) / f"{name}-{index_key(settings, name, docs)}"
    isettings = settings.with_overrides({"data_dir": str(path), "chroma_url": None})
    done = path / "suite-index.done"
    if not done.exists():
        if seed is not None and Path(seed).is_dir() and not path.exists():
            shutil.copytree(seed, path)
        index = build_index(isettings)
        if say:
            say(f"indexing {len(docs)} {name} documents into {path} (once) ...")
        report = ingest_documents(index, list(docs))
        errors = getattr(report, "errors", [])
        if errors and say:
            say(f"{len(errors)} {name} document(s) not ingested, e.g. {errors[0]}")
        done.write_text(json.dumps({"documents": len(docs), "date": time.strftime("%Y-%m-%d %H:%M:%S")}))
        return index, isettings
    index = build_index(isettings)
    index.ensure_articles()  # an index cached before article vectors gets them once
    return index, isettings


def realtimeqa_assistant(settings: Any, split: str, bench_dir: Path, cache_dir: Path,
                         say: Callable[[str], None] | None = None):
    """(assistant, docs, questions) of a RealTime QA split, over the suite's cached index of
    `bench_dir/realtimeqa` (the bench scripts that ask its questions one by one share it)."""
    from qa import Assistant

    docs, questions = B.load_realtimeqa(Path(bench_dir) / FOLDERS["realtimeqa"], split)
    index, isettings = open_bench_index(settings, "realtimeqa", docs, Path(cache_dir) / "eval-index", say=say)
    return Assistant.from_settings(isettings, index=index), docs, questions


def _rtqa_docs_of(docs, questions) -> list:
    keep = {q.id for q in questions}
    return [d for d in docs if (d.doc_id.startswith("ev_") and d.doc_id[3:] in keep)
            or (d.doc_id.startswith("gcs_") and d.doc_id[4:].rsplit("_", 1)[0] in keep)]


QUICK_DISTRACTORS = 60


def _multihop_docs_of(docs, questions) -> list:
    """The sampled questions' facts plus a fixed hash sample of other facts as distractors."""
    wanted = {f for q in questions for f in q.facts}
    others = sorted((d for d in docs if d.doc_id not in wanted),
                    key=lambda d: hashlib.sha256(d.doc_id.encode()).hexdigest())[:QUICK_DISTRACTORS]
    return [d for d in docs if d.doc_id in wanted] + others


def _rgb_docs_of(docs, questions) -> list:
    wanted = {x for q in questions for x in (*q.positive, *q.positive_wrong, *q.negative)}
    return [d for d in docs if d.doc_id in wanted]


def default_factory(settings: Any, index: Any) -> Any:
    from qa.assistant import Assistant

    return Assistant.from_settings(settings, index=index)


def run_suite(configs: Sequence[tuple[str, Any]], opts: SuiteOptions,
              factory: Callable[[Any, Any], Any] = default_factory) -> dict:
    """The suite report: {"meta", "suite": {"configs", "benchmarks": {bench: {config: {summary,
    by_type, records}}}, "deltas", "reliability", "published"}}."""
    if not configs:
        raise ValueError("no configuration to evaluate")
    say = (lambda m: print(m, file=sys.stderr, flush=True)) if opts.progress else None
    loaded = _load(opts)
    out: dict[str, dict] = {b: {} for b in opts.benchmarks}
    for cname, settings in configs:
        built: dict[str, Path] = {}
        for bench in opts.benchmarks:
            docs, questions, seed = loaded[bench]
            if bench == "multihop" and not opts.quick and "realtimeqa" in loaded:
                docs = docs + loaded["realtimeqa"][0]  # the RealTime QA articles as distractors
                seed = built.get("realtimeqa")  # copied, so only the facts are embedded
            index, isettings = open_bench_index(settings, bench, docs, opts.cache_dir, seed, say)
            built[bench] = Path(isettings.data_dir)
            assistant = factory(isettings, index)
            t0 = time.perf_counter()
            if bench == "realtimeqa":
                records = run_realtimeqa(assistant, questions, [d.doc_id for d in docs], opts.mode, k=opts.k,
                                         evidence_removed=opts.evidence_removed, progress=opts.progress)
            elif bench == "multihop":
                records = run_multihop(assistant, questions, opts.mode, k=opts.k, progress=opts.progress)
            else:
                records = run_rgb(assistant, questions, opts.mode, k=opts.k, progress=opts.progress)
            out[bench][cname] = {"summary": S.summarize(records), "by_type": S.summarize_by_type(records),
                                 "records": records, "seconds": time.perf_counter() - t0,
                                 "questions": len(questions), "documents": len(docs)}
    names = [c for c, _ in configs]
    deltas = {b: {c: {m: S.paired_delta(out[b][names[0]]["records"], out[b][c]["records"], m)
                      for m in out[b][names[0]]["summary"]["metrics"]}
                  for c in names[1:]} for b in opts.benchmarks}
    rel = {c: S.reliability([r for b in opts.benchmarks for r in out[b][c]["records"]]) for c in names}
    meta = {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "split": opts.split,
            "quick": opts.quick, "mode": opts.mode, "k": opts.k, "bench_dir": str(opts.bench_dir),
            "configs": {c: _describe(s) for c, s in configs}, "bootstrap": {"resamples": S.RESAMPLES, "seed": S.SEED}}
    return {"meta": meta, "suite": {"configs": names, "benchmarks": out, "deltas": deltas, "reliability": rel,
                                    "published": {b: PUBLISHED[b] for b in opts.benchmarks}}}


def _describe(settings: Any) -> dict:
    to_json = getattr(settings, "to_json", None)
    data = to_json() if callable(to_json) else {}
    return {k: data.get(k) for k in ("answer_mode", "index", "retrieval") if k in data}


def _load(opts: SuiteOptions) -> dict[str, tuple[list, list, Path | None]]:
    loaded = {}
    for bench in opts.benchmarks:
        folder = opts.bench_dir / FOLDERS[bench]
        if bench == "realtimeqa":
            docs, qs = B.load_realtimeqa(folder, opts.split)
            qs = sample(qs, opts.quick, bench)
            seed = None
            if opts.quick:
                docs = _rtqa_docs_of(docs, qs)
            else:
                seed = opts.rtqa_seed
        elif bench == "multihop":
            docs, qs = B.load_multihop(folder, opts.split)
            qs, seed = sample(qs, opts.quick, bench), None
            if opts.quick:
                docs = _multihop_docs_of(docs, qs)
        else:
            docs, qs = B.load_rgb(folder, opts.split)
            qs, seed = sample(qs, opts.quick, bench), None
            docs = _rgb_docs_of(docs, qs)
        loaded[bench] = (docs, qs, seed)
    return loaded
