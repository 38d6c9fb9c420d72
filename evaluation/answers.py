"""Asking an assistant and reading its answer, whatever version of the answering path it is.

`ask()` passes `filters` and `as_of` only when the assistant's `ask` accepts them. `view()`
reads an Answer (or its `to_json()` dict) into one plain dict, using `answer_span`
{doc_id, start, end, text} and `verdict` {answerable, score, reason} when the answer carries them.
"""

from __future__ import annotations

import inspect
import time
from typing import Any

from . import metrics as M


def _accepts(fn, name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def ask(assistant: Any, question: str, mode: str | None = None, k: int | None = None, *,
        filters: Any = None, as_of: str | None = None) -> tuple[Any, float]:
    """(answer, wall seconds). `filters`/`as_of` are dropped when `ask` has no such parameter;
    a run that needs filters (evidence removed, per-query corpora) checks `supports()` first."""
    kwargs: dict[str, Any] = {"mode": mode, "k": k}
    if filters is not None and _accepts(assistant.ask, "filters"):
        kwargs["filters"] = filters
    if as_of is not None and _accepts(assistant.ask, "as_of"):
        kwargs["as_of"] = as_of
    t0 = time.perf_counter()
    answer = assistant.ask(question, **kwargs)
    return answer, time.perf_counter() - t0


def supports(assistant: Any, name: str) -> bool:
    return _accepts(assistant.ask, name)


def _get(obj: Any, name: str, default=None):
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _span(obj: Any) -> dict | None:
    span = _get(obj, "answer_span")
    if span is None:
        return None
    if not isinstance(span, dict):
        span = {k: _get(span, k) for k in ("doc_id", "start", "end", "text")}
    return span if span.get("text") else None


def _score(obj: Any) -> float | None:
    verdict = _get(obj, "verdict")
    if verdict is None:
        return None
    score = verdict.get("score") if isinstance(verdict, dict) else _get(verdict, "score")
    return float(score) if isinstance(score, (int, float)) else None


def _features(obj: Any) -> dict:
    verdict = _get(obj, "verdict")
    feats = _get(verdict, "features") if verdict is not None else None
    return dict(feats) if isinstance(feats, dict) else {}


def view(answer: Any, wall_s: float = 0.0) -> dict:
    """The fields every benchmark scorer reads."""
    text = _get(answer, "text")
    if text is None:
        text = _get(answer, "answer", "")
    abstained = bool(_get(answer, "abstained", False))
    citations = []
    for c in _get(answer, "citations", []) or []:
        quote = _get(c, "quote")
        citations.append({"doc_id": _get(c, "doc_id"), "start": _get(c, "start"), "end": _get(c, "end"),
                          "text": quote if quote is not None else _get(c, "text", "")})
    passages = [_get(p, "doc_id") for p in (_get(answer, "passages", []) or [])]
    return {
        "text": text or "", "pred": M.prediction_text(text or "", abstained), "abstained": abstained,
        "citations": citations, "passages": passages, "answer_span": _span(answer),
        "score": _score(answer), "features": _features(answer), "conflicts": len(_get(answer, "conflicts", []) or []),
        "latency": float(_get(answer, "latency_s", 0.0) or wall_s),
        "fallback": _get(answer, "fallback") == "quote", "mode": _get(answer, "mode"),  # llm mode answered with quotes instead
    }


def support(choice: str, v: dict) -> float:
    """How well an answer supports one multiple-choice option: 1.0 when the normalised choice
    occurs (on word boundaries) in the answer text or its span; otherwise the fraction of the
    choice's tokens found in the answer text plus its cited sentences (token recall)."""
    if v["abstained"]:
        return 0.0
    said = " ".join([v["pred"], (v["answer_span"] or {}).get("text", "")])
    if M.contains_alias(said, [choice]):
        return 1.0
    toks = M.get_tokens(choice)
    if not toks:
        return 0.0
    seen = set(M.get_tokens(" ".join([said, *(c["text"] for c in v["citations"])])))
    return sum(t in seen for t in toks) / len(toks) * 0.99  # below any exact occurrence


def pick_choice(choices: list[str] | tuple[str, ...], v: dict, exclude: str | None = None) -> int | None:
    """The index of the best-supported choice; None when the answer supports none of them or
    two tie at the top (no guess)."""
    scored = [(support(c, v), i) for i, c in enumerate(choices) if c != exclude]
    if not scored:
        return None
    scored.sort(reverse=True)
    best = scored[0][0]
    if best <= 0.0 or (len(scored) > 1 and scored[1][0] == best):
        return None
    return scored[0][1]
