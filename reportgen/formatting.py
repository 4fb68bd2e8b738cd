"""How numbers and shares are written: one rule for the terminal, the report, the charts and
the email, so a share never reads 22.5% in one place and 22% in another.

Names and values (``clip``): a column name or a cell is shown whole up to ``MAX_TEXT_LENGTH``
characters (``[report] max_text_length``, ``--max-text-length``), else cut with an ellipsis.

Shares (``percent``): whole percentages from 10% up, one decimal below 10% (``4.5%``; a
trailing ``.0`` is dropped: ``2%``), halves rounded up (22.5% reads 23%); a share that is not
0 or 1 never shows as 0% or 100% (``<0.1%``, ``99.8%``, ``>99.9%``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

MAX_TEXT_LENGTH = 80  # characters of one name or value the reader sees (the default)
MIN_TEXT_LENGTH = 10  # the setting's range: room for a word and the ellipsis...
MAX_TEXT_LIMIT = 10_000  # ...and a bound, so that no setting lets one cell fill the report
ELLIPSIS = "…"


def clip(text: object, limit: int = MAX_TEXT_LENGTH) -> str:
    """A name or value as the reader sees it: whole up to ``limit`` characters, else its first
    ``limit - 1`` and an ellipsis.  Charts and the PDF lay out every character they are given,
    so one 10 MB cell or 10,000-character name would hold a run up; the machine-readable
    outputs keep the full text."""
    text = str(text)
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def percent(value: float | None, digits: int | None = None) -> str:
    """A share (0.225) as a percentage ("23%") by the rule above; ``digits`` forces a fixed
    number of decimals (kept for templates that ask for one)."""
    if value is None or value != value:  # None or NaN
        return "–"
    p = float(value) * 100
    if digits is not None:
        return f"{p:.{digits}f}%"
    if p in (0.0, 100.0):
        return f"{p:.0f}%"
    sign, size = ("-" if p < 0 else ""), abs(p)
    if size < 0.1:
        return ">-0.1%" if sign else "<0.1%"
    tenths = _round(size, 1)
    if tenths < 10:
        return f"{sign}{_tenths(tenths)}%"
    whole = _round(size, 0)
    if whole == 100 and size < 100:  # 99.6% is not everyone
        return f"{sign}>99.9%" if tenths == 100 else f"{sign}{_tenths(tenths)}%"
    return f"{sign}{whole:.0f}%"


def _tenths(value: Decimal) -> str:
    """4.5 -> "4.5", 2.0 -> "2"."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _round(value: float, digits: int) -> Decimal:
    """``value`` rounded half up as written (22.5 -> 23), not as its binary double."""
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def number(value: float | int | None, digits: int = 1) -> str:
    """Readable numbers: thousands separators, few decimals, no trailing noise."""
    if value is None:
        return "–"
    value = float(value)
    if value != value:  # NaN
        return "–"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.{0 if value == int(value) else 1}f}"
    return f"{value:,.{digits}f}" if abs(value) >= 1 else f"{value:.{digits + 1}f}"


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def spell_date(day: Any) -> str:
    """'4 Sep 2012' for a date, Timestamp or datetime64: unambiguous whatever the reader's
    convention, and the same whatever the machine's locale."""
    import pandas as pd

    day = pd.Timestamp(day)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
