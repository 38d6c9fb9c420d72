"""`ChatMemory`: the one conversation memory, shared by `qa chat`, the UI's sessions and
`Conversation`. It is a LlamaIndex `ChatMemoryBuffer` of user/assistant `ChatMessage`s (the
follow-up's standalone rewrite rides in the user message's `additional_kwargs`), read back
as the last `max_turns` turns that fit in `token_limit` words."""

from __future__ import annotations

from typing import Iterator

from .followup import Turn
from ..types import Answer


def count_words(text: str) -> list[str]:
    """The buffer's tokenizer: words, which needs no vocabulary download (LlamaIndex's default
    tokenizer fetches one); a module-level function, so sessions deep-copy and pickle."""
    return text.split()


class ChatMemory:
    def __init__(self, max_turns: int = 10, token_limit: int = 3000):
        if max_turns < 1:
            raise ValueError(f"max_turns must be >= 1, got {max_turns}")
        if token_limit < 1:
            raise ValueError(f"token_limit must be >= 1, got {token_limit}")
        from llama_index.core.memory import ChatMemoryBuffer

        self.max_turns = max_turns
        self.buffer = ChatMemoryBuffer.from_defaults(token_limit=token_limit, tokenizer_fn=count_words)

    def remember(self, question: str, answer: str, standalone: str | None = None) -> None:
        from llama_index.core.llms import ChatMessage

        extra = {"standalone": standalone} if standalone and standalone != question else {}
        self.buffer.put(ChatMessage(role="user", content=question, additional_kwargs=extra))
        self.buffer.put(ChatMessage(role="assistant", content=answer))
        excess = len(self.buffer.get_all()) - 2 * self.max_turns
        if excess > 0:
            self.buffer.set(self.buffer.get_all()[excess:])

    def messages(self) -> list:
        """The remembered window as LlamaIndex ChatMessages (user, assistant, ...)."""
        return self.buffer.get()

    def turns(self) -> list[Turn]:
        out: list[Turn] = []
        for m in self.messages():
            role = getattr(m.role, "value", m.role)
            if role == "user":
                out.append(Turn(m.content or "", "", m.additional_kwargs.get("standalone")))
            elif out:
                out[-1].answer = m.content or ""
        return out[-self.max_turns:]

    def as_dicts(self) -> list[dict]:
        """{"role", "content"} messages, as OpenAI-style chat APIs (and `qa serve`) take them."""
        return [{"role": getattr(m.role, "value", m.role), "content": m.content or ""} for m in self.messages()]

    def reset(self) -> None:
        self.buffer.reset()

    def __len__(self) -> int:
        return len(self.turns())


class Conversation:
    """Per-session history: `conv.ask(q)` rewrites follow-ups and remembers each turn in a
    `ChatMemory`. `assistant`: anything with Assistant's ask/stream(question, history=...)."""

    def __init__(self, assistant, max_turns: int = 10, memory: ChatMemory | None = None):
        self.assistant = assistant
        self.memory = memory or ChatMemory(max_turns)

    @property
    def turns(self) -> list[Turn]:
        return self.memory.turns()

    def ask(self, question: str, **kwargs) -> Answer:
        ans = self.assistant.ask(question, history=self.turns, **kwargs)
        self._remember(question, ans)
        return ans

    def stream(self, question: str, **kwargs) -> Iterator[str | Answer]:
        for item in self.assistant.stream(question, history=self.turns, **kwargs):
            if isinstance(item, Answer):
                self._remember(question, item)
            yield item

    def _remember(self, question: str, ans: Answer) -> None:
        self.memory.remember(question, ans.text, ans.standalone_question)

    def reset(self) -> None:
        self.memory.reset()

    def messages(self) -> list:
        """The conversation as LlamaIndex ChatMessages (user, assistant, ...), e.g. for a chat
        UI or an OpenAI-style client; `parse_history` reads them back."""
        return self.memory.messages()


__all__ = ["ChatMemory", "Conversation", "count_words"]
