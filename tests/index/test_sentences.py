"""split_sentences: trimmed, ordered, non-overlapping spans that cover every visible
character and never cross a line break, on adversarial random texts."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.sentences import split_sentences

from fragments import FRAGMENTS

texts = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=40
).map("".join)


def check_spans(text: str, spans: list[tuple[int, int]], lo: int = 0, hi: int | None = None) -> None:
    hi = len(text) if hi is None else hi
    prev_end = lo
    for s, e in spans:
        assert lo <= s < e <= hi, (s, e)
        assert s >= prev_end, f"span {(s, e)} overlaps or precedes the previous one ending at {prev_end}"
        assert not text[s].isspace() and not text[e - 1].isspace(), f"untrimmed span {text[s:e]!r}"
        assert "\n" not in text[s:e], f"span crosses a line break: {text[s:e]!r}"
        prev_end = e
    covered = set()
    for s, e in spans:
        covered.update(range(s, e))
    missing = [i for i in range(lo, hi) if not text[i].isspace() and i not in covered]
    assert not missing, f"characters left out of every sentence at {missing[:5]}"


@settings(max_examples=300, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_spans_are_trimmed_ordered_disjoint_and_cover_the_text(text):
    check_spans(text, split_sentences(text))


@settings(max_examples=150, database=None, deadline=None)
@given(texts, st.data())
def test_spans_respect_a_sub_range(text, data):
    lo = data.draw(st.integers(0, len(text)))
    hi = data.draw(st.integers(lo, len(text)))
    spans = split_sentences(text, lo, hi)
    assert all(lo <= s < e <= hi for s, e in spans)
    check_spans(text, spans, lo, hi)


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_splits_ordinary_sentences():
    assert sentences("It rained. Then it stopped! Did it? Yes.") == [
        "It rained.", "Then it stopped!", "Did it?", "Yes.",
    ]


def test_abbreviations_and_initials_do_not_end_sentences():
    text = "Mr. Smith met Dr. Jones in the U.S. capital. J. R. Tolkien wrote books."
    assert sentences(text) == ["Mr. Smith met Dr. Jones in the U.S. capital.", "J. R. Tolkien wrote books."]


def test_closing_quotes_stay_with_their_sentence():
    assert sentences('He said, "We will go." Then he left.') == ['He said, "We will go."', "Then he left."]
    assert sentences("She wrote “No.” They agreed.") == ["She wrote “No.”", "They agreed."]


def test_lines_never_merge_and_blank_lines_vanish():
    text = "Headline without a stop\n\n\n  Body starts here. It goes on.  \n"
    assert sentences(text) == ["Headline without a stop", "Body starts here.", "It goes on."]


def test_number_abbreviations_only_before_numbers():
    assert sentences("See No. 5 on the list. He said no. Then he left.") == [
        "See No. 5 on the list.", "He said no.", "Then he left.",
    ]


def test_ellipsis_before_lower_case_does_not_split():
    assert sentences("Wait... what happened? Nothing.") == ["Wait... what happened?", "Nothing."]


def test_numbers_and_decimals_do_not_split():
    assert sentences("Prices rose 3.5 percent. About 1,400 were hurt.") == [
        "Prices rose 3.5 percent.", "About 1,400 were hurt.",
    ]


def test_empty_and_whitespace_only():
    assert split_sentences("") == []
    assert split_sentences(" \n\t\n\xa0 ") == []


def test_quoted_fragment_after_an_ellipsis_stays_in_its_sentence():
    # The seed article's shape: a quotation resumed after "…" used to become a sentence of its
    # own ("“Catastrophic proportions.”") and leave the one before it cut at "reached…".
    text = ("He said the crisis in the Gaza Strip, which has reached… “Catastrophic proportions.”\n"
            "She added, “The Russian side stressed the need to act.”")
    assert sentences(text) == [
        "He said the crisis in the Gaza Strip, which has reached… “Catastrophic proportions.”",
        "She added, “The Russian side stressed the need to act.”",
    ]


def test_seed_article_has_no_stray_quoted_fragment():
    from pathlib import Path

    corpus = Path(__file__).resolve().parents[2] / "corpus"
    for path in sorted(corpus.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for s, e in split_sentences(text):
            sent = text[s:e]
            assert not sent.endswith(("reached…", "reached...")), f"{path.name}: cut sentence {sent[-80:]!r}"
            words = sent.strip("“”\"'").split()
            if sent.startswith(("“", '"')) and sent.endswith(("”", '"')):
                assert len(words) > 2, f"{path.name}: stray quoted fragment {sent!r}"


def test_segmenter_is_part_of_the_chunker_key():
    from index.chunking import SentenceChunker
    from index.sentences import SEGMENTER

    assert SEGMENTER in SentenceChunker().key


def _stock_segment(line: str) -> list[str]:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=False).segment(line)


@settings(max_examples=300, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_faster_placing_gives_pysbds_own_sentences(text):
    # The segmenter places pysbd's sentences with str.find instead of a regex per sentence;
    # what it returns must be exactly what stock pysbd returns, on adversarial lines.
    from index.sentences import _segmenter

    for line in [text, *text.split("\n")]:
        assert _segmenter().segment(line) == _stock_segment(line)


def test_faster_placing_on_repeated_and_overlapping_sentences():
    from index.sentences import _segmenter, place_sentences

    for line in ["Yes. Yes. Yes.", "No!  No! No.   ", "He said so. He said so. He said so again.",
                 "A. A. A. B.", "Really?? Really? Really.", "“Go.” “Go.” Go."]:
        assert _segmenter().segment(line) == _stock_segment(line)
    # the placing itself against pysbd's own method, on sentences it may not find
    import pysbd

    stock = pysbd.Segmenter(language="en", clean=False, char_span=False)
    for text, sents in [("Yes. Yes.", ["Yes.", "Yes."]), ("Yes. Yes.", ["Yes.", "Maybe.", "Yes."]),
                        ("a  b", ["a", ""]), ("a  b", ["a", "", "b"]), ("x y x y", ["y", "x", "x"])]:
        stock.original_text = text
        assert place_sentences(text, sents) == [(t.start, t.end) for t in stock.sentences_with_char_spans(sents)]
    assert place_sentences("Yes. Yes.", ["Yes.", "Maybe.", "Yes."]) == [(0, 5), (5, 9)]


def test_threads_segmenting_at_once_get_their_own_sentences():
    # pysbd keeps the line on the segmenter instance: threads must not share one
    import threading

    from index.sentences import _line_spans, _segmenter

    lines = [f"Line {i} starts here. Mr. Smith spoke {i} times. It ended at {i} p.m. today." for i in range(200)]
    expected = [_line_spans.__wrapped__(line) for line in lines]
    got: dict[int, list] = {}
    seen: list = []  # the instances themselves, kept alive so their ids stay distinct

    def work(k: int) -> None:
        seen.append(_segmenter())
        got[k] = [_line_spans.__wrapped__(line) for line in lines[k::4]]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(x) for x in seen}) == 4
    for k in range(4):
        assert got[k] == expected[k::4]
