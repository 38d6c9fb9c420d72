"""Question answering over the indexed articles: settings, components and the CLI."""

from .settings import IndexSettings, LLMSettings, RetrievalSettings, Settings

__all__ = ["IndexSettings", "LLMSettings", "RetrievalSettings", "Settings"]
