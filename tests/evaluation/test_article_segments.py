"""bench/article_segments.py: the windows are exact slices of the text, and the ways of
combining an article's lead and segment cosines."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.article_segments import COMBINE, segment_texts, windows  # noqa: E402


def _text(n: int) -> str:
    return "  ".join(f"w{i}," for i in range(n)) + "\n"


def test_windows_are_exact_word_slices_after_the_lead():
    text = _text(450)
    got = windows(text, start=200, size=200, n=3)
    assert [w.split()[0] for w in got] == ["w200,", "w400,"]
    assert [len(w.split()) for w in got] == [200, 50]
    for w in got:  # exact slices, from a word's first character to a word's last
        i = text.index(w)
        assert text[i:i + len(w)] == w and not w[0].isspace() and not w[-1].isspace()


def test_short_tails_and_short_articles_give_no_window():
    assert windows(_text(219)) == []  # 19 words after the lead
    assert len(windows(_text(220))) == 1
    assert windows(_text(50)) == []
    assert len(windows(_text(1000), n=2)) == 2


class _Index:
    def __init__(self, docs):
        self.docs = docs

    def get_document(self, doc_id):
        return self.docs.get(doc_id)


class _Doc:
    def __init__(self, text, title):
        self.text, self.title = text, title


def test_segments_carry_their_title_and_their_article():
    index = _Index({"a": _Doc(_text(500), "Budget "), "b": _Doc(_text(30), "Short"), "c": _Doc(_text(250), None)})
    texts, owner = segment_texts(index, ["a", "b", "c", "gone"], n=2)
    assert owner.tolist() == [0, 0, 2]
    assert texts[0].startswith("Budget. w200,") and texts[2].startswith("w200,")


def test_combinations_keep_the_lead_where_no_segment_exists():
    lead = np.array([0.5, 0.5, 0.5])
    seg = np.array([0.7, 0.3, -1.0])  # -1: the article has no segment
    assert COMBINE["max"](lead, seg).tolist() == pytest.approx([0.7, 0.5, 0.5])
    assert COMBINE["lead+0.5seg"](lead, seg).tolist() == pytest.approx([0.6, 0.5, 0.5])
    assert COMBINE["mean"](lead, seg).tolist() == pytest.approx([0.6, 0.4, 0.5])
