"""THE adapter to LlamaIndex LLMs (chat memory's ChatMessage is used in qa.question.followup).

- `build_llm(llm_settings)` -> `ChatLLM`: a local GGUF through `LlamaCppChat` (a LlamaIndex
  CustomLLM over `llama_cpp.Llama.create_chat_completion`: llama.cpp's own chat handler renders
  the prompt with the GGUF's chat template), or any OpenAI-compatible server (Ollama, vLLM,
  llama.cpp's server) through `llama_index.llms.openai_like.OpenAILike`.
- `get_llm(llm_settings)`: the same, built once per process per settings (models load once).
- `ChatLLM.chat / stream_chat / complete / stream_complete` over our `Message` type.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Iterator

from .weights import resolve_model_path

ROLES = ("system", "user", "assistant")


class LLMUnavailable(RuntimeError):
    """The LLM path cannot run here (packages, model or server missing); says what to do."""


@dataclass(frozen=True)
class Message:
    role: str
    content: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"message role must be one of {', '.join(ROLES)}, got {self.role!r}")


def to_llama_messages(messages: list[Message]):
    from llama_index.core.llms import ChatMessage, MessageRole

    return [ChatMessage(role=MessageRole(m.role), content=m.content) for m in messages]


class ChatLLM:
    """A LlamaIndex LLM behind our types. Thread-safe: one generation at a time."""

    def __init__(self, llm, name: str, *, server_url: str | None = None):
        self.llm = llm
        self.name = name
        self.server_url = server_url
        self._lock = threading.Lock()

    def _fail(self, exc: Exception) -> LLMUnavailable:
        where = f"the LLM server at {self.server_url}" if self.server_url else f"model {self.name}"
        hint = ("start the server or fix llm.server_url (QA_LLM_SERVER_URL)" if self.server_url
                else "check llm.model_path, or use --mode quote")
        return LLMUnavailable(f"{where} failed: {type(exc).__name__}: {exc}; {hint}")

    def stream_chat(self, messages: list[Message]) -> Iterator[str]:
        """Text deltas of the assistant's reply."""
        with self._lock:
            try:
                for r in self.llm.stream_chat(to_llama_messages(messages)):
                    if r.delta:
                        yield r.delta
            except LLMUnavailable:
                raise
            except (ConnectionError, OSError, RuntimeError) as exc:
                raise self._fail(exc) from exc
            except Exception as exc:  # openai/httpx errors have their own hierarchy
                if type(exc).__module__.split(".")[0] in ("openai", "httpx", "httpcore"):
                    raise self._fail(exc) from exc
                raise

    def chat(self, messages: list[Message]) -> str:
        return "".join(self.stream_chat(messages))

    def stream_complete(self, prompt: str) -> Iterator[str]:
        with self._lock:
            try:
                for r in self.llm.stream_complete(prompt):
                    if r.delta:
                        yield r.delta
            except (ConnectionError, OSError, RuntimeError) as exc:
                raise self._fail(exc) from exc

    def complete(self, prompt: str) -> str:
        return "".join(self.stream_complete(prompt))


def llamacpp_llm(model_path: str, *, max_tokens: int = 256, temperature: float = 0.0,
                 n_ctx: int = 4096, n_threads: int = 2) -> ChatLLM:
    try:
        from .llamacpp_chat import load_llamacpp
    except ImportError as exc:
        raise LLMUnavailable(
            f"llm mode with a local model needs llama-cpp-python ({exc.name} is missing); run "
            f"`make llm` or use --mode quote"
        ) from None
    try:
        llm = load_llamacpp(str(model_path), max_tokens=max_tokens, temperature=temperature, n_ctx=n_ctx,
                            n_threads=n_threads)
    except (ValueError, RuntimeError, OSError) as exc:
        raise LLMUnavailable(f"cannot load GGUF model {model_path}: {exc}; check llm.model_path "
                             f"or run `python -m qa.cli.models install`") from None
    return ChatLLM(llm, str(model_path))


def openai_like_llm(server_url: str, *, model: str = "local", api_key: str = "not-needed",
                    max_tokens: int = 256, temperature: float = 0.0, n_ctx: int = 4096,
                    timeout: float = 120.0) -> ChatLLM:
    try:
        from llama_index.llms.openai_like import OpenAILike
    except ImportError:
        raise LLMUnavailable("llm mode with a server needs llama-index-llms-openai-like; run "
                             "`make llm` or use --mode quote") from None
    if not server_url.startswith(("http://", "https://")):
        raise ValueError(f"llm.server_url must start with http:// or https://, got {server_url!r}")
    url = server_url.rstrip("/")
    if not url.endswith("/v1"):
        url += "/v1"
    llm = OpenAILike(model=model, api_base=url, api_key=api_key, is_chat_model=True,
                     context_window=n_ctx, max_tokens=max_tokens, temperature=temperature,
                     timeout=timeout, max_retries=0)
    return ChatLLM(llm, f"{model}@{url}", server_url=url)


def build_llm(llm_settings) -> ChatLLM:
    """From qa.settings.LLMSettings: the server when server_url is set, else the local GGUF."""
    s = llm_settings
    if s.max_tokens < 1:
        raise ValueError(f"llm.max_tokens must be >= 1, got {s.max_tokens}")
    if s.server_url:
        return openai_like_llm(s.server_url, model=s.server_model, api_key=s.api_key,
                               max_tokens=s.max_tokens, temperature=s.temperature, n_ctx=s.n_ctx)
    return llamacpp_llm(str(resolve_model_path(s.model_path)), max_tokens=s.max_tokens,
                        temperature=s.temperature, n_ctx=s.n_ctx, n_threads=s.n_threads)


_llms: dict[tuple, ChatLLM] = {}
_llms_lock = threading.Lock()


def get_llm(llm_settings) -> ChatLLM:
    """One ChatLLM per distinct LLM settings per process, built on first use."""
    s = llm_settings
    key = (s.model_path, s.server_url, s.server_model, s.max_tokens, s.temperature, s.n_ctx,
           s.n_threads)
    with _llms_lock:
        if key not in _llms:
            _llms[key] = build_llm(s)
        return _llms[key]
