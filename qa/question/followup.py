"""Follow-up questions: rewrite 'and who accompanied him?' into a standalone question before
retrieval, and keep a conversation's history. Without an LLM the rewrite resolves pronouns
to the entities of the previous turn and carries those entities over."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from index.text import STOPWORDS, fold

from ..nlp import names

_TOKEN = re.compile(r"[\w’'\-]+|[^\w\s]")
_PERSON = frozenset("he him his she her hers himself herself".split())
_GROUP = frozenset("they them their theirs themselves".split())
_THING = frozenset("it its that this there these those".split())
_OPENERS = re.compile(r"^\s*(and|also|so|then|but|ok(ay)?|and then)\b[\s,]*", re.I)
_ABOUT = re.compile(r"^\s*(and\s+)?(what|how)\s+about\s+(?P<rest>.+?)\s*\??\s*$", re.I)
_MARKER = re.compile(r"\s*\[\d+\](\s*\([^)]*\))?")


@dataclass
class Turn:
    question: str
    answer: str = ""
    standalone: str | None = None


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def entities(text: str) -> list[str]:
    """The names in `text` ('Mousa Abu Marzouk', 'Russian Foreign Ministry'), in order, once
    each: spaCy entities with a name label and proper nouns (qa.nlp.names)."""
    return list(dict.fromkeys(e.text for e in names(text)))


def answer_lead(answer: str) -> str:
    """The first line of an answer, without citation markers and source notes."""
    first = answer.strip().splitlines()[0] if answer.strip() else ""
    return _MARKER.sub("", first).strip()


def needs_context(question: str) -> bool:
    words = [fold(t) for t in _tokens(question) if t[0].isalnum()]
    if not words:
        return False
    if _OPENERS.match(question) or _ABOUT.match(question):
        return True
    if any(w in _PERSON | _GROUP for w in words):
        return True
    # elliptical: no name of its own and very short ("when?", "how many were there?")
    return not entities(question) and len([w for w in words if w not in STOPWORDS]) <= 2


def _mentioned(entity: str, text: str) -> bool:
    return fold(entity) in fold(text)


def rewrite(question: str, history: list[Turn]) -> str:
    """A standalone version of `question` given earlier turns (unchanged if it stands alone)."""
    question = question.strip()
    if not history or not needs_context(question):
        return question
    prev = history[-1]
    prev_q = prev.standalone or prev.question
    lead = answer_lead(prev.answer)
    q_ents = entities(prev_q)
    a_ents = [e for e in entities(lead) if not _mentioned(e, prev_q)]
    about = _ABOUT.match(question)
    if about:  # "what about X?": the previous question, now about X
        return f"{prev_q.rstrip(' ?')}, regarding {about.group('rest')}?"
    body = _OPENERS.sub("", question, count=1).strip()
    body = body[:1].upper() + body[1:]
    asked_who = re.match(r"\s*(who|whom|whose)\b", prev_q, re.I) is not None
    person = (a_ents[:1] if asked_who else []) + q_ents[:1] + a_ents[:1]
    used: list[str] = []

    def swap(m: re.Match) -> str:
        w = fold(m.group(0))
        if w in _PERSON and person:
            used.append(person[0])
            return person[0] + ("’s" if w in ("his", "hers") else "")
        if w in _GROUP and q_ents:
            used.append(q_ents[0])
            return q_ents[0] + ("’s" if w in ("their", "theirs") else "")
        return m.group(0)

    body = re.sub(r"\b[\w]+\b", lambda m: swap(m) if fold(m.group(0)) in _PERSON | _GROUP else m.group(0),
                  body, count=0)
    context = [e for e in q_ents if not _mentioned(e, body) and e not in used]
    if not context and not used:
        context = a_ents[:2]
    if context:
        body = f"{body.rstrip(' ?')} ({', '.join(context)})?"
    return body


def standalone_question(question: str, turns: list[Turn],
                        llm_rewrite: Callable[[str, list[Turn]], str] | None = None) -> str:
    """The question to retrieve with: unchanged without history; else `llm_rewrite(question,
    turns)` when given (llm mode) and it returns something, else the rule rewrite."""
    if not turns:
        return question
    if llm_rewrite is not None:
        try:
            out = llm_rewrite(question, turns)
            if out:
                return out
        except Exception:  # a failed model call must not lose the question: the rule rewrite
            pass
    return rewrite(question, turns)


def _is_message(item) -> bool:
    role = getattr(getattr(item, "role", None), "value", getattr(item, "role", None))
    return role in ("user", "assistant") and hasattr(item, "content")


def parse_history(history: Iterable | None) -> list[Turn]:
    """Accept Turns, (question, answer) pairs, {'question','answer'} dicts or chat messages
    ({'role': 'user'|'assistant', 'content'} or LlamaIndex ChatMessage), as UIs keep them."""
    turns: list[Turn] = []
    for item in history or []:
        if isinstance(item, Turn):
            turns.append(item)
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            turns.append(Turn(str(item[0]), str(item[1] or "")))
        elif isinstance(item, dict) and "question" in item:
            turns.append(Turn(item["question"], item.get("answer") or "", item.get("standalone")))
        elif isinstance(item, dict) and item.get("role") in ("user", "assistant") or _is_message(item):
            if not isinstance(item, dict):  # a LlamaIndex ChatMessage
                item = {"role": getattr(item.role, "value", item.role), "content": item.content}
            content = item.get("content")
            content = content if isinstance(content, str) else str(content or "")
            if item["role"] == "user":
                turns.append(Turn(content))
            elif turns:
                turns[-1].answer = content
        else:
            raise ValueError(
                f"history item {item!r} not understood: pass (question, answer) pairs, "
                "{'question', 'answer'} dicts or {'role', 'content'} messages"
            )
    return turns


def demote_shown(ranked: list, previous_answer: str) -> list:
    """A follow-up asks for something new: sentences the previous answer already quoted
    (their text appears in it) go after the others, which keep their order. The rewritten
    question repeats the previous answer, so without this its own quote would win again."""
    shown = " ".join(previous_answer.split())
    if not shown:
        return ranked
    fresh = [s for s in ranked if " ".join(s.text.split()) not in shown]
    return fresh + [s for s in ranked if " ".join(s.text.split()) in shown] if fresh else ranked
