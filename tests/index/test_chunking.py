"""SentenceChunker: exact offsets, whole sentences, configured overlap and sizes, stable ids."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus import Document
from index.chunking import SentenceChunker, chunk_id_for
from index.sentences import split_sentences

from fragments import FRAGMENTS

texts = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8), st.just("An ordinary sentence here. ")),
    max_size=60,
).map("".join)

chunkers = st.builds(
    lambda n, ov, mc: SentenceChunker(max_sentences=n, overlap=min(ov, n - 1), max_chars=mc),
    st.integers(1, 6), st.integers(0, 5), st.integers(1, 300),
)


@settings(max_examples=300, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, chunkers)
def test_chunk_invariants(text, chunker):
    sents = split_sentences(text)
    chunks = chunker.chunk_text("doc-1", text)
    assert bool(chunks) == bool(sents)
    starts = {s: i for i, (s, _) in enumerate(sents)}
    ends = {e: i + 1 for i, (_, e) in enumerate(sents)}  # exclusive sentence index
    ranges = []
    for n, c in enumerate(chunks):
        assert text[c.start:c.end] == c.text
        assert c.doc_id == "doc-1" and c.chunk_id == chunk_id_for("doc-1", n)
        # sentence boundaries are never cut
        assert c.start in starts, f"chunk {n} starts inside a sentence"
        assert c.end in ends, f"chunk {n} ends inside a sentence"
        i, j = starts[c.start], ends[c.end]
        assert i < j
        assert j - i <= chunker.max_sentences
        if j - i > 1:
            assert c.end - c.start <= chunker.max_chars
        if j < len(sents) and j - i < chunker.max_sentences:
            # greedy: it stopped only because the next sentence would pass max_chars
            assert sents[j][1] - sents[i][0] > chunker.max_chars
        ranges.append((i, j))
    if not chunks:
        return
    assert ranges[0][0] == 0 and ranges[-1][1] == len(sents), "chunks must cover every sentence"
    for (i1, j1), (i2, j2) in zip(ranges, ranges[1:]):
        assert i2 > i1 and j2 > j1, "chunks must advance"
        overlapped = max(i1 + 1, j1 - chunker.overlap)  # where the configured overlap starts
        if i2 != overlapped:
            # allowed only when a chunk starting there could not reach past the previous one;
            # then the next chunk starts right after it (no repeated, non-advancing chunk)
            assert i2 == j1, f"chunk starts at sentence {i2}, expected {overlapped} or {j1}"
            assert j1 - overlapped >= chunker.max_sentences or (
                sents[j1][1] - sents[overlapped][0] > chunker.max_chars)
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    assert chunker.chunk_text("doc-1", text) == chunks  # deterministic


def test_overlap_example():
    text = "One. Two. Three. Four. Five. Six. Seven."
    chunks = SentenceChunker(max_sentences=3, overlap=1, max_chars=1000).chunk_text("d", text)
    assert [c.text for c in chunks] == ["One. Two. Three.", "Three. Four. Five.", "Five. Six. Seven."]
    no_overlap = SentenceChunker(max_sentences=3, overlap=0, max_chars=1000).chunk_text("d", text)
    assert [c.text for c in no_overlap] == ["One. Two. Three.", "Four. Five. Six.", "Seven."]


def test_overlap_never_yields_a_chunk_inside_the_previous_one():
    text = "Two short ones. Fit in one chunk. But this third sentence is far too long to join."
    chunks = SentenceChunker(max_sentences=2, overlap=1, max_chars=35).chunk_text("d", text)
    assert [c.text for c in chunks] == [
        "Two short ones. Fit in one chunk.", "But this third sentence is far too long to join."]


def test_a_sentence_longer_than_max_chars_is_kept_whole():
    long = "This single sentence is much longer than the tiny character budget allows."
    chunks = SentenceChunker(max_sentences=4, overlap=1, max_chars=10).chunk_text("d", long + " Short.")
    assert [c.text for c in chunks] == [long, "Short."]


def test_chunk_document_uses_doc_id_and_text():
    doc = Document(doc_id="a1", title=None, outlet=None, published=None, text="Alpha one. Beta two.")
    chunks = SentenceChunker(max_sentences=1, overlap=0).chunk(doc)
    assert [(c.chunk_id, c.text) for c in chunks] == [("a1#0000", "Alpha one."), ("a1#0001", "Beta two.")]
    assert all(doc.text[c.start:c.end] == c.text for c in chunks)


@pytest.mark.parametrize(
    "kwargs, bad",
    [
        ({"max_sentences": 0}, "0"),
        ({"max_sentences": -3}, "-3"),
        ({"max_sentences": 3, "overlap": 3}, "3"),
        ({"overlap": -1}, "-1"),
        ({"max_chars": 0}, "0"),
        ({"max_sentences": "4"}, "'4'"),
        ({"max_chars": 2.5}, "2.5"),
        ({"overlap": True}, "True"),
    ],
)
def test_chunker_rejects_bad_arguments_naming_the_value(kwargs, bad):
    with pytest.raises(ValueError) as err:
        SentenceChunker(**kwargs)
    assert bad in str(err.value)
    assert next(iter(kwargs)) in str(err.value) or "overlap" in str(err.value)
