"""The nlp facade: calendar words and number words come from libraries, in one place."""

from __future__ import annotations

import pytest

from qa import nlp


def test_calendar_words_are_english():
    assert nlp.MONTHS[0] == "january" and nlp.MONTHS[-1] == "december" and len(nlp.MONTHS) == 12
    assert nlp.WEEKDAYS == ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    assert nlp.month_name(3) == "march"
    with pytest.raises(ValueError, match="1..12, got 13"):
        nlp.month_name(13)


def test_number_words():
    assert {"zero", "three", "nineteen", "ninety", "hundred", "billion"} <= nlp.NUMBER_WORDS
    assert "point" not in nlp.NUMBER_WORDS and "first" not in nlp.NUMBER_WORDS
    assert nlp.number_word_value("Three") == 3 and nlp.number_word_value("dozen") is None
    assert nlp.number_words_value("twenty-one") == 21
    assert nlp.number_words_value("three thousand two hundred") == 3200


@pytest.mark.parametrize("text, digits", [
    ("Twenty-one ships and two hundred men", "21 ships and 200 men"),
    ("one of the three envoys", "1 of the 3 envoys"),
    ("five-six days", "5-6 days"),  # a range is two numbers, not 11
    ("two three", "2 3"),
    ("nine-member board", "9-member board"),
    ("no numbers here", "no numbers here"),
])
def test_number_words_to_digits(text, digits):
    assert nlp.number_words_to_digits(text) == digits


def test_conflicts_read_number_word_runs():
    """'twenty-one' is one count of 21 (the old table read it as 20)."""
    import re

    from qa.check.conflicts import _NUM, _value

    values = [_value(m) for m in _NUM.finditer("Twenty-one sailors, 3 officers and two hundred guests")]
    assert values == [21.0, 3.0, 200.0]
    assert [_value(m) for m in re.finditer(_NUM, "five-six boats")] == [None]
