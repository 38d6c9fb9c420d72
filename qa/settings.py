"""One settings tree, loaded at entry points: defaults < qa.toml < QA_* environment < flags."""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class IndexSettings:
    # SciFact dev nDCG@10, 1,156-document subsample (bench/embed_compare.py --scifact-docs 1000),
    # CPU s per 1k news chunks on a loaded 2-core machine: minilm 0.794 / 54.6; minilm-onnx-int8
    # 0.778 / 44.0 (-0.016: fails the 0.005 bar); bge-small-int8 0.830 / 64.2 (better, slower).
    # None reaches 150 chunks/s on 2 cores, so the default stays minilm.
    embed_model: str = "minilm"
    # Chunk size on news (bench/chunk_size.py: RealTime QA subset, dev n=133, BM25 recall@5 of
    # ev:<qid>): 2/0/400 0.398 at 20.4 chunks/article, 4/1/800 0.376 at 13.1, 8/1/1600 0.346 at
    # 5.9. Bigger chunks lose evidence, smaller ones cost 1.6x the chunks; dense recall not yet
    # measured (embedding the 38k chunks did not fit this round), so 4/1/800 stays.
    chunk_sentences: int = 4
    chunk_overlap: int = 1
    chunk_max_chars: int = 800
    max_file_bytes: int = 5 * 1024 * 1024
    # Chunks embedded and written per batch (one embedding call, one Chroma add, one registry
    # transaction); a crash loses at most one batch's work, which the next run repairs.
    batch_chunks: int = 512


@dataclass(frozen=True)
class IngestFieldSettings:
    """Which record fields of a JSONL/CSV/Parquet export hold each value (comma-separated
    names are tried in order; dotted names reach into nested objects). Unset: the defaults of
    corpus.FieldMap (id/doc_id/_id, text/content/body, title/headline, ...)."""

    id: str | None = None
    text: str | None = None
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class IngestSettings:
    fields: IngestFieldSettings = field(default_factory=IngestFieldSettings)


@dataclass(frozen=True)
class RetrievalSettings:
    mode: str = "hybrid"  # dense | bm25 | hybrid
    # Passages handed to the answerers. 8 vs 5 on eval/gold.jsonl (quote): answer accuracy
    # 0.909 vs 0.894, the evidence for three questions ranks 6th to 8th; p50 22 vs 20 ms.
    k: int = 8
    candidates: int = 50
    rrf_k: int = 60
    dense_weight: float = 0.4
    bm25_weight: float = 0.6
    max_per_doc: int = 2
    # convex: min-max normalised weighted sum of dense and BM25 scores; rrf: reciprocal ranks.
    # Chosen on BEIR SciFact dev (bench/retrieval.py): convex 0.4/0.6 nDCG@10 0.74 vs RRF 0.72.
    fusion: str = "convex"
    rerank: bool = False  # second stage: re-score the fused top `rerank_depth` with `rerank_model`
    rerank_model: str = "minilm"
    rerank_method: str = "maxsim"  # maxsim (best sentence) | passage (whole passage vector)
    rerank_depth: int = 10
    rerank_weight: float = 0.5
    # one story, one source: a syndicated copy's passage is replaced by its earliest copy's
    # (index/syndication.py); off: copies are only marked, never counted as two sources
    collapse_copies: bool = True


@dataclass(frozen=True)
class LLMSettings:
    model_path: str | None = None  # a GGUF file; None: the installed Qwen2.5 package, if any
    server_url: str | None = None  # an OpenAI-compatible server (Ollama, vLLM, llama.cpp server)
    server_model: str = "local"
    api_key: str = "not-needed"
    max_tokens: int = 256
    temperature: float = 0.0
    n_ctx: int = 4096
    n_threads: int = 2
    # When the model refuses, or none of its sentences survives the citation check, although
    # the evidence gate judged the question answerable: answer with the quoted sentences
    # instead (Answer.fallback = "quote"), rather than a refusal the evidence contradicts.
    fallback_to_quote: bool = True


@dataclass(frozen=True)
class Settings:
    data_dir: str = ".qa-data"
    chroma_url: str | None = None
    collection: str = "news_qa"
    answer_mode: str = "quote"
    index: IndexSettings = field(default_factory=IndexSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)
    llm: LLMSettings = field(default_factory=LLMSettings)

    # Environment variables for the most common settings.
    ENV = {
        "QA_DATA_DIR": "data_dir",
        "QA_CHROMA_URL": "chroma_url",
        "QA_COLLECTION": "collection",
        "QA_MODE": "answer_mode",
        "QA_EMBED_MODEL": "index.embed_model",
        "QA_INGEST_BATCH_CHUNKS": "index.batch_chunks",
        "QA_LLM_MODEL_PATH": "llm.model_path",
        "QA_LLM_SERVER_URL": "llm.server_url",
        "QA_LLM_SERVER_MODEL": "llm.server_model",
    }

    @classmethod
    def load(cls, config: str | Path | None = None, env: dict | None = None, **overrides) -> "Settings":
        """Build settings. `overrides` use dotted names ('llm.model_path'); None means unset."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        path = config or env.get("QA_CONFIG") or ("qa.toml" if Path("qa.toml").is_file() else None)
        if path:
            try:
                data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ValueError(f"cannot read config file {path}: {exc}") from None
            values.update(_flatten(data))
        for var, key in cls.ENV.items():
            if env.get(var):
                values[key] = env[var]
        values.update({k.replace("__", "."): v for k, v in overrides.items() if v is not None})
        return _build(cls(), values)

    def to_json(self) -> dict:
        return asdict(self)


def _flatten(data: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in data.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def _coerce(current, value, name: str):
    """Convert `value` to the type of the default `current`; raise ValueError naming both."""
    if value is None:
        return None
    expected = "str" if current is None else type(current).__name__  # None defaults are str | None

    def bad():
        return ValueError(
            f"setting {name}: {value!r} is not a valid {expected}; fix it in qa.toml, the QA_* "
            "environment variable or the command-line flag"
        )

    if current is None or isinstance(current, str):
        if not isinstance(value, str):
            raise bad()
        return value
    if isinstance(current, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        raise bad()
    if isinstance(value, bool):
        raise bad()
    if isinstance(current, int):
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                raise bad() from None
        raise bad()
    if isinstance(current, float):
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                raise bad() from None
        raise bad()
    return value


def _build(obj, values: dict, prefix: str = ""):
    sections = {f.name for f in fields(obj) if is_dataclass(getattr(obj, f.name))}
    leaves = {f.name for f in fields(obj)} - sections
    unknown = [
        k for k in values
        if not (k in leaves or (k.split(".")[0] in sections and "." in k))
    ]
    if unknown:
        raise ValueError(
            f"unknown setting(s) {', '.join(prefix + u for u in unknown)}; known here: "
            + ", ".join(sorted(prefix + n for n in leaves | {s + ".*" for s in sections}))
        )
    changes = {}
    for f in fields(obj):
        current = getattr(obj, f.name)
        if is_dataclass(current):
            sub = {k[len(f.name) + 1:]: v for k, v in values.items() if k.startswith(f.name + ".")}
            if sub:
                changes[f.name] = _build(current, sub, f"{prefix}{f.name}.")
        elif f.name in values:
            changes[f.name] = _coerce(current, values[f.name], prefix + f.name)
    return replace(obj, **changes)
