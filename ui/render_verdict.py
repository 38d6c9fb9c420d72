"""Why the assistant answered or refused, in plain words, with the numbers behind a toggle.

The answer JSON's `verdict` is {"answerable", "kind", "reason", "score", "features"}; `kind` is
one of KINDS and `reason` plain words ("answered from 2 articles", "the articles discuss X but
never say Y", "no article about this", "sources disagree"). An answer's reason is shown subtly,
a refusal's plainly; score and features only inside a closed "Details" <details>. A verdict
without `kind` (an older backend, whose reasons are "supported" or scorer terms such as
"cosine 0.16, term coverage 0.00") is read as "answered" when the answer was given, with the
reason written from its citations; for a refusal the "No answer in the articles" label says it,
and that backend's reason goes behind "Details" with the numbers.
"""

from __future__ import annotations

from qa.types import Answer

from .render_chips import esc

KINDS = ("answered", "not_stated", "off_topic", "conflict", "no_index")


def _kind(verdict: dict, answer: Answer) -> str:
    kind = verdict.get("kind")
    if kind in KINDS:
        return kind
    refused = answer.abstained or verdict.get("answerable") is False
    return "not_stated" if refused else "answered"


def _answered_reason(answer: Answer) -> str:
    n = len({c.doc_id for c in answer.citations})
    return f"answered from {n} article{'' if n == 1 else 's'}" if n else ""


def _number(v) -> str:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return esc(v)
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _details(verdict: dict, kind: str, extra: str = "") -> str:
    score, features = verdict.get("score"), verdict.get("features")
    rows = [("kind", esc(kind))] + ([("reason", esc(extra))] if extra else [])
    if score is not None:
        rows.append(("answerability score", _number(score)))
    if isinstance(features, dict):
        rows += [(esc(k), _number(v)) for k, v in features.items()]
    if len(rows) == 1:
        return ""
    items = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return (f'<details class="qa-details"><summary>Details</summary>'
            f'<dl class="qa-details-list">{items}</dl></details>')


def verdict_html(verdict: dict | None, answer: Answer) -> str:
    """The plain reason (subtle for an answer), then the numbers behind "Details"."""
    if not isinstance(verdict, dict):
        return ""
    kind = _kind(verdict, answer)
    given = verdict.get("kind") in KINDS
    reason = str(verdict.get("reason") or "").strip() if given else ""
    if kind == "answered":
        reason = reason or _answered_reason(answer)
        line = f'<div class="qa-verdict qa-verdict-answered">{esc(reason)}</div>' if reason else ""
    else:
        line = f'<div class="qa-verdict qa-verdict-{kind}" role="note">{esc(reason)}</div>' if reason else ""
    legacy = "" if given else str(verdict.get("reason") or "").strip()
    if kind == "answered" and not given:
        legacy = ""  # "supported": nothing a reader learns from
    return f'<div class="qa-why" data-kind="{kind}">{line}{_details(verdict, kind, legacy)}</div>'
