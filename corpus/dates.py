"""Find and normalise dates written in common English news formats."""

from __future__ import annotations

import calendar
import re
from datetime import date

# Month names and their abbreviations from the standard library's English calendar, plus the
# common "Sept." spelling.
MONTHS = {
    **{name.lower(): i for i, name in enumerate(calendar.month_name) if name},
    **{abbr.lower(): i for i, abbr in enumerate(calendar.month_abbr) if abbr},
    "sept": 9,
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"

PATTERNS = [
    re.compile(rf"\b{_YEAR}-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?!\d)"),  # 2025-02-04
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.I),  # June 25, 2024
    re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+{_YEAR}\b", re.I),  # 25 June 2024
    re.compile(rf"(?<![\d/])(?P<m>[01]?\d)/(?P<d>[0-3]?\d)/{_YEAR}"),  # 1/19/2024 (US order)
]


def _to_date(match: re.Match) -> date | None:
    g = match.groupdict()
    try:
        month = MONTHS[g["month"].lower()] if g.get("month") else int(g["m"])
        day = int(g["day"] if g.get("day") else g["d"])
        return date(int(g["year"]), month, day)
    except (ValueError, KeyError, TypeError):
        return None


def find_dates(text: str) -> list[tuple[int, int, date]]:
    """All (start, end, date) found in `text`, in order of position, non-overlapping."""
    found: list[tuple[int, int, date]] = []
    for pattern in PATTERNS:
        for m in pattern.finditer(text):
            d = _to_date(m)
            if d and not any(s < m.end() and m.start() < e for s, e, _ in found):
                found.append((m.start(), m.end(), d))
    return sorted(found)


def parse_date(value: str | None) -> str | None:
    """Normalise a date string (ISO timestamp or a written date) to YYYY-MM-DD, or None."""
    if not value:
        return None
    dates = find_dates(str(value))
    return dates[0][2].isoformat() if dates else None


def guess_published(text: str, head_chars: int = 300) -> str | None:
    """The first date written near the top of an article, which is usually its dateline."""
    return parse_date(text[:head_chars])


_URL_DATE = re.compile(
    r"(?<!\d)(?P<year>(?:19|20)\d\d)[/_-]?(?P<m>[01]\d)[/_-]?(?P<d>[0-3]\d)(?!\d)"
    r"|(?<!\d)(?P<year2>(?:19|20)\d\d)/(?P<m2>[01]?\d)/(?P<d2>[0-3]?\d)/"
)


def date_from_url(url: str | None) -> str | None:
    """The date in a URL path such as /2018/06/07/ or /20180607-story, as YYYY-MM-DD, or None."""
    if not url:
        return None
    from urllib.parse import urlparse

    path = urlparse(url).path
    for m in _URL_DATE.finditer(path):
        y, mo, d = (m.group("year", "m", "d") if m.group("year") else m.group("year2", "m2", "d2"))
        try:
            return date(int(y), int(mo), int(d)).isoformat()
        except ValueError:
            continue
    return None
