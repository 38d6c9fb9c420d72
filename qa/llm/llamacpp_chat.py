"""A local GGUF as a LlamaIndex LLM through llama.cpp's own chat completion.

`llama_cpp.Llama.create_chat_completion` renders the conversation with the chat handler that
llama.cpp builds from the GGUF's `tokenizer.chat_template` metadata (and stops at its end of
turn), so no chat template is written here. Imported only when a local model is used."""

from __future__ import annotations

from typing import Any, Sequence

from llama_cpp import Llama
from llama_index.core.base.llms.types import (ChatMessage, ChatResponse, ChatResponseGen, CompletionResponse,
                                              CompletionResponseGen, LLMMetadata, MessageRole)
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.custom import CustomLLM
from pydantic import PrivateAttr


class LlamaCppChat(CustomLLM):
    """Greedy decoding (top_k=1) at `temperature`, up to `max_tokens` new tokens."""

    model_path: str
    max_tokens: int = 256
    temperature: float = 0.0
    n_ctx: int = 4096
    _model: Any = PrivateAttr()

    def __init__(self, model: Llama, **kwargs):
        super().__init__(**kwargs)
        self._model = model

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(context_window=self.n_ctx, num_output=self.max_tokens, is_chat_model=True,
                           model_name=self.model_path)

    def _run(self, messages: Sequence[ChatMessage], stream: bool):
        return self._model.create_chat_completion(
            messages=[{"role": str(getattr(m.role, "value", m.role)), "content": m.content or ""} for m in messages],
            max_tokens=self.max_tokens, temperature=self.temperature, top_k=1, stream=stream)

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        out = self._run(messages, stream=False)
        text = out["choices"][0]["message"].get("content") or ""
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), raw=out)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        chunks = self._run(messages, stream=True)

        def gen() -> ChatResponseGen:
            text = ""
            for chunk in chunks:
                delta = chunk["choices"][0]["delta"].get("content") or ""
                text += delta
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=delta)

        return gen()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """The prompt as one user turn of the chat."""
        return CompletionResponse(text=self.chat([ChatMessage(role=MessageRole.USER, content=prompt)]).message.content)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        def gen() -> CompletionResponseGen:
            text = ""
            for r in self.stream_chat([ChatMessage(role=MessageRole.USER, content=prompt)]):
                text += r.delta or ""
                yield CompletionResponse(text=text, delta=r.delta)

        return gen()


def load_llamacpp(model_path: str, *, max_tokens: int, temperature: float, n_ctx: int,
                  n_threads: int) -> LlamaCppChat:
    """Load the GGUF on the CPU (n_threads for prompt and generation)."""
    model = Llama(model_path=model_path, n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
                  n_gpu_layers=0, n_batch=512, verbose=False)
    return LlamaCppChat(model, model_path=model_path, max_tokens=max_tokens, temperature=temperature, n_ctx=n_ctx)
