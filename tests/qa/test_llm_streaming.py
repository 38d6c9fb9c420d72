"""qa.llm.streaming: the cleaner lets through only text that stays, however the model's
deltas are cut, and never takes back what it let through."""

from __future__ import annotations

import random

import pytest

from qa.llm.streaming import GenerationCleaner, clean_generation

CASES = {
    "Ivan Petrov was questioned [1].\nSources: [1] Coast Daily, 2024-01-10": "Ivan Petrov was questioned [1].",
    "Ivan Petrov was questioned [1]. Sources:\n[1] Coast Daily": "Ivan Petrov was questioned [1].",
    "Ivan Petrov was questioned [1].\n\n**References:**\n- [1] Coast Daily": "Ivan Petrov was questioned [1].",
    "Several sources: police and port staff [1].": "Several sources: police and port staff [1].",
    "```\nAnswer: Nobody was hurt [2].\n```": "Nobody was hurt [2].",
    "Response:   six of them [1]": "six of them [1]",
    "Answers vary by outlet [1][2].": "Answers vary by outlet [1][2].",
    "Sources say he left [1]. Source: Coast Daily": "Sources say he left [1].",
    "  Nobody was hurt [1].  \n": "Nobody was hurt [1].",
    "Citations: [1]": "",
    "": "",
}


@pytest.mark.parametrize("raw,clean", list(CASES.items()))
def test_any_cut_of_the_stream_gives_the_clean_text_and_only_grows(raw, clean):
    assert clean_generation(raw) == clean
    for seed in range(40):
        rng, cleaner, shown, i = random.Random(seed), GenerationCleaner(), "", 0
        while i < len(raw):
            n = rng.randint(1, 5)
            shown += cleaner.feed(raw[i:i + n])
            assert clean.startswith(shown), (raw, shown)  # nothing shown is ever taken back
            i += n
        assert shown + cleaner.finish() == clean


def test_text_is_not_held_back_longer_than_needed():
    cleaner = GenerationCleaner()
    assert cleaner.feed("Nobody") == "Nobody"  # not a possible label: shown at once
    assert cleaner.feed(" was hurt [1]. ") == " was hurt [1]."  # the trailing space waits
    assert cleaner.feed("So") == ""  # may become 'Sources:'
    assert cleaner.feed("me were") == " Some were"
    assert cleaner.feed(" fined.\nSources: [1]") == " fined."
    assert cleaner.feed(" more text") == "" and cleaner.finish() == ""
