"""Follow-up questions: rewrite 'and who accompanied him?' into a standalone question before
retrieval, and keep a conversation's history. Without an LLM the rewrite resolves pronouns
to the entities of the previous turn and carries those entities over."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from index.text import STOPWORDS, fold

from ..nlp import names, parse
from ..types import without_unsupported

_TOKEN = re.compile(r"[\w’'\-]+|[^\w\s]")
_PERSON = frozenset("he him his she her hers himself herself".split())
_GROUP = frozenset("they them their theirs themselves".split())
_THING = frozenset("it its that this there these those".split())
_OPENERS = re.compile(r"^\s*(and|also|so|then|but|ok(ay)?|and then)\b[\s,]*", re.I)
_ABOUT = re.compile(r"^\s*(and\s+)?(what|how)\s+about\s+(?P<rest>.+?)\s*\??\s*$", re.I)


@dataclass
class Turn:
    question: str
    answer: str = ""
    standalone: str | None = None
    # what the answer was about (qa.question.thread): the articles it cited, its short answer
    # and the publication date of its first cited article
    doc_ids: tuple[str, ...] = ()
    span: str | None = None
    published: str | None = None

    @classmethod
    def of(cls, question: str, answer, standalone: str | None = None) -> "Turn":
        """A turn from an `Answer` (its text, citations and answer span) or a plain answer text."""
        if isinstance(answer, str) or answer is None:
            return cls(question, answer or "", standalone)
        if isinstance(answer, dict):  # the `qa ask --json` / HTTP API object
            spans = [(x["start"], x["end"], x["status"]) for x in answer.get("sentences") or []
                     if isinstance(x, dict) and {"start", "end", "status"} <= set(x)]
            text = without_unsupported(answer.get("answer") or "", spans)
            return cls(question, text, standalone or answer.get("standalone_question"), *_cited(answer))
        cites = list(getattr(answer, "citations", None) or [])
        span = getattr(answer, "answer_span", None)
        text = answer.checked_text() if hasattr(answer, "checked_text") else answer.text
        return cls(question, text, standalone or getattr(answer, "standalone_question", None),
                   tuple(dict.fromkeys(c.doc_id for c in cites)), span.text if span else None,
                   cites[0].published if cites else None)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def entities(text: str) -> list[str]:
    """The names in `text` ('Mousa Abu Marzouk', 'Russian Foreign Ministry'), in order, once
    each: spaCy entities with a name label and proper nouns (qa.nlp.names)."""
    return list(dict.fromkeys(e.text for e in names(text)))


def needs_context(question: str) -> bool:
    words = [fold(t) for t in _tokens(question) if t[0].isalnum()]
    if not words:
        return False
    if _OPENERS.match(question) or _ABOUT.match(question):
        return True
    if any(w in _PERSON | _GROUP for w in words):
        return True
    # 'it', 'that', 'there' pointing back ('When was that?', 'Who opposed it?'; not the
    # 'it' of 'it rained', which spaCy parses as an expletive), with no name of its own
    if not entities(question) and any(t.lower_ in _THING and t.pos_ in ("PRON", "ADV", "DET") and t.dep_ != "expl"
                                      for t in parse(question)):
        return True
    # elliptical: no name of its own and very short ("when?", "how many were there?")
    return not entities(question) and len([w for w in words if w not in STOPWORDS]) <= 2


def _mentioned(entity: str, text: str) -> bool:
    return fold(entity) in fold(text)


_CONTEXT = re.compile(r"\s*\([^()]*\)\s*\?\s*$")


def _without_context(question: str) -> str:
    """An earlier rewrite without its '(names, date)' context, so chains do not nest it."""
    return _CONTEXT.sub("?", question).strip()


def _fragment(body: str) -> bool:
    """'in 2023?', 'and Bogdanov?': no verb and no question word (spaCy's tagger)."""
    doc = parse(body)
    words = [t for t in doc if not t.is_punct]
    return bool(words) and not any(t.pos_ in ("VERB", "AUX") or t.tag_.startswith("W") for t in words)


def _narrow(prev_q: str, fragment: str) -> str:
    """The previous question narrowed by a fragment: its dates replaced by the fragment's
    ('Who led it in Moscow?' + 'in 2023' -> 'Who led it in Moscow in 2023?'), else 'regarding'."""
    frag = fragment.strip().rstrip(" ?")
    if any(e.label_ in ("DATE", "TIME") for e in parse(frag).ents):
        doc = parse(prev_q)
        out = prev_q
        for e in reversed([e for e in doc.ents if e.label_ in ("DATE", "TIME")]):
            start = doc[e.start - 1].idx if e.start > 0 and doc[e.start - 1].pos_ == "ADP" else e.start_char
            out = out[:start].rstrip() + " " + out[e.end_char:].lstrip()
        return f"{out.strip().rstrip(' ?')} {frag}?"
    return f"{prev_q.rstrip(' ?')}, regarding {frag}?"


def _core_chunks(question: str) -> list:
    """The noun phrases the question is about (spaCy noun chunks), the asked-for part ('which',
    'how many') dropped: 'Which two US presidents died?' -> ['two US presidents']."""
    out = []
    for chunk in parse(question).noun_chunks:
        asked = any(t.tag_.startswith("W") for t in chunk)  # 'which two US presidents', 'how many days'
        words = [t for t in chunk if not (t.tag_.startswith("W") or any(c.tag_.startswith("W") for c in t.children)
                                          or t.pos_ in ("DET", "PRON") or t.tag_ == "PRP$")]
        if asked and chunk.root.tag_ not in ("NNS", "NNPS"):  # a plural one may still be 'they'
            continue
        if words and chunk.root in words and chunk.root.pos_ in ("NOUN", "PROPN"):
            out.append((chunk.root, chunk.doc[words[0].i:chunk.end]))
    return out


def plural_antecedent(question: str) -> str | None:
    """What 'they' / 'them' of a follow-up most likely are: the first plural noun phrase that
    the previous question is about ('the two US presidents', 'the Americans'), by number
    agreement (spaCy's NNS / NNPS tags)."""
    for root, words in _core_chunks(question):
        if root.tag_ in ("NNS", "NNPS") and root.dep_ in ("nsubj", "nsubjpass", "dobj", "attr"):
            return "the " + words.text
    return None


def topic_phrases(question: str, limit: int = 2) -> list[str]:
    """The common-noun phrases the question is about ('Gaza ceasefire agreement', 'Hamas
    delegation'): what 'it' / 'that' of a follow-up may stand for, carried as its context."""
    return [w.text for root, w in _core_chunks(question)
            if root.pos_ == "NOUN" and not any(t.tag_.startswith("W") for t in root.subtree)][:limit]


def rewrite(question: str, history: list[Turn]) -> str:
    """A standalone version of `question` given earlier turns (unchanged if it stands alone):
    pronouns become the people and groups of the previous answer, and the follow-up carries what
    that answer was about (qa.question.thread: its names and date)."""
    from .analysis import answer_type
    from .thread import thread_of

    question = question.strip()
    if not history or not needs_context(question):
        return question
    prev = history[-1]
    prev_q = _without_context(prev.standalone or prev.question)
    thread = thread_of(history)
    about = _ABOUT.match(question)
    if about:  # "what about X?": the previous question, now about X
        return _narrow(prev_q, about.group("rest"))
    body = _OPENERS.sub("", question, count=1).strip()
    if _fragment(body):
        return _narrow(prev_q, body)
    body = body[:1].upper() + body[1:]
    # 'he' / 'she': a person the thread named; 'they' agrees in number: a plural noun phrase of
    # the previous question, else a group. None of them: the pronoun stays, the names follow it
    people = list(thread.people)
    plural = plural_antecedent(prev_q)
    groups = [plural] if plural else list(thread.groups)
    used: list[str] = []

    def swap(m: re.Match) -> str:
        w = fold(m.group(0))
        if w in _PERSON and people:
            used.append(people[0])
            return people[0] + ("’s" if w in ("his", "hers") else "")
        if w in _GROUP and groups:
            used.append(groups[0])
            return groups[0] + ("’s" if w in ("their", "theirs") else "")
        return m.group(0)

    body = re.sub(r"\b[\w]+\b", lambda m: swap(m) if fold(m.group(0)) in _PERSON | _GROUP else m.group(0), body)
    context = [n for n in thread.names if not _mentioned(n, body) and n not in used]
    if any(t.lower_ in _THING and t.pos_ in ("PRON", "ADV", "DET") for t in parse(body)):
        # 'When did it take effect?': what the previous question was about, in its words
        context += [p for p in topic_phrases(prev_q) if not any(_mentioned(p, x) for x in [body, *context, *used])]
    # the date it was about, unless the follow-up asks for a date: that would be its answer
    if thread.date and not _mentioned(thread.date, body) and answer_type(parse(body)) != "date":
        context.append(thread.date)
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


def _cited(item: dict) -> tuple[tuple[str, ...], str | None, str | None]:
    """(doc ids, answer span, published) of a history item that carries them: `doc_ids`, or
    `citations` / `answer_span` as `qa ask --json` and the HTTP API return them."""
    cites = [c for c in item.get("citations") or [] if isinstance(c, dict) and c.get("doc_id")]
    ids = item.get("doc_ids") or [c["doc_id"] for c in cites]
    span = item.get("answer_span")
    span = span.get("text") if isinstance(span, dict) else span
    published = item.get("published") or (cites[0].get("published") if cites else None)
    return tuple(str(i) for i in ids), span if isinstance(span, str) else None, published


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
            turns.append(Turn(item["question"], item.get("answer") or "", item.get("standalone"),
                              *_cited(item)))
        elif isinstance(item, dict) and item.get("role") in ("user", "assistant") or _is_message(item):
            if not isinstance(item, dict):  # a LlamaIndex ChatMessage
                item = {**(getattr(item, "additional_kwargs", None) or {}),
                        "role": getattr(item.role, "value", item.role), "content": item.content}
            content = item.get("content")
            content = content if isinstance(content, str) else str(content or "")
            if item["role"] == "user":
                turns.append(Turn(content))
            elif turns:
                turns[-1].answer = content
                turns[-1].doc_ids, turns[-1].span, turns[-1].published = _cited(item)
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


def shown_before(standalone: str, turns: list[Turn]) -> str:
    """The sentences earlier answers gave as the answer to the same kind of question ('Who
    else was there?' after 'Who led it?': the person already named), which a follow-up asks
    past; '' when it asks something else ('When was that?': the same sentence may answer)."""
    from .analysis import answer_type
    from .thread import lead_sentence

    now = answer_type(parse(standalone))
    return " ".join(lead_sentence(t.answer) for t in turns
                    if now is None or answer_type(parse(t.standalone or t.question)) == now)
