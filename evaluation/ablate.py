"""Ablations: the same gold set through named pipeline variants, one table.

A variant is a name, an answer mode and settings overrides (dotted names, as in qa.toml:
`retrieval.mode=bm25`). The defaults compare dense only, BM25 only and hybrid retrieval in
quote mode, hybrid plus the second stage when the settings have one, and quote vs llm.
Custom variants: `parse_variant("name:answer_mode:key=value,key=value")`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from qa.settings import Settings

from .gold import GoldItem
from .runner import GoldRun, run_gold

# Boolean retrieval settings that switch a second ranking stage on (first found is used); for any
# other kind of switch, pass a custom variant.
SECOND_STAGE_FIELDS = ("rerank", "second_stage")

TABLE_COLUMNS = (
    "hit@5", "recall@5", "recall@10", "mrr", "ndcg@10", "accuracy", "answer_accuracy", "contains",
    "refusal_accuracy", "false_refusal_rate", "citation_precision", "p50_ms", "p95_ms",
)


@dataclass(frozen=True)
class Variant:
    name: str
    answer_mode: str = "quote"
    overrides: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a variant needs a name")
        if self.answer_mode not in ("quote", "llm"):
            raise ValueError(f"variant {self.name!r}: answer mode {self.answer_mode!r} is not quote or llm")


def apply_overrides(settings: Settings, overrides: dict[str, Any]) -> Settings:
    """Return settings with dotted-name overrides applied, validated as a qa.toml would be."""
    return settings.with_overrides(overrides)


def parse_variant(spec: str) -> Variant:
    """'name:answer_mode:key=value,key=value' (the last two parts optional)."""
    name, _, rest = spec.partition(":")
    mode, _, kvs = rest.partition(":")
    overrides = {}
    for kv in filter(None, (s.strip() for s in kvs.split(","))):
        k, sep, v = kv.partition("=")
        if not sep:
            raise ValueError(f"variant {spec!r}: override {kv!r} is not key=value")
        overrides[k.strip()] = v.strip()
    return Variant(name.strip(), mode.strip() or "quote", overrides)


def second_stage_field(settings: Settings) -> str | None:
    for name in type(settings.retrieval).model_fields:
        if name in SECOND_STAGE_FIELDS and isinstance(getattr(settings.retrieval, name), bool):
            return f"retrieval.{name}"
    return None


def default_variants(settings: Settings, with_llm: bool = False) -> list[Variant]:
    second = second_stage_field(settings)
    off = {second: False} if second else {}
    variants = [
        Variant("dense", "quote", {"retrieval.mode": "dense", **off}),
        Variant("bm25", "quote", {"retrieval.mode": "bm25", **off}),
        Variant("hybrid", "quote", {"retrieval.mode": "hybrid", **off}),
    ]
    if second:
        variants.append(Variant("hybrid+second-stage", "quote", {"retrieval.mode": "hybrid", second: True}))
    if with_llm:
        best = variants[-1]
        variants.append(Variant(f"{best.name}/llm", "llm", dict(best.overrides)))
    return variants


def row(variant: Variant, run: GoldRun) -> dict:
    s = run.summary
    r = s.get("retrieval") or {}
    total = (s.get("latency") or {}).get("total") or {}
    return {
        "variant": variant.name, "answer_mode": variant.answer_mode,
        "overrides": ", ".join(f"{k}={v}" for k, v in variant.overrides.items()),
        **{k: r.get(k) for k in ("hit@5", "recall@5", "recall@10", "mrr", "ndcg@10")},
        **{k: s.get(k) for k in ("accuracy", "answer_accuracy", "contains", "refusal_accuracy",
                                 "false_refusal_rate", "citation_precision")},
        "p50_ms": total.get("p50") * 1000 if total.get("p50") is not None else None,
        "p95_ms": total.get("p95") * 1000 if total.get("p95") is not None else None,
        "summary": s,
    }


def run_ablation(make_assistant: Callable[[Settings], Any], settings: Settings, items: Sequence[GoldItem],
                 variants: Sequence[Variant], *, k: int | None = None, progress: bool = True,
                 on_error: Callable[[Variant, Exception], None] | None = None) -> dict:
    """Run every variant; a variant that cannot run (e.g. llm not installed) is reported, not fatal
    when `on_error` is given. Returns {"columns", "rows", "skipped"}."""
    rows, skipped = [], []
    for v in variants:
        try:
            assistant = make_assistant(apply_overrides(settings, v.overrides))
            run = run_gold(assistant, items, v.answer_mode, k=k, progress=progress,
                           config={"variant": v.name, "overrides": v.overrides})
        except Exception as exc:
            if on_error is None:
                raise
            on_error(v, exc)
            skipped.append({"variant": v.name, "reason": f"{type(exc).__name__}: {exc}"})
            continue
        rows.append(row(v, run))
    return {"columns": ["answer_mode", *TABLE_COLUMNS], "rows": rows, "skipped": skipped}
