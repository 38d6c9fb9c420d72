"""Date finding and normalisation used for publication dates."""

from __future__ import annotations

import pytest

from corpus import find_dates, parse_date
from corpus.dates import guess_published


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2025-02-04", "2025-02-04"),
        ("2024-06-25T10:11:00+03:00", "2024-06-25"),
        ("June 25, 2024 at 10:11 am", "2024-06-25"),
        ("Jan. 19, 2024", "2024-01-19"),
        ("Sept 3rd 2021", "2021-09-03"),
        ("25 June 2024", "2024-06-25"),
        ("1st of nothing", None),
        ("1/19/2024 07:51 PM", "2024-01-19"),
        ("February 30, 2024", None),  # impossible date
        ("13/19/2024", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_find_dates_positions_are_exact_and_ordered():
    text = "Filed 2024-01-02, updated on March 5, 2024 and again 7/8/2024."
    found = find_dates(text)
    assert [d.isoformat() for _, _, d in found] == ["2024-01-02", "2024-03-05", "2024-07-08"]
    assert [text[s:e] for s, e, _ in found] == ["2024-01-02", "March 5, 2024", "7/8/2024"]


def test_guess_published_only_looks_near_the_top():
    assert guess_published("Dateline May 1, 2023. Text.") == "2023-05-01"
    assert guess_published("x" * 400 + " May 1, 2023") is None
