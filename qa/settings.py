"""One settings tree (pydantic-settings), loaded at entry points: defaults < qa.toml < QA_*
environment < flags. It is the one source of defaults, thresholds of the refusal gate, the
sentence scorer and the claim checker included; components take their section through their
constructors. `Settings(...)` gives exactly the values passed over the defaults (no file, no
environment); `Settings.load(...)` reads all layers."""

from __future__ import annotations

import os
import tomllib
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict,
                               TomlConfigSettingsSource)
from pydantic_settings.exceptions import SettingsError


class Section(BaseModel):
    """A [section] of qa.toml: frozen, unknown keys are errors, a bool is never a number."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_numbers(cls, value, info):
        kind = cls.model_fields[info.field_name].annotation
        if isinstance(value, bool) and kind in (int, float):
            raise ValueError(f"a bool is not a valid {kind.__name__}")
        return value


class IndexSettings(Section):
    # Sentences, questions and (new index) articles: bge-small-en-v1.5 int8 (issue 23, eighth round,
    # docs/measurements.md); cosine thresholds follow the model (qa/calibration.py). SciFact dev nDCG@10
    # (bench/embed_compare.py) / CPU s per 1k chunks: minilm 0.794 / 54.6; bge-small-int8 0.830 / 64.2.
    embed_model: str = "bge-small-int8"
    # Passages: static vectors distilled from MiniLM (index/static_embedder.py); articles (title and
    # lead): "same": embed_model's; "auto": what an existing index was built with (an index built
    # before bge keeps its MiniLM article vectors), for a new one minilm-static256 / embed_model.
    passage_embed_model: str = "auto"
    article_embed_model: str = "auto"
    # torch intra-op threads (None: 1/core); one MiniLM query at load ~10 on 2 cores: 2 -> ~500 ms, 1 -> ~18 ms
    torch_threads: int | None = Field(1, ge=1)
    # Chunk size: RealTime QA dev quote answers (accuracy) with static passages, 2/0/400 0.549,
    # 4/1/800 0.556, 8/1/1600 0.549, no paired delta outside its CI (docs/measurements.md).
    chunk_sentences: int = 4
    chunk_overlap: int = 1
    chunk_max_chars: int = 800
    max_file_bytes: int = 5 * 1024 * 1024
    # Chunks embedded and written per batch (one embedding call, one Chroma add, one registry
    # transaction); a crash loses at most one batch's work, which the next run repairs.
    batch_chunks: int = 512


class IngestFieldSettings(Section):
    """Which record fields of a JSONL/CSV/Parquet export hold each value (comma-separated
    names are tried in order; dotted names reach into nested objects). Unset: the defaults of
    corpus.FieldMap (id/doc_id/_id, text/content/body, title/headline, ...)."""

    id: str | None = None
    text: str | None = None
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    url: str | None = None


class IngestSettings(Section):
    fields: IngestFieldSettings = Field(default_factory=IngestFieldSettings)


class RetrievalSettings(Section):
    mode: str = "articles"  # articles (find the articles first) | hybrid | dense | bm25
    # Passages handed to the answerers. 8 vs 5 on eval/gold.jsonl (quote): answer accuracy
    # 0.909 vs 0.894, the evidence for three questions ranks 6th to 8th; p50 22 vs 20 ms.
    k: int = 8
    candidates: int = 50
    rrf_k: int = 60
    # Convex fusion weights, chosen on three dev halves at once (the mean of SciFact nDCG@10 and
    # the evidence recall@5 of RealTime QA and MultiHop-RAG; bench/retrieval.py --dense-weights,
    # bench/fusion_news.py): dense 0.3 / 0.4 / 0.5 / 0.6 -> 0.522 / 0.528 / 0.532 / 0.527. Test
    # halves at 0.5 vs 0.4: SciFact 0.731 vs 0.726, RealTime QA 0.353 vs 0.308 (dense alone
    # 0.308), MultiHop-RAG 0.565 vs 0.569 (dense alone 0.457).
    dense_weight: float = 0.5
    bm25_weight: float = 0.5
    max_per_doc: int = 2
    # convex: min-max normalised weighted sum of dense and BM25 scores; rrf: reciprocal ranks.
    # Convex beat RRF on BEIR SciFact dev (bench/retrieval.py): nDCG@10 0.74 vs 0.72.
    fusion: str = "convex"
    rerank: bool = False  # second stage: re-score the fused top `rerank_depth` with `rerank_model`
    rerank_model: str = "minilm"
    # cross-encoder (ms-marco MiniLM-L-12 reads each question/passage pair; index/cross_encoder.py)
    # | maxsim (best sentence vector of rerank_model) | passage (whole passage vector).
    # It measured no better on the news sets' dev halves, cost SciFact, and made quote answers ~5x
    # slower (docs/measurements.md, bench/fusion_news.py --rerank), so `rerank` stays off.
    rerank_method: str = "maxsim"
    rerank_depth: int = 10
    rerank_weight: float = 0.5  # share of the second-stage score in the re-ordered head (1: it alone)
    rerank_max_length: int = 256  # cross-encoder: tokens of question + passage read per pair
    # one story, one source: a syndicated copy's passage is replaced by its earliest copy's
    collapse_copies: bool = True  # (index/syndication.py); off: copies are only marked
    # mode "articles" (index.article_retrieval documents each): chosen on dev halves (docs/measurements.md)
    article_weight: float = Field(1.0, ge=0)
    passage_weight: float = Field(0.125, ge=0)  # 0.5 with MiniLM passage vectors (passage_embed_model "same")
    article_bm25_weight: float = Field(0.5, ge=0)
    article_bm25_slope: float = Field(30.0, ge=0)  # BM25 weight by the query's term rarity (0: fixed)
    article_bm25_center: float = Field(0.5, ge=0, le=1)
    recency_weight: float = Field(0.3, ge=0)
    recency_days: float = Field(3.0, gt=0)
    recency_flat_days: float = Field(7.0, ge=0)
    recency_weight_no_as_of: float = Field(0.0, ge=0)
    recency_undated: float | None = Field(1.0, ge=0, le=1)
    articles_read: int = Field(20, ge=1)  # top articles whose passages are scored


class GateSettings(Section):
    """The refusal gate (qa.evidence.gate.EvidenceGate). Calibrated on eval/gold.jsonl and the
    held-out set, with and without answers in the articles."""

    min_sem: float = Field(0.25, ge=-1, le=1)  # best sentence cosine below this: abstain
    min_lex: float = Field(0.34, ge=-1, le=1)  # best term coverage below this ...
    strong_sem: float = Field(0.55, ge=-1, le=1)  # ... abstains too, below this (unset: the model's, qa/calibration.py)
    max_missing_keys: int = Field(0, ge=0)  # key terms of the question that may be absent from the evidence
    fuzzy: float = Field(0.8, ge=-1, le=1)  # similarity at which two spellings of a name match ('Marzouk'/'Marzook')
    require_dated_names: bool = True  # 'when ...': one sentence must carry a date and all the names
    # How deep in the ranked sentences each slot check looks.
    top_for_count: int = Field(6, ge=1)  # 'how many', 'name of'
    top_for_date: int = Field(8, ge=1)  # 'when'
    lex_depth: int = Field(10, ge=1)  # best term coverage over the top sentences; not re-measured


class ScoringSettings(Section):
    """Sentence scoring and selection in quote mode (qa.answer.quote): score = sem * cosine + lex *
    idf-weighted term coverage + cue * answer-type cue + prior / (1 + passage rank), minus a
    length penalty past `length_chars` and `headline` for a sentence that repeats the title."""

    sem: float = 0.55
    lex: float = 0.35
    cue: float = 0.10
    prior: float = 0.05
    length_chars: int = Field(350, ge=1)  # sentences longer than this are gently penalised
    headline: float = 0.05
    max_sentences: int = Field(3, ge=1)  # sentence groups cited in a quote answer
    rel: float = Field(0.85, gt=0, le=1)  # a further sentence scores at least this share of the best
    follow: float = Field(0.4, ge=0)  # the sentence after the best: at least this share of the best
    # Sentences whose stemmed terms overlap this much (Jaccard) are one group (5aae6dd; not re-measured).
    near_duplicate: float = Field(0.7, gt=0, le=1)
    # NER answer-type cue only for sentences that can still reach this rank with it (spaCy is
    # the costly part). Chosen in ab81f0d as deep as the cue can change the best 12 (issue 24).
    cue_depth: int = Field(12, ge=1)
    # The cross-encoder re-orders the best `rerank_depth` sentences (0: off; RealTime QA dev half).
    rerank_depth: int = Field(10, ge=0)
    # Embed only the best `embed_depth` sentences by the rest of the score (0: all; measured, tenth round).
    embed_depth: int = Field(0, ge=0)


class ConflictSettings(Section):
    """Disagreeing figures and dates among the relevant sentences (qa.check.conflicts)."""

    # Relevant: a sentence scoring at least `band` of the best, among the first `max_sentences`.
    # Typed inline since the first Assistant (5aae6dd; dates added in 448c71e); moved here
    # unchanged (issue 24), not re-measured.
    band: float = Field(0.75, gt=0, le=1)
    max_sentences: int = Field(8, ge=1)
    # 'How many' questions look further down (the count must still match the question's
    # words): 9dc95f8, on the seed questions; moved here unchanged.
    count_band: float = Field(0.6, gt=0, le=1)


class VerifySettings(Section):
    """The claim checker of llm mode (qa.check.claims.Checker, qa.check.claim_judges.ClaimJudge)."""

    min_overlap: float = Field(0.6, ge=0, le=1)  # content-word coverage that suffices on its own
    min_cosine: float = Field(0.55, ge=0, le=1)  # cosine that suffices with ... (unset: qa/calibration.py)
    min_overlap_with_cosine: float = Field(0.3, ge=0, le=1)  # ... at least this coverage
    drop_unsupported: bool = True
    cross_encoder: bool = False  # also judge (claim, span) pairs with the ms-marco cross-encoder
    cross_encoder_min_score: float = 0.0  # its logit threshold


class JudgeSettings(Section):
    """Who decides to answer or refuse (qa.evidence.verdict.VerdictMaker). "gate": the refusal gate
    (qa.evidence.gate), with an optional floor on the learned answerability score; "score": the
    learned score alone (the gate's decision is one of its features), answering when
    score >= min_score. Chosen on the dev halves by bench/train_answerability.py."""

    policy: Literal["gate", "score", "reader"] = "gate"
    min_score: float | None = Field(None, ge=0, le=1)  # policy "score" needs it


class ReaderSettings(Section):
    """The extractive reader (qa.evidence.reader, trained by bench/train_reader.py), see `scope`.
    judge.policy "reader" reads passages and lets the no-answer margin decide refusal (answer
    when margin > `threshold`; None: the threshold fitted in reader.json)."""

    # On by default, scope "citations": SQuAD 2.0 test half (first 300 questions) answerable-question
    # F1 of answer_span 20.7 with the NER finder, 37.7 with the reader; answers and refusals unchanged.
    enabled: bool = True
    # "citations": it reads only the cited sentences and gives the short answer (answer_span);
    # "passages": it reads the first `passages` retrieved passages, its span's sentence is
    # quoted first and its margin is reported (and decides refusal under judge.policy "reader").
    scope: Literal["citations", "passages"] = "citations"
    passages: int = Field(5, ge=1, le=50)
    threshold: float | None = None
    model_dir: str | None = None  # None: the shipped qa/models/reader


class LLMSettings(Section):
    model_path: str | None = None  # a GGUF file; None: the installed Qwen2.5 package, if any
    server_url: str | None = None  # an OpenAI-compatible server (Ollama, vLLM, llama.cpp server)
    server_model: str = "local"
    api_key: str = "not-needed"
    max_tokens: int = 256
    temperature: float = 0.0
    n_ctx: int = 4096
    n_threads: int = 2
    # The local model runs in a worker process (qa.llm.worker): how long its first load may
    # take, and the restart backoff after it exits (doubling from restart_backoff up to
    # max_restart_backoff seconds; reset after a minute of running).
    load_timeout: float = Field(180.0, gt=0)
    restart_backoff: float = Field(1.0, gt=0)
    max_restart_backoff: float = Field(30.0, gt=0)
    # When the model refuses, or none of its sentences survives the citation check, although
    # the evidence gate judged the question answerable: answer with the quoted sentences
    # instead (Answer.fallback = "quote"), rather than a refusal the evidence contradicts.
    fallback_to_quote: bool = True


# Environment variables kept from before the tree had nested ones (QA_GATE__MIN_SEM, ...).
LEGACY_ENV = {
    "QA_MODE": "answer_mode",
    "QA_EMBED_MODEL": "index.embed_model",
    "QA_INGEST_BATCH_CHUNKS": "index.batch_chunks",
    "QA_LLM_MODEL_PATH": "llm.model_path",
    "QA_LLM_SERVER_URL": "llm.server_url",
    "QA_LLM_SERVER_MODEL": "llm.server_model",
}


@dataclass(frozen=True)
class _Layers:
    config: Path | None
    env: Mapping[str, str]


_LOADING: ContextVar[_Layers | None] = ContextVar("qa_settings_layers", default=None)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QA_", env_nested_delimiter="__", env_ignore_empty=True,
                                      extra="forbid", frozen=True)

    data_dir: str = ".qa-data"
    chroma_url: str | None = None
    collection: str = "news_qa"
    answer_mode: str = "quote"
    index: IndexSettings = Field(default_factory=IndexSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    gate: GateSettings = Field(default_factory=GateSettings)
    scoring: ScoringSettings = Field(default_factory=ScoringSettings)
    conflicts: ConflictSettings = Field(default_factory=ConflictSettings)
    verify: VerifySettings = Field(default_factory=VerifySettings)
    judge: JudgeSettings = Field(default_factory=JudgeSettings)
    reader: ReaderSettings = Field(default_factory=ReaderSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings) -> tuple[PydanticBaseSettingsSource, ...]:
        layers = _LOADING.get()
        if layers is None:  # Settings(...): the values given, over the defaults
            return (init_settings,)
        env = _MappingEnv(settings_cls, layers.env)
        file = (TomlConfigSettingsSource(settings_cls, toml_file=layers.config),) if layers.config else ()
        return (init_settings, env, _LegacyEnv(settings_cls, layers.env), *file)

    @classmethod
    def load(cls, config: str | Path | None = None, env: Mapping[str, str] | None = None,
             **overrides) -> "Settings":
        """Build settings from all layers. `overrides` (the flags) use '__' for sections
        ('llm__model_path'); None means unset. `env` defaults to os.environ."""
        env = os.environ if env is None else env
        path = config or env.get("QA_CONFIG") or ("qa.toml" if Path("qa.toml").is_file() else None)
        if path:
            _check_toml(Path(path))
        flags = _nest({k.replace("__", "."): v for k, v in overrides.items() if v is not None})
        token = _LOADING.set(_Layers(Path(path) if path else None, env))
        try:
            return _validated(lambda: cls(**flags))
        finally:
            _LOADING.reset(token)

    def with_overrides(self, overrides: Mapping[str, Any]) -> "Settings":
        """A copy with dotted-name overrides ('retrieval.k': '7'), validated like a file; unset stays unset."""
        data = self.model_dump(exclude_unset=True)
        for key, value in _nest(dict(overrides)).items():
            data[key] = {**data[key], **value} if isinstance(value, dict) and isinstance(data.get(key), dict) \
                else value
        return _validated(lambda: type(self)(**data))

    def to_json(self) -> dict:
        return self.model_dump()


class _MappingEnv(EnvSettingsSource):
    """QA_* variables (QA_DATA_DIR, QA_RETRIEVAL__K, ...) read from a given mapping."""

    def __init__(self, settings_cls, mapping: Mapping[str, str]):
        self._mapping = mapping
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        from pydantic_settings.sources.utils import parse_env_vars

        return parse_env_vars(self._mapping, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


class _LegacyEnv(PydanticBaseSettingsSource):
    """The older flat names (LEGACY_ENV), below the nested QA_SECTION__KEY names."""

    def __init__(self, settings_cls, mapping: Mapping[str, str]):
        super().__init__(settings_cls)
        self._mapping = mapping

    def get_field_value(self, field, field_name):  # pragma: no cover - __call__ does the work
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return _nest({key: self._mapping[var] for var, key in LEGACY_ENV.items() if self._mapping.get(var)})


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        *sections, leaf = key.split(".")
        node = out
        for s in sections:
            node = node.setdefault(s, {})
            if not isinstance(node, dict):
                raise ValueError(f"unknown setting {key}: {s} is a value, not a section")
        node[leaf] = value
    return out


def _check_toml(path: Path) -> None:
    try:
        tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read config file {path}: {exc}") from None


def _validated(build):
    """Run `build()`; turn pydantic's errors into one ValueError naming each bad key."""
    try:
        return build()
    except SettingsError as exc:
        raise ValueError(f"settings: {exc}; fix it in qa.toml, the QA_* environment variable or the flag") from None
    except ValidationError as exc:
        raise ValueError(_explain(exc)) from None


def _known(loc: tuple) -> list[str]:
    """The setting names at `loc` ('retrieval.k', 'retrieval.mode', ...; 'gate.*' for a section)."""
    model: type[BaseModel] = Settings
    for part in loc:
        sub = model.model_fields.get(str(part))
        if sub is None or not (isinstance(sub.annotation, type) and issubclass(sub.annotation, BaseModel)):
            return []
        model = sub.annotation
    prefix = "".join(f"{p}." for p in loc)
    return [prefix + n + (".*" if isinstance(f.annotation, type) and issubclass(f.annotation, BaseModel) else "")
            for n, f in model.model_fields.items()]


def _explain(exc: ValidationError) -> str:
    unknown, bad, known = [], [], set()
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"])
        value = err.get("input")
        if err["type"] == "extra_forbidden":
            unknown.extend([f"{name}.{k}" for k in value] if isinstance(value, dict) else [name])
            known.update(_known(err["loc"][:-1]))
        elif isinstance(value, dict) and err["type"] not in ("model_type", "model_attributes_type"):
            unknown.extend(f"{name}.{k}" for k in value)  # a table where a value belongs
        elif err["type"] in ("model_type", "model_attributes_type"):
            unknown.append(f"{name} (a section: write [{name}] in qa.toml)")
        else:
            bad.append(f"setting {name}: {value!r} is not a valid value ({err['msg']})")
    parts = ([f"unknown setting(s) {', '.join(unknown)}" + (f"; known here: {', '.join(sorted(known))}" if known
                                                            else "")] if unknown else [])
    return "; ".join(parts + bad) + "; fix it in qa.toml, the QA_* environment variable or the command-line flag"


__all__ = ["GateSettings", "IndexSettings", "IngestFieldSettings", "IngestSettings", "LEGACY_ENV", "LLMSettings",
           "RetrievalSettings", "ScoringSettings", "Section", "Settings", "VerifySettings"]
