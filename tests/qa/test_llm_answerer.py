"""LLMAnswerer: prompt, streaming, verification and refusal with a scripted LlamaIndex LLM;
one slow test with the real SmolLM2 GGUF through llama.cpp's chat completion."""

from __future__ import annotations

from typing import Any

import pytest
from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata
from llama_index.core.llms.callbacks import llm_completion_callback

from index import Chunk, ScoredPassage
from qa.llm.adapter import ChatLLM, Message
from qa.llm.answerer import LLMAnswerer, is_refusal
from qa.types import ABSTAIN_TEXT, Answer

DOC_A = ("Bridges to be repaired\n"
         "The city council approved a budget of 4.2 million dollars on Monday. "
         "Mayor Lena Ortiz said the money will repair three bridges. Work starts in May.")
DOC_B = "Storm hits harbour\nHeavy rain flooded the harbour district on Tuesday night. Nobody was hurt."


class ScriptedLLM(CustomLLM):
    """Replies with a fixed text, streamed in small pieces; records the prompts it got."""

    reply: str = ""
    prompts: list = []

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(is_chat_model=False)

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        self.prompts.append(prompt)
        return CompletionResponse(text=self.reply)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any):
        self.prompts.append(prompt)

        def gen():
            text = ""
            if not self.reply:
                yield CompletionResponse(text="", delta="")
            for i in range(0, len(self.reply), 7):
                text += self.reply[i:i + 7]
                yield CompletionResponse(text=text, delta=self.reply[i:i + 7])

        return gen()


def passages() -> list[ScoredPassage]:
    a0 = DOC_A.index("The city")
    b0 = DOC_B.index("Heavy")
    return [
        ScoredPassage(Chunk("a:1", "a", a0, len(DOC_A), DOC_A[a0:]), 0.9, "Bridges to be repaired",
                      "Daily News", "2024-03-05"),
        ScoredPassage(Chunk("b:1", "b", b0, len(DOC_B), DOC_B[b0:]), 0.5, "Storm hits harbour",
                      "Gazette", "2024-03-06"),
    ]


def answerer(reply: str, fake_embedder, **kw) -> tuple[LLMAnswerer, ScriptedLLM]:
    llm = ScriptedLLM(reply=reply, prompts=[])
    return LLMAnswerer(ChatLLM(llm, "scripted"), fake_embedder, **kw), llm


def test_prompt_numbers_sources_with_title_outlet_date(fake_embedder):
    a, llm = answerer("Three bridges will be repaired [1].", fake_embedder)
    a.answer("How many bridges will be repaired?", passages())
    prompt = llm.prompts[0]
    assert "[1] Bridges to be repaired (Daily News, published 2024-03-05)" in prompt
    assert "[2] Storm hits harbour (Gazette, published 2024-03-06)" in prompt
    assert "Question: How many bridges will be repaired?" in prompt and ABSTAIN_TEXT not in prompt
    a, llm = answerer("x", fake_embedder, refusal_instruction=True)
    a.answer("q?", passages())
    assert f"reply exactly: {ABSTAIN_TEXT}" in llm.prompts[0]


def test_streams_deltas_then_a_checked_answer_whose_text_is_what_streamed(fake_embedder):
    reply = ("Mayor Lena Ortiz said the money will repair three bridges [1]. "
             "The harbour district flooded on Tuesday night [2]. The governor resigned [1].")
    a, _ = answerer(reply, fake_embedder)
    items = list(a.stream("What will the money do?", passages()))
    deltas, final = items[:-1], items[-1]
    assert len(deltas) > 3 and all(isinstance(d, str) for d in deltas) and "".join(deltas) == reply
    assert isinstance(final, Answer) and final.mode == "llm" and not final.abstained
    # nothing is rewritten or dropped: the rejected sentence stays, with its verdict
    assert final.text == reply and final.unsupported == ["The governor resigned [1]."]
    verdicts = [(final.text[v.start:v.end], v.status, v.reason) for v in final.sentences]
    assert verdicts == [
        ("Mayor Lena Ortiz said the money will repair three bridges [1].", "supported", None),
        ("The harbour district flooded on Tuesday night [2].", "supported", None),
        ("The governor resigned [1].", "unsupported", "not found in the cited article"),
    ]
    docs = {"a": DOC_A, "b": DOC_B}
    assert [(c.marker, c.doc_id) for c in final.citations] == [(1, "a"), (2, "b")]  # [n] as written
    for c in final.citations:
        assert docs[c.doc_id][c.start:c.end] == c.quote
    assert final.citations[0].quote == "Mayor Lena Ortiz said the money will repair three bridges."
    assert final.citations[1].published == "2024-03-06"
    support = final.sentences[0].support[0]
    assert (support.marker, support.doc_id, DOC_A[support.start:support.end]) == (1, "a", support.text)
    assert support.text == "Mayor Lena Ortiz said the money will repair three bridges."
    assert {"sources", "ttft", "generate", "verify"} <= set(final.timings)
    j = final.to_json()["sentences"][2]
    assert j["status"] == "unsupported" and j["text"] == "The governor resigned [1]." and j["markers"] == []


def test_a_marker_to_a_missing_source_stays_and_the_right_source_is_cited(fake_embedder):
    a, _ = answerer("Nobody was hurt [2][9].", fake_embedder)
    ans = a.answer("Was anyone hurt?", passages())
    assert ans.text == "Nobody was hurt [2][9]." and [(c.marker, c.doc_id) for c in ans.citations] == [(2, "b")]
    assert ans.sentences[0].status == "supported" and ans.sentences[0].markers == (2,)
    # a sentence citing nothing (or the wrong source) is supported by the one the check finds
    a, _ = answerer("Nobody was hurt.", fake_embedder)
    ans = a.answer("Was anyone hurt?", passages())
    assert ans.text == "Nobody was hurt." and ans.sentences[0].markers == (2,) and ans.citations[0].marker == 2


@pytest.mark.parametrize("reply", [ABSTAIN_TEXT, "The articles do not say who won.",
                                   "I'm sorry, the sources don't mention that."])
def test_a_refusal_comes_back_as_written_with_nothing_cited(reply, fake_embedder):
    # the answerer does not refuse on its own: the verdict (qa.evidence.verdict) turns an answer
    # with nothing cited into the refusal, or the composer adds the quote answer after it
    a, _ = answerer(reply, fake_embedder)
    ans = a.answer("Who won the election?", passages())
    assert ans.text == reply and ans.citations == [] and not ans.abstained
    assert {v.status for v in ans.sentences} == {"not a claim"}
    assert ans.fallback_reason == "the model answered that the sources do not say"


def test_only_unsupported_claims_keep_their_text_and_say_why(fake_embedder):
    reply = "The election was won by Maria Gomez with 61 percent [1]."
    a, _ = answerer(reply, fake_embedder)
    ans = a.answer("Who won the election?", passages())
    assert ans.text == reply and ans.citations == [] and ans.unsupported == [reply]
    assert ans.sentences[0].reason == "the cited article does not mention Maria Gomez; the cited article " \
                                      "does not give 61"
    assert "none of the model's 1 sentence was supported" in ans.fallback_reason


def test_a_value_the_span_does_not_give_is_named_in_the_reason(fake_embedder):
    a, _ = answerer("The council approved a budget of 5.1 million dollars [1].", fake_embedder)
    ans = a.answer("How large is the budget?", passages())
    assert ans.sentences[0].status == "unsupported" and "5.1" in ans.sentences[0].reason


def test_two_claims_on_one_source_get_one_citation_and_their_own_spans(fake_embedder):
    reply = "The council approved 4.2 million dollars on Monday [1]. Work starts in May [1]."
    a, _ = answerer(reply, fake_embedder, per_passage=3, max_sentences=4)
    ans = a.answer("When does the work on the bridges start, and what was approved?", passages())
    assert ans.text == reply and [v.status for v in ans.sentences] == ["supported", "supported"]
    (c,) = ans.citations
    spans = [v.support[0] for v in ans.sentences]
    assert spans[0].text == "The city council approved a budget of 4.2 million dollars on Monday."
    assert spans[1].text == "Work starts in May."
    assert c.start == spans[0].start and c.end == spans[1].end and DOC_A[c.start:c.end] == c.quote


def test_no_passages_no_llm_call(fake_embedder):
    a, llm = answerer("anything", fake_embedder)
    ans = a.answer("Who?", [])
    assert ans.citations == [] and llm.prompts == []


def test_sources_are_capped_and_keep_document_order(fake_embedder):
    a, _ = answerer("x", fake_embedder, max_sentences=2, per_passage=1)
    srcs = a.sources("How many bridges will the mayor repair?", passages())
    assert sum(len(s.spans) for s in srcs) == 2 and all(len(s.spans) == 1 for s in srcs)
    assert srcs[0].sentences == ["Mayor Lena Ortiz said the money will repair three bridges."]
    with pytest.raises(ValueError, match="max_passages must be >= 1, got 0"):
        answerer("x", fake_embedder, max_passages=0)


def test_rewrite_followup(fake_embedder):
    a, llm = answerer("Who accompanied Lena Ortiz on Monday?\nextra", fake_embedder)
    out = a.rewrite_followup([("Who is the mayor?", "Lena Ortiz [1].")], "and who accompanied her?")
    assert out == "Who accompanied Lena Ortiz on Monday?"
    assert "Lena Ortiz" in llm.prompts[0] and "[1]" not in llm.prompts[0]
    bad, _ = answerer("", fake_embedder)
    assert bad.rewrite_followup([("q", "a")], "and then?") == "and then?"


def test_is_refusal():
    assert is_refusal(ABSTAIN_TEXT) and is_refusal("The passages don't mention the date.")
    assert not is_refusal("The council said the bridges do not need repair [1].")


def test_message_roles_are_checked():
    with pytest.raises(ValueError, match="role must be one of"):
        Message("robot", "hi")


@pytest.mark.slow
@pytest.mark.llm
def test_real_smollm2_through_llamacpp(fake_embedder, smollm2_gguf):
    from qa.llm.adapter import local_llm

    path = smollm2_gguf
    llm = local_llm(path, max_tokens=48, n_ctx=1024)
    # the model runs in its own worker process; the prompt is rendered there by llama.cpp from
    # the GGUF's own chat template, not by us
    assert llm.worker is not None and llm.worker.ready and llm.worker.pid
    reply = llm.chat([Message("system", "Answer in one word."), Message("user", "What colour is the sky?")])
    assert reply.strip() and "<|im_end|>" not in reply and "<|im_start|>" not in reply
    assert llm.complete("Say hello.").strip()
    a = LLMAnswerer(llm, fake_embedder, max_sentences=3)
    items = list(a.stream("How many bridges will the money repair?", passages()))
    final = items[-1]
    assert isinstance(final, Answer) and any(isinstance(i, str) and i for i in items[:-1])
    assert final.timings["ttft"] > 0
    assert final.text == "".join(i for i in items[:-1])  # what streamed is what stays
    docs = {"a": DOC_A, "b": DOC_B}
    backed = {m for v in final.sentences if v.status == "supported" for m in v.markers}
    for c in final.citations:  # whatever it says, every citation is an exact span a sentence cites
        assert docs[c.doc_id][c.start:c.end] == c.quote and c.marker in backed


def test_remarks_about_the_sources_stay_and_are_not_flagged(fake_embedder):
    reply = "Nobody was hurt [2]. This information is provided in the second source."
    a, _ = answerer(reply, fake_embedder)
    ans = a.answer("Was anyone hurt?", passages())
    assert ans.text == reply and ans.unsupported == []
    assert [v.status for v in ans.sentences] == ["supported", "not a claim"]
