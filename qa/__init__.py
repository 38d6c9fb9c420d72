"""Question answering over the indexed articles: settings, components, the Assistant; rooms question/, evidence/, answer/, check/, llm/ and the command line in cli/.

`from qa import Assistant` works; the heavy parts (index, models) import on first use."""

from .settings import IndexSettings, LLMSettings, RetrievalSettings, Settings

_LAZY = {
    "Assistant": ("assistant", "Assistant"),
    "LLMUnavailable": ("assistant", "LLMUnavailable"),
    "Conversation": ("question.memory", "Conversation"),
    "Answer": ("types", "Answer"),
    "Citation": ("types", "Citation"),
    "Conflict": ("types", "Conflict"),
    "ABSTAIN_TEXT": ("types", "ABSTAIN_TEXT"),
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(f".{module}", __name__), attr)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")


__all__ = ["IndexSettings", "LLMSettings", "RetrievalSettings", "Settings", *_LAZY]
