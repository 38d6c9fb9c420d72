"""THE adapter to LlamaIndex: no other module of the product imports llama_index.

- `build_llm(llm_settings)` -> `ChatLLM`: a local GGUF through `llama_index.llms.llama_cpp.LlamaCPP`
  (prompts rendered with the GGUF's own chat template), or any OpenAI-compatible server
  (Ollama, vLLM, llama.cpp's server) through `llama_index.llms.openai_like.OpenAILike`.
- `get_llm(llm_settings)`: the same, built once per process per settings (models load once).
- `ChatLLM.chat / stream_chat / complete / stream_complete` over our `Message` type.
- conversions between LlamaIndex nodes/messages and our `ScoredPassage` / `Message`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Iterator

from index import Chunk, ScoredPassage

from .models import resolve_model_path

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


def from_llama_messages(messages) -> list[Message]:
    return [Message(str(getattr(m.role, "value", m.role)), m.content or "") for m in messages]


def to_nodes(passages: list[ScoredPassage]):
    """ScoredPassage -> LlamaIndex NodeWithScore (offsets and metadata kept)."""
    from llama_index.core.schema import NodeWithScore, TextNode

    return [
        NodeWithScore(
            node=TextNode(
                id_=p.chunk.chunk_id, text=p.text, start_char_idx=p.start, end_char_idx=p.end,
                metadata={"doc_id": p.doc_id, "title": p.title, "outlet": p.outlet,
                          "published": p.published},
            ),
            score=float(p.score),
        )
        for p in passages
    ]


def from_nodes(nodes) -> list[ScoredPassage]:
    """LlamaIndex NodeWithScore -> ScoredPassage; the node must carry its exact offsets."""
    out = []
    for n in nodes:
        node, meta = n.node, n.node.metadata or {}
        if node.start_char_idx is None or node.end_char_idx is None or "doc_id" not in meta:
            raise ValueError(f"node {node.node_id!r} has no doc_id/start/end; only nodes made by "
                             f"to_nodes() (or carrying exact offsets) can become passages")
        chunk = Chunk(node.node_id, meta["doc_id"], node.start_char_idx, node.end_char_idx,
                      node.get_content())
        out.append(ScoredPassage(chunk, float(n.score or 0.0), meta.get("title"),
                                 meta.get("outlet"), meta.get("published")))
    return out


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


def _template_renderer(holder: dict):
    """messages_to_prompt for LlamaCPP: the GGUF's chat template (ChatML if it has none)."""

    def render(messages) -> str:
        fmt = holder.get("formatter")
        msgs = [{"role": str(getattr(m.role, "value", m.role)), "content": m.content or ""}
                for m in messages]
        if fmt is not None:
            return fmt(messages=msgs).prompt
        body = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in msgs)
        return body + "<|im_start|>assistant\n"

    return render


def llamacpp_llm(model_path: str, *, max_tokens: int = 256, temperature: float = 0.0,
                 n_ctx: int = 4096, n_threads: int = 2) -> ChatLLM:
    try:
        from llama_index.llms.llama_cpp import LlamaCPP
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter
    except ImportError as exc:
        raise LLMUnavailable(
            f"llm mode with a local model needs llama-cpp-python and llama-index-llms-llama-cpp "
            f"({exc.name} is missing); run `make llm` or use --mode quote"
        ) from None
    holder: dict = {}
    render = _template_renderer(holder)
    try:
        llm = LlamaCPP(
            model_path=str(model_path), temperature=temperature, max_new_tokens=max_tokens,
            context_window=n_ctx, verbose=False, messages_to_prompt=render,
            completion_to_prompt=lambda p: render([Message("user", p)]),
            model_kwargs={"n_threads": n_threads, "n_threads_batch": n_threads,
                          "n_gpu_layers": 0, "n_batch": 512},
            generate_kwargs={"stop": ["<|im_end|>", "<|endoftext|>"], "top_k": 1},
        )
    except (ValueError, RuntimeError, OSError) as exc:
        raise LLMUnavailable(f"cannot load GGUF model {model_path}: {exc}; check llm.model_path "
                             f"or run `python -m qa.models install`") from None
    model = llm._model
    template = (model.metadata or {}).get("tokenizer.chat_template")
    if template:
        def tok(i: int) -> str:
            return model.detokenize([i], special=True).decode("utf-8", "ignore") if i >= 0 else ""

        holder["formatter"] = Jinja2ChatFormatter(template, eos_token=tok(model.token_eos()),
                                                  bos_token=tok(model.token_bos()),
                                                  add_generation_prompt=True)
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
