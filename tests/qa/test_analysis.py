"""One question analysis: answer type, entities, numbers and date expressions resolved
against a fixed `as_of` day (real spaCy + dateparser), and as_of through the Assistant."""

from __future__ import annotations

from datetime import date

import pytest

from index import Filters
from qa.question.analysis import analyse, merge_filters, to_date, without_windows

from test_assistant import DOCS

AS_OF = "2024-03-13"  # a Wednesday


@pytest.mark.parametrize("question,window", [
    ("What happened this week?", ("2024-03-07", "2024-03-13")),  # the 7 days up to as_of
    ("What did the minister say last month?", ("2024-02-01", "2024-02-29")),
    ("What happened last week in Gaza?", ("2024-03-04", "2024-03-10")),
    ("What happened this year?", ("2024-01-01", "2024-12-31")),
])
def test_relative_windows_become_retrieval_filters(question, window):
    a = analyse(question, AS_OF)
    assert (a.filters.date_from, a.filters.date_to) == window == (a.date_from, a.date_to)
    assert a.dates and a.dates[0].relative and a.dates[0].anchored
    assert a.filters.undated  # an undated article is not known to lie outside the window
    # the same words asked a year later mean another window
    later = analyse(question, "2025-03-13")
    assert (later.filters.date_from, later.filters.date_to) != window


def test_fixed_dates_are_a_soft_range_not_a_filter():
    a = analyse("What happened in 2024?", AS_OF)
    assert (a.date_from, a.date_to) == ("2024-01-01", "2024-12-31") and a.filters.empty
    a = analyse("Who visited before March 2024?", AS_OF)
    assert (a.date_from, a.date_to) == (None, "2024-02-29") and not a.dates[0].relative
    a = analyse("Who was arrested on 5 March 2024?", AS_OF)
    assert (a.date_from, a.date_to) == ("2024-03-05", "2024-03-05")
    # a weekday is relative, but in news it usually means the article's day: no filter
    a = analyse("What did the council approve on Monday?", AS_OF)
    assert a.filters.empty and a.date_from == "2024-03-11"
    assert analyse("Who led the delegation?", AS_OF).dates == ()
    # a bare month is relative (the latest January) but not anchored to as_of: a soft range
    a = analyse("What has changed since January?", AS_OF)
    assert (a.date_from, a.date_to) == ("2024-01-01", None) and a.filters.empty
    a = analyse("Who accompanied Musa Abu Marzouk (Hamas, Moscow, January)?", AS_OF)
    assert a.filters.empty and not a.dates[0].anchored


def test_answer_type_entities_and_numbers():
    assert analyse("Who led the Hamas delegation to Moscow?", AS_OF).answer_type == "person"
    assert analyse("When did the talks start?", AS_OF).answer_type == "date"
    assert analyse("Where was the ship seized?", AS_OF).answer_type == "place"
    assert analyse("How many sailors were aboard?", AS_OF).answer_type == "quantity"
    assert analyse("Did the ship leave port?", AS_OF).answer_type == "yesno"
    a = analyse("Which of the three ships did Russia inspect in Varna?", AS_OF)
    assert a.answer_type == "entity" and a.numbers == ("3",)
    assert {"Russia", "Varna"} <= set(a.entities)


def test_as_of_values():
    assert to_date("2024-03-13") == to_date(date(2024, 3, 13)) == date(2024, 3, 13)
    assert to_date(None) == date.today()
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        to_date("not a day at all xyz")
    a = analyse("What happened this week?", AS_OF)
    merged = merge_filters(Filters(outlets=("Sea Herald",), date_from="2024-03-12"), a)
    assert (merged.outlets, merged.date_from, merged.date_to) == (("Sea Herald",), "2024-03-12", "2024-03-13")
    assert not merged.undated  # the caller's own range stays strict
    assert merge_filters(None, a).undated


def test_assistant_resolves_this_month_against_as_of(assistant_over):
    assistant = assistant_over(DOCS)
    q = "How many foreign sailors were on the ship Aurora this month?"
    march = assistant.ask(q, as_of="2024-03-20")
    assert {p.doc_id for p in march.passages} == {"harbor-b"}
    assert not march.abstained and "six" in march.text and not march.conflicts
    january = assistant.ask(q, as_of=date(2024, 1, 25))
    assert {p.doc_id for p in january.passages} == {"harbor-a"}
    assert "3 foreign sailors" in january.text
    final = list(assistant.stream(q, as_of="2024-03-20"))[-1]
    assert {p.doc_id for p in final.passages} == {"harbor-b"}


def test_follow_up_context_is_kept():
    a = analyse("Who accompanied Ivan Petrov last week?", AS_OF, asked="and who accompanied him last week?")
    assert a.asked == "and who accompanied him last week?" and a.entities == ("Ivan Petrov",)
    assert (a.filters.date_from, a.filters.date_to) == ("2024-03-04", "2024-03-10")
    assert analyse("Who led it?", AS_OF, asked="Who led it?").asked is None


def test_this_week_asked_on_a_monday_includes_the_weekend():
    a = analyse("What happened this week?", "2024-03-11")  # a Monday
    assert (a.filters.date_from, a.filters.date_to) == ("2024-03-05", "2024-03-11")


def test_this_week_keeps_undated_articles_and_drops_old_ones(assistant_over):
    from dataclasses import replace

    undated = replace(DOCS[1], doc_id="harbor-b-undated", published=None)
    assistant = assistant_over([DOCS[0], undated])
    a = assistant.ask("How many foreign sailors were on the ship Aurora this week?", as_of="2024-03-13")
    assert {p.doc_id for p in a.passages} == {"harbor-b-undated"}  # harbor-a is dated January
    assert not a.abstained and "six" in a.text


def test_without_windows_drops_only_the_filtered_dates():
    assert without_windows(analyse("Which team won the cup this week?", AS_OF)) == "Which team won the cup ?"
    # a fixed date is a soft preference, not a filter: its words stay
    q = "Who was arrested on 5 March 2024?"
    assert without_windows(analyse(q, AS_OF)) == q


def test_one_answer_type():
    """One classifier of what a question asks for (spaCy's, here); the regex one quote mode
    had beside it is gone, and everything else asks this one."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "qa"
    defs = sorted(str(p.relative_to(root.parent)) for p in root.rglob("*.py")
                  if "def answer_type(" in p.read_text(encoding="utf-8"))
    assert defs == ["qa/question/analysis.py"]


def test_date_resolution_is_memoised_per_text_and_day(monkeypatch):
    """A follow-up resolves the same dates several times (its thread, its rewrite, its
    analysis): dateparser runs once per (text, day), and the result does not change."""
    from qa.question import analysis

    analysis.resolve.cache_clear()
    calls = []
    real = analysis._parser

    def counting(base):
        calls.append(base)
        return real(base)

    monkeypatch.setattr(analysis, "_parser", counting)
    day = date(2024, 3, 13)
    first = analysis.resolve("last week", day)
    n = len(calls)
    assert n >= 1 and (first.date_from, first.date_to) == ("2024-03-04", "2024-03-10")
    assert analysis.resolve("last week", day) is first and len(calls) == n  # no dateparser call
    later = analysis.resolve("last week", date(2024, 4, 13))  # another day is resolved afresh
    assert len(calls) > n and (later.date_from, later.date_to) == ("2024-04-01", "2024-04-07")
    analysis.resolve.cache_clear()
