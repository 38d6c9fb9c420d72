"""Text in a document that addresses the model instead of the reader ("ignore previous
instructions", chat-template tokens, "you are now ..."). Such sentences stay in the index and
can be quoted, but they are never handed to the LLM as source material."""

from __future__ import annotations

import re

_PATTERNS = [
    # "ignore / disregard / forget (all) previous instructions"
    r"\b(ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,40}\b(previous|prior|above|earlier|preceding|"
    r"all|any|your|the)\b[^.!?\n]{0,30}\b(instructions?|prompts?|directions)\b",
    # role play / mode switches aimed at the assistant
    r"\byou are now (in |an? |the )?(\w+ )?(mode|assistant|ai|model|chatbot|dan)\b",
    r"\bfrom now on,? you (will|must|are|should)\b", r"\b(act|behave) as (an?|the) (ai|assistant|chatbot|model)\b",
    r"\b(enter|entering|switch to|in) (developer|jailbreak|dan|god) mode\b",
    # asks for the hidden prompt
    r"\b(reveal|print|show|repeat|output|leak)\b[^.!?\n]{0,20}\b(system|hidden|initial)\s+(prompt|instructions?|message)\b",
    # dictates the answer to every question
    r"\b(answer|respond|reply)\b[^.!?\n]{0,25}\b(every|all|each|any)\s+(\w+\s+)?(questions?|queries|prompts?)\s+(with|by)\b",
    r"\b(respond|reply|answer)\s+only\s+with\b",
    # a speaker label or chat-template token inside article text
    r"(^|\n)\s*(system|assistant)\s*:", r"<\|\s*(im_start|im_end|system|user|assistant|endoftext)\s*\|>",
    r"\[/?INST\]", r"<</?SYS>>",
    r"\b(note|message|instructions?) (to|for) (the )?(ai|assistant|language model|llm|chatbot)\b",
]
_INJECTION = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.I)


def looks_like_instruction(text: str) -> bool:
    """True when `text` talks to the model rather than reporting news."""
    return bool(_INJECTION.search(text))
