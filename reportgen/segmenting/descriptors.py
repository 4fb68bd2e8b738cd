"""Columns that describe segments without shaping them: outcomes and demographics.

An outcome (churn, response, cancellation) is what a marketer wants explained, so it must not
decide the segments; it is shown as a rate per segment against the overall rate.  Ages and
household members say who the customers are; they are shown as averages per segment.  Both
are prepared here once, in readable units (a birth year becomes an age).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from reportgen.profiling.profile import ColumnProfile, Profile

_YES = frozenset({"1", "1.0", "yes", "y", "true", "t", "sim", "si", "oui", "ja"})
_NO = frozenset({"0", "0.0", "no", "n", "false", "f", "nao", "não", "non", "nein"})


@dataclass(frozen=True)
class Outcome:
    """One outcome column read as 1 (the event), 0, or missing."""

    column: str
    level: str  # the value that counts as the event: "Yes", "1", "Cancelado"
    label: str  # how the text names the rate: "Churn", "Categoria = Cancelado"
    values: np.ndarray  # 1.0, 0.0 or NaN per row
    how: str  # why ``level`` is the event, for the data section


@dataclass(frozen=True)
class Descriptors:
    outcomes: tuple[Outcome, ...] = ()
    # ages and household members by label ("Age (from Year_Birth)" for a birth year)
    numbers: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: dict[str, str] = field(default_factory=dict)  # label -> how it was made readable
    sources: dict[str, str] = field(default_factory=dict)  # label -> input column
    roles: dict[str, str] = field(default_factory=dict)  # label -> "age" or "household"


def build(frame: pd.DataFrame, profile: Profile, skip: Iterable[str] = ()) -> Descriptors:
    """Outcomes and demographics of ``frame`` (columns in ``skip`` are clustered, not here)."""
    skipped = set(skip)
    outcomes = tuple(
        _outcome(frame[c.name], c)
        for c in profile.columns
        if c.meaning == "outcome" and c.name not in skipped
    )
    year = _reference_year(frame, profile)
    numbers: dict[str, np.ndarray] = {}
    notes: dict[str, str] = {}
    sources: dict[str, str] = {}
    roles: dict[str, str] = {}
    for c in profile.columns:
        if c.meaning not in ("age", "household") or c.name in skipped:
            continue
        values, note = _readable(frame[c.name], c, year)
        label = f"Age (from {c.name})" if note else c.name
        numbers[label] = values
        sources[label] = c.name
        roles[label] = c.meaning
        if note:
            notes[label] = note
    frame_numbers = pd.DataFrame(numbers, index=frame.index)
    return Descriptors(outcomes, frame_numbers, notes, sources, roles)


def _outcome(series: pd.Series, col: ColumnProfile) -> Outcome:
    if col.meaning_detail == "a date":  # an event's date: blank until it happens
        happened = series.notna().to_numpy(dtype=float)
        label = re.sub(r"[\s_-]*\b(date|dt)\b", "", col.name, flags=re.I).strip() or col.name
        how = "a date counts as the event; a blank means it has not happened"
        return Outcome(col.name, "a date", label, happened, how)
    text = series.astype("string").str.strip()
    levels = [str(v) for v in text.dropna().unique()]
    level, how = _event_level(levels, col, text)
    values = np.where(text.isna().to_numpy(), np.nan, (text == level).to_numpy(dtype=bool))
    yes_no = _plain(level) in _YES
    label = col.name if yes_no else f"{col.name} = {level}"
    return Outcome(col.name, level, label, values.astype(float), how)


def _event_level(levels: list[str], col: ColumnProfile, text: pd.Series) -> tuple[str, str]:
    """Which value is the event: the one the config or the meaning rule named, yes/1/true, else
    the rarer."""
    said = _plain(col.meaning_detail)
    for level in levels:
        if said and _plain(level) == said:
            return level, f"'{level}' counts as the event ({_how(col)})"
    for level in levels:
        if _plain(level) in _YES and any(_plain(o) in _NO for o in levels):
            return level, f"'{level}' counts as the event"
    counts = text.value_counts()
    rarer = str(counts.index[-1]) if len(counts) else ""
    return rarer, f"'{rarer}' counts as the event (the rarer value)"


def _how(col: ColumnProfile) -> str:
    return (
        "set in reportgen.toml" if "reportgen.toml" in col.meaning_reason else "the value says so"
    )


def _plain(value: str) -> str:
    return re.sub(r"\.0$", "", value.strip().lower())


def _readable(series: pd.Series, col: ColumnProfile, year: int) -> tuple[np.ndarray, str]:
    """Values in the units a reader expects: ages in years, not birth years."""
    if col.meaning_detail == "birth year":
        years = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
        return year - years, f"age in {year}, from the birth year"
    if col.meaning_detail == "birth date":
        born = pd.to_datetime(series, errors="coerce")
        reference = pd.Timestamp(year=year, month=12, day=31)
        return ((reference - born).dt.days / 365.25).to_numpy(dtype=float), (
            f"age at the end of {year}, from the date of birth"
        )
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float), ""


def _reference_year(frame: pd.DataFrame, profile: Profile) -> int:
    """The year the data describes: the latest date in it, else this year (an age in 2014 data
    is the age in 2014, whenever the report is run)."""
    latest = [
        frame[c.name].max()
        for c in profile.columns
        if c.meaning == "date" and pd.api.types.is_datetime64_any_dtype(frame[c.name])
    ]
    latest = [d for d in latest if pd.notna(d)]
    return max(latest).year if latest else _dt.date.today().year
