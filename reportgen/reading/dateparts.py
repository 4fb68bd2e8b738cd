"""Dates split over columns ("Enrollment Year" and "Enrollment Month") joined into one date.

Exports often store an event's date as a year column and a month column (and sometimes a
day).  Apart, they are calendar parts that say nothing on their own; together they are a
date, which gives a tenure ("enrolled 38 months ago") or, for an event that has not happened
to everyone ("Cancellation Year" blank for active members), an outcome.  The parts stay in
the table; the joined date is added beside them, and the loader says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from reportgen.profiling.meanings import words

_PARTS = {
    "year": ("year", "yr", "ano", "anio"),
    "month": ("month", "mes", "mon"),
    "day": ("day", "dia"),
}
_RANGES = {"year": (1900, 2100), "month": (1, 12), "day": (1, 31)}


@dataclass(frozen=True)
class Joined:
    column: str  # the new date column, e.g. "Enrollment date"
    parts: tuple[str, ...]  # the columns it was made from, year first
    detail: str  # for the loader's "how values were read"


def combine(frame: pd.DataFrame) -> tuple[pd.DataFrame, tuple[Joined, ...]]:
    """``frame`` with a date column added for every year/month(/day) group of columns."""
    groups: dict[tuple[str, ...], dict[str, str]] = {}
    for column in frame.columns:
        found = _part(str(column), frame[column])
        if found is not None:
            stem, part = found
            groups.setdefault(stem, {}).setdefault(part, str(column))
    joined: list[Joined] = []
    added: dict[str, pd.Series] = {}
    for stem, parts in groups.items():
        if "year" not in parts or "month" not in parts:
            continue
        name = _new_name(stem, parts["year"], set(map(str, frame.columns)) | set(added))
        dates, complete = _dates(frame, parts)
        added[name] = dates
        used = tuple(parts[p] for p in ("year", "month", "day") if p in parts)
        blanks = int((~complete).sum())
        detail = f"{' + '.join(used)} read together as the date {name}" + (
            " (first of the month)" if "day" not in parts else ""
        )
        if blanks:
            detail += f"; {blanks:,} rows have no date"
        joined.append(Joined(name, used, detail))
    if not added:
        return frame, ()
    return frame.assign(**added), tuple(joined)


def _part(name: str, series: pd.Series) -> tuple[tuple[str, ...], str] | None:
    """(the other words of the name, "year"/"month"/"day") for a calendar-part column."""
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None
    tokens, _ = words(name)
    for part, vocabulary in _PARTS.items():
        hits = [t for t in tokens if t in vocabulary]
        if len(hits) != 1:
            continue
        stem = tuple(t for t in tokens if t not in vocabulary and t not in ("id", "of", "no"))
        if not stem or not _in_range(series, *_RANGES[part]):
            continue
        return stem, part
    return None


def _in_range(series: pd.Series, low: int, high: int) -> bool:
    values = series.dropna().to_numpy(dtype=float)
    if values.size == 0:
        return False
    return bool(np.all(values == np.round(values)) and values.min() >= low and values.max() <= high)


def _new_name(stem: tuple[str, ...], year_column: str, taken: set[str]) -> str:
    """ "Enrollment Year" -> "Enrollment date"; keeps the user's spelling of the stem."""
    base = year_column
    for word in _PARTS["year"]:
        for spelled in (word, word.capitalize(), word.upper()):
            if spelled in base:
                base = base.replace(spelled, "").strip(" _-")
                break
    name = f"{base or ' '.join(stem)} date"
    while name in taken:
        name += " (joined)"
    return name


def _dates(frame: pd.DataFrame, parts: dict[str, str]) -> tuple[pd.Series, np.ndarray]:
    year = frame[parts["year"]].astype(float)
    month = frame[parts["month"]].astype(float)
    day = frame[parts["day"]].astype(float) if "day" in parts else pd.Series(1.0, frame.index)
    complete = (year.notna() & month.notna() & day.notna()).to_numpy()
    dates = pd.to_datetime(
        pd.DataFrame({"year": year, "month": month, "day": day})[complete].astype(int),
        errors="coerce",
    )
    full = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    full[complete] = dates
    return full, complete & full.notna().to_numpy()
