"""THE adapter to LlamaIndex LLMs (chat memory's ChatMessage is used in qa.question.followup).

- `build_llm(llm_settings)` -> `ChatLLM`: any OpenAI-compatible server (Ollama, vLLM,
  llama.cpp's server) through `llama_index.llms.openai_like.OpenAILike`. A local GGUF is
  served the same way: by llama.cpp's server in a supervised worker process
  (qa.llm.worker), which renders the prompt with the GGUF's chat template. One code path for
  local and remote models; a crash in the model kills the worker, never this process.
- `get_llm(llm_settings)`: the same, built once per process per settings (models load once).
- `ChatLLM.chat / stream_chat / complete / stream_complete` over our `Message` type.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .weights import resolve_model_path

ROLES = ("system", "user", "assistant")


class LLMUnavailable(RuntimeError):
    """The LLM path cannot run here (packages, model or server missing, or the local model's
    worker down); says what to do. `retry_after`: seconds after which a retry may succeed
    (the worker is restarting), else None."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class ContextTooLarge(ValueError):
    """The prompt and the answer's token budget do not fit the model's context window; refused
    before generation (the message says how many tokens, and what to change)."""

# tokens a chat template adds around each message (role markers, separators): an upper bound
# for the Qwen/ChatML and Llama templates, used only to refuse a prompt before generation
TEMPLATE_TOKENS_PER_MESSAGE = 8


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

    def __init__(self, llm, name: str, *, server_url: str | None = None, worker=None,
                 n_ctx: int | None = None, max_tokens: int | None = None):
        self.llm = llm
        self.name = name
        self.server_url = server_url
        self.worker = worker  # qa.llm.worker.LocalLLMServer when the model is ours to supervise
        self.n_ctx, self.max_tokens = n_ctx, max_tokens
        self._lock = threading.Lock()

    def _fail(self, exc: Exception) -> LLMUnavailable:
        if self.worker is not None:
            time.sleep(0.2)  # a killed worker's exit status arrives just after its socket closes
            from .worker import describe_exit

            s = self.worker.status()
            if s.state != "ready":
                what = describe_exit(s.last_exit) if s.last_exit is not None else "not answering"
                return LLMUnavailable(f"the {self.worker.name} stopped while answering ({what}); it is "
                                      f"restarting: retry in {max(s.retry_after, 5):.0f} s, or use quote mode",
                                      retry_after=max(s.retry_after, 5.0))
        where = f"the LLM server at {self.server_url}" if self.server_url else f"model {self.name}"
        hint = ("start the server or fix llm.server_url (QA_LLM_SERVER_URL)" if self.server_url
                else "check llm.model_path, or use --mode quote")
        return LLMUnavailable(f"{where} failed: {type(exc).__name__}: {exc}; {hint}")

    def check_ready(self) -> None:
        """Raise LLMUnavailable (with retry_after) while the local worker is loading or down."""
        if self.worker is not None and not self.worker.ready:
            raise LLMUnavailable(self.worker.unavailable(), retry_after=self.worker.status().retry_after)

    def count_tokens(self, text: str) -> int | None:
        """Tokens of `text` by the served model's own tokenizer (llama.cpp's server
        /extras/tokenize/count); None where the server has no such endpoint."""
        if self.worker is None:
            return None
        import json
        import urllib.request

        root = self.worker.url[: -len("/v1")]
        req = urllib.request.Request(root + "/extras/tokenize/count", data=json.dumps({"input": text}).encode(),
                                     headers={"content-type": "application/json"})
        try:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            with opener.open(req, timeout=10) as resp:
                return int(json.loads(resp.read())["count"])
        except (OSError, ValueError, KeyError):
            return None

    def check_context(self, messages: list[Message]) -> None:
        """Refuse, before generating, a prompt whose tokens plus the answer budget exceed n_ctx."""
        if not self.n_ctx:
            return
        counted = self.count_tokens("\n".join(m.content for m in messages))
        if counted is None:
            return
        need = counted + TEMPLATE_TOKENS_PER_MESSAGE * (len(messages) + 1) + (self.max_tokens or 0)
        if need > self.n_ctx:
            raise ContextTooLarge(
                f"the question and its passages need about {need} tokens ({counted} of prompt, "
                f"{self.max_tokens} for the answer), more than the model's context of {self.n_ctx} "
                f"(llm.n_ctx); ask a shorter question, lower k, or raise llm.n_ctx")

    def stream_chat(self, messages: list[Message]) -> Iterator[str]:
        """Text deltas of the assistant's reply."""
        self.check_ready()
        self.check_context(messages)
        with self._lock:
            yield from self._guarded(self.llm.stream_chat(to_llama_messages(messages)))

    def _guarded(self, responses) -> Iterator[str]:
        """The deltas of `responses`, with the backend's failures as LLMUnavailable. A stream
        that ends without a finish_reason while our worker is down was cut off by its death
        (a plain HTTP/1.0 server closing the socket looks like a normal end)."""
        finished = False
        try:
            for r in responses:
                finished = finished or _finish_reason(getattr(r, "raw", None)) is not None
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
        if not finished and self.worker is not None:
            time.sleep(0.2)
            if not self.worker.ready:
                raise self._fail(ConnectionError("the stream ended before the model finished"))

    def chat(self, messages: list[Message]) -> str:
        return "".join(self.stream_chat(messages))

    def stream_complete(self, prompt: str) -> Iterator[str]:
        self.check_ready()
        self.check_context([Message("user", prompt)])
        with self._lock:
            yield from self._guarded(self.llm.stream_complete(prompt))

    def complete(self, prompt: str) -> str:
        return "".join(self.stream_complete(prompt))


def _finish_reason(raw):
    """The finish_reason of an OpenAI stream chunk (object or dict), else None."""
    choices = raw.get("choices") if isinstance(raw, dict) else getattr(raw, "choices", None)
    if not choices:
        return None
    first = choices[0]
    return first.get("finish_reason") if isinstance(first, dict) else getattr(first, "finish_reason", None)


def local_llm(model_path: str, *, max_tokens: int = 256, temperature: float = 0.0,
              n_ctx: int = 4096, n_threads: int = 2, wait: float = 180.0, backoff: float = 1.0,
              max_backoff: float = 30.0) -> ChatLLM:
    """The GGUF served by llama.cpp's server in a supervised worker process (qa.llm.worker),
    through the OpenAI-compatible client; waits up to `wait` s for the model to load."""
    import importlib.util

    if importlib.util.find_spec("llama_cpp") is None:
        raise LLMUnavailable("llm mode with a local model needs llama-cpp-python[server]; run "
                             "`make setup` or use --mode quote")
    if not Path(model_path).is_file():
        raise LLMUnavailable(f"cannot load GGUF model {model_path}: no such file; check "
                             f"llm.model_path or run `python -m qa.models install`")
    from .worker import start_llama_server

    worker = start_llama_server(str(model_path), n_ctx=n_ctx, n_threads=n_threads, backoff=backoff,
                                max_backoff=max_backoff, startup_timeout=wait)
    if not worker.wait_ready(wait):
        tail = worker.log_tail()
        worker.stop()
        raise LLMUnavailable(f"the local model {Path(model_path).name} did not start within {wait:.0f} s"
                             + (f" ({tail.splitlines()[-1]})" if tail else "")
                             + "; check llm.model_path, or use --mode quote")
    llm = openai_like_llm(worker.url, model="local", max_tokens=max_tokens, temperature=temperature,
                          n_ctx=n_ctx)
    llm.worker, llm.server_url = worker, None
    llm.name = f"{Path(model_path).name} (worker {worker.url})"
    return llm


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
    return ChatLLM(llm, f"{model}@{url}", server_url=url, n_ctx=n_ctx, max_tokens=max_tokens)


def build_llm(llm_settings) -> ChatLLM:
    """From qa.settings.LLMSettings: the server when server_url is set, else the local GGUF."""
    s = llm_settings
    if s.max_tokens < 1:
        raise ValueError(f"llm.max_tokens must be >= 1, got {s.max_tokens}")
    if s.server_url:
        return openai_like_llm(s.server_url, model=s.server_model, api_key=s.api_key,
                               max_tokens=s.max_tokens, temperature=s.temperature, n_ctx=s.n_ctx)
    return local_llm(str(resolve_model_path(s.model_path)), max_tokens=s.max_tokens,
                     temperature=s.temperature, n_ctx=s.n_ctx, n_threads=s.n_threads,
                     wait=s.load_timeout, backoff=s.restart_backoff, max_backoff=s.max_restart_backoff)


_llms: dict[tuple, ChatLLM] = {}
_llms_lock = threading.Lock()


def get_llm(llm_settings) -> ChatLLM:
    """One ChatLLM per distinct LLM settings per process, built on first use."""
    s = llm_settings
    key = (s.model_path, s.server_url, s.server_model, s.max_tokens, s.temperature, s.n_ctx,
           s.n_threads, s.load_timeout, s.restart_backoff, s.max_restart_backoff)
    with _llms_lock:
        if key not in _llms:
            _llms[key] = build_llm(s)
        return _llms[key]
