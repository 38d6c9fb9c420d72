"""bench/llm_sources.py: variants parse with errors that name the bad part, and a variant's
Assistant answers in llm mode with its own source limits (a scripted model, a fake index)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.llm_sources import PROMPTS, factory_for, parse_variant  # noqa: E402


def test_variants_parse_and_bad_ones_name_what_is_wrong():
    assert parse_variant("default") == ("default", {})
    assert parse_variant("p2:max_passages=2,max_chars=900") == ("p2", {"max_passages": 2, "max_chars": 900})
    with pytest.raises(ValueError, match="unknown limit 'passages'"):
        parse_variant("x:passages=2")
    with pytest.raises(ValueError, match="max_sentences must be an integer, got 'many'"):
        parse_variant("x:max_sentences=many")
    with pytest.raises(ValueError, match="no name"):
        parse_variant(":max_passages=2")
    assert parse_variant("s:prompt=short,max_passages=2") == ("s", {"prompt": "short", "max_passages": 2})
    with pytest.raises(ValueError, match="unknown prompt 'long'; choose from short, ranked"):
        parse_variant("x:prompt=long")


def test_a_variant_gives_its_model_only_as_many_sources_as_its_limits_allow(make_index, monkeypatch):
    from corpus.document import Document
    from qa import Settings
    from qa.llm import answerer as llm_answerer
    from tests.qa.test_llm_answerer import ScriptedLLM
    from qa.llm.adapter import ChatLLM

    scripted = ScriptedLLM(reply="The council approved 4.2 million dollars [1].", prompts=[])
    monkeypatch.setattr(llm_answerer, "get_llm", lambda settings: ChatLLM(scripted, "scripted"))
    index = make_index()
    for i, topic in enumerate(("council budget bridges", "council budget roads", "council budget schools")):
        index.write(Document(f"d{i}", f"Council {i}", "Daily", "2024-03-05",
                             f"The city council approved a budget for {topic} on Monday. "
                             f"The council budget vote on {topic} was close."))
    question = "What budget did the city council approve?"
    counts = {}
    for limits, most in (({}, 3), ({"max_passages": 1}, 1)):
        scripted.prompts.clear()
        assistant = factory_for(limits)(Settings(), index)
        assistant.ask(question, mode="llm")
        prompt = scripted.prompts[-1]
        sources = sum(f"[{n}]" in prompt.split("Question:")[0] for n in range(1, 5))
        assert 1 <= sources <= most, (limits, prompt)
        counts[bool(limits)] = sources
    assert counts == {False: 3, True: 1}, "the shipped limits give every article; one passage gives one"
    for name, text in PROMPTS.items():
        scripted.prompts.clear()
        factory_for({"prompt": name})(Settings(), index).ask(question, mode="llm")
        assert text in scripted.prompts[-1]
        assert all(other not in scripted.prompts[-1] for other in PROMPTS.values() if other != text)
