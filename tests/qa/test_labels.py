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
