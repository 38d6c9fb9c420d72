"""qa/labels.py: how a source is named to a reader."""

from qa.labels import display_date, headline, shorten, source_label


def test_label_is_outlet_date_title():
    assert source_label("MEMRI", "2024-01-19", "Hamas delegation visits Moscow") == \
        "MEMRI · 19 Jan 2024 · Hamas delegation visits Moscow"
    assert source_label(None, None, None, "First line\n\nBody", "004_x") == "undated · First line"
    assert source_label(" ", None, None, None, "004_x") == "undated · 004_x"  # the id only as a last resort


def test_long_titles_are_cut_at_a_word():
    long = "word " * 40
    out = shorten(long, 30)
    assert len(out) <= 30 and out.endswith("…") and not out.endswith(" …")
    assert headline(None, "\n\n# Heading here\ntext") == "Heading here"


def test_dates():
    assert display_date("2025-02-04") == "4 Feb 2025"
    assert display_date(None) is None
    assert display_date("sometime") == "sometime"


# -- readable sources (issue 21) ------------------------------------------------------------------
DATELINE_ARTICLE = ("1/19/2024–|Last updated: 1/19/202407:51 PM (Mecca time)\n"
                    "A delegation from the Islamic Resistance Movement (Hamas) held discussions in Moscow.\n")


def test_a_dateline_or_byline_is_not_a_title():
    from qa.labels import first_line, headline, sentence_like

    assert not sentence_like("1/19/2024–|Last updated: 1/19/202407:51 PM (Mecca time)")
    assert not sentence_like("June 25, 2024 at 10:11 am")
    assert not sentence_like("By John Smith and Jane Doe")
    assert sentence_like("Hamas ‘appreciates’ Russian efforts to strengthen regional stability")
    assert first_line(DATELINE_ARTICLE).startswith("A delegation from the Islamic Resistance")
    assert headline(None, DATELINE_ARTICLE, "001_a0d50dacadf60764").startswith("A delegation")
    assert first_line("10:11 am\n") == "10:11 am"  # nothing better: the first line still names it


def test_the_published_line_names_an_untitled_article_by_its_text_not_its_id():
    from qa.answer.citing import published_line
    from qa.labels import headline
    from qa.types import Citation

    quote = "A delegation from the Islamic Resistance Movement (Hamas) held discussions in Moscow."
    c = Citation(1, "001_a0d50dacadf60764", 57, 57 + len(quote), quote, published="2024-01-19")
    line = published_line([c], lambda doc_id, title: headline(title, DATELINE_ARTICLE, doc_id))
    assert "001_a0d50dacadf60764" not in line and "A delegation from the Islamic" in line
    assert "19 Jan 2024" in line
    undated = Citation(2, "004_c1476e201e89ad97", 0, len(quote), quote, outlet="MEMRI")
    line = published_line([undated])
    assert "004_c1476e201e89ad97" not in line and "MEMRI · undated · A delegation" in line


def test_one_wording_for_a_missing_date():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for path in list((root / "qa").rglob("*.py")) + list((root / "ui").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"date not given|date unknown|publication date not given", text), path


def test_the_api_answer_span_carries_an_entity_type_not_an_internal_label():
    from qa.types import AnswerSpan

    span = AnswerSpan(1, "d1", 10, 21, "Bassem Naim", "READER")
    assert span.to_json()["label"] in ("PERSON", None)
    assert span.to_json()["label"] != "READER"
    assert AnswerSpan(1, "d1", 0, 16, "January 19, 2024", "DATE").to_json()["label"] == "DATE"
    assert AnswerSpan(1, "d1", 0, 14, "six hostages a", "READER").to_json()["label"] is None


# -- punctuation and length (issue 21, last round) ------------------------------------------------
def test_a_cut_title_ends_with_one_mark_and_a_sentence_is_closed_once():
    from qa.labels import TITLE_CHARS, end_sentence, full_title

    cut = shorten("Talks ended. " * 20, 40)
    assert cut.endswith("…") and not cut.endswith(".…") and len(cut) <= 40
    assert end_sentence("Published: [1] MEMRI · undated · On January 19…") .endswith("19…")
    assert end_sentence("ongoing Israeli violations.") == "ongoing Israeli violations."
    assert end_sentence("Is it?") == "Is it?" and end_sentence("Storm hits") == "Storm hits."
    line = "On January 19, 2024, a Hamas delegation, led by " + "many words " * 20 + "visited Moscow."
    assert full_title(None, "1/19/2024\n" + line) == line  # whole, for a tooltip
    short = headline(None, line)
    assert len(short) <= TITLE_CHARS and short.count("…") == 1 and line.startswith(short[:-1])


def test_the_published_line_never_doubles_a_full_stop_or_an_ellipsis():
    from qa.answer.citing import published_line
    from qa.types import Citation

    quote = "A Hamas delegation met with Russian officials in Moscow."
    titled = Citation(1, "000_x", 0, len(quote), quote, title="Talks went on, with ongoing violations.",
                      outlet="Palestine Chronicle", published="2025-02-04")
    line = published_line([titled])
    assert line.endswith("ongoing violations.") and ".." not in line
    untitled = Citation(2, "004_x", 0, len(quote), quote, outlet="MEMRI")
    line = published_line([untitled], lambda doc_id, title: headline(None, "word " * 60))
    assert line.endswith("…") and "…." not in line
