"""Text dates: the one reader of the loader and of a transaction log's date column.

``parse(values)`` reads a column written as text (or as whole numbers such as 19970101) as
dates, shape by shape on its distinct values, with one explicit format per shape and never
per-value guessing, and says what it found: each format and how many values it read, the
order of day and month, the values it could not read.  It neither gives up nor raises; the
callers decide what the findings mean:

- the loader (``reportgen.reading.tables``) turns a column into dates only when it clearly
  holds dates (one format written one way, every value read); otherwise the column stays text;
- a transaction log (``reportgen.reading.transactions``) must read its date column: formats may
  differ from line to line, a few unreadable lines are set aside, and a column that needs
  both orders of day and month is an error naming it.

Shapes, tried in this order:

- ``iso``: year first, ``2024-03-05``, ``2024/3/5``, with a time (``T`` or a space) and an
  optional zone (``Z``, ``+02:00``): times with a zone are taken to UTC and the zone dropped,
  as for time-zone-aware Parquet columns: one column, one clock;
- ``yyyymmdd``: eight digits, a date from 1900 to 2100;
- ``day-month``: ``d/m/yyyy``, ``m-d-yy``, ``d.m.yyyy H:M``, ``m/d/yyyy h:mm PM``, per
  separator.  A first part above 12 anywhere means day first, a second part above 12 month
  first; neither: the separator's usual order (``/`` month first, ``-`` and ``.`` day first),
  *assumed*; both: a *conflict*, and those values stay unread;
- ``month-name``: ``11-Feb-13``, ``11 February 2013 10:22``, ``5 Jan, 2020``.  Two-digit
  years follow the usual pivot: 69-99 are 19xx, 00-68 20xx.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

_ZONE = r"(?:Z|[+-]\d{2}(?::?\d{2})?)"  # UTC or an offset: Z, +00:00, -0500, +02
_ISO_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?" + _ZONE + "?)?"
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?(?: ?[AaPp][Mm])?"  # 8:26, 08:05:09, 8:26 PM
_ISO = r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}" + _ISO_TIME
_ZONED = r":\d{2}(?:\.\d+)?" + _ZONE + "$"
_COMPACT = r"\d{8}"
_COMPACT_YEARS = (1900, 2100)
_SEPARATORS = ("/", "-", ".")
_USUAL_ORDER = {"/": "month-first", "-": "day-first", ".": "day-first"}
_MONTH_NAME = r"\d{1,2}[-/ ][A-Za-z]{3,9}\.?[-/ ,]+(?:\d{4}|\d{2})" + _TIME
_MONTH_NAME_PARTS = r"^\d{1,2}([-/ ])[A-Za-z]{3,9}(\.?[-/ ,]+)(\d{4}|\d{2})"
_UNIT = {"iso": "datetime64[us]"}  # ISO times keep fractions of a second; others: seconds


@dataclass(frozen=True)
class Format:
    """One way dates are written in the column, and what reading it found."""

    kind: str  # "iso", "yyyymmdd", "day-month" or "month-name"
    order: str  # "iso", "yyyymmdd", "day-first", "month-first" or "month-name"
    label: str  # as a log's reading shows it: "d/m/yyyy H:M", "yyyy-mm-dd", "d Mon yyyy"
    n: int = 0  # values read in this format, repeats counted
    example: str = ""  # the first value read in it, as written
    example_date: np.datetime64 = np.datetime64("NaT")  # ... and as read
    separator: str = ""  # a day-month format's separator
    assumed: bool = False  # day and month could go either way: the separator's usual order
    years: str = "yyyy"  # how years are written: "yyyy", "yy" or "both"
    one_writing: bool = True  # the same separators and year width in every value
    zoned: bool = False  # some times had a zone and were taken to UTC


@dataclass(frozen=True)
class Dates:
    """A column read as dates: what was read, in which formats, and what was not."""

    values: np.ndarray  # one per value given; NaT where missing or unreadable
    formats: tuple[Format, ...]  # in the order tried (see the module docstring)
    n_unreadable: int  # present values read in no format, repeats counted
    example_unreadable: str | None  # the first of them
    conflict: tuple[str, str] | None = None  # a day-first and a month-first value, one separator

    @property
    def order(self) -> str:
        """The day/month order when one was decided, else the one kind of format, else
        "mixed" (also when nothing was read)."""
        day_month = {f.order for f in self.formats if f.kind == "day-month"}
        if len(day_month) == 1:
            return day_month.pop()
        kinds = {f.order for f in self.formats}
        return kinds.pop() if len(kinds) == 1 else "mixed"


def parse(values: pd.Series) -> Dates:
    """Read ``values`` (text, or numbers written as yyyymmdd) as dates; see the module
    docstring for the shapes.  Missing and blank values are NaT and not unreadable."""
    present, codes, distinct = _distinct(values)
    counts = np.bincount(codes, minlength=len(distinct))
    parsed, formats, conflict = _read(distinct, counts)
    full = np.full(len(values), np.datetime64("NaT"), dtype=parsed.dtype)
    full[present] = parsed[codes]
    bad = np.isnat(parsed)
    example = str(distinct[bad].iloc[0]) if bad.any() else None
    return Dates(full, formats, int(counts[bad].sum()), example, conflict)


def shaped(values: pd.Series) -> np.ndarray:
    """Which values are written like a date (read or not): a cheap look at a sample."""
    text = values.astype("str")
    found = np.zeros(len(text), dtype=bool)
    for pattern in (_ISO, _COMPACT, _MONTH_NAME, *(_day_month_shape(s) for s in _SEPARATORS)):
        found |= text.str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False)
    return found


def _distinct(values: pd.Series) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """Which values are present (not missing, not blank), the code of each present value and
    the distinct values as text, in order of appearance: text trimmed, whole numbers as their
    digits (19970101), other numbers as written (12.5)."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values):
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        present = ~np.isnan(numbers)
        codes, uniques = pd.factorize(numbers[present])
        whole = np.isfinite(uniques) & (np.mod(uniques, 1) == 0) & (np.abs(uniques) < 2**53)
        digits = pd.Series(np.where(whole, uniques, 0).astype(np.int64)).astype("str")
        return present, codes, digits.where(whole, pd.Series(uniques).astype("str"))
    text = values.astype("str").str.strip()
    present = (text.notna() & text.ne("")).to_numpy(dtype=bool)
    codes, uniques = pd.factorize(text[present])
    return present, codes, pd.Series(uniques).astype("str")


def _day_month_shape(sep: str) -> str:
    s = "\\" + sep
    return rf"\d{{1,2}}{s}\d{{1,2}}{s}(?:\d{{4}}|\d{{2}})" + _TIME


def _read(
    distinct: pd.Series, counts: np.ndarray
) -> tuple[np.ndarray, tuple[Format, ...], tuple[str, str] | None]:
    """Each shape in turn on the values no earlier shape matched."""
    steps = [("iso", _ISO, ""), ("yyyymmdd", _COMPACT, "")]
    steps += [("day-month", _day_month_shape(s), s) for s in _SEPARATORS]
    steps += [("month-name", _MONTH_NAME, "")]
    left = np.ones(len(distinct), dtype=bool)
    read: list[tuple[np.ndarray, np.ndarray]] = []  # (mask, dates of the masked values)
    formats: list[Format] = []
    conflict = None
    for kind, pattern, sep in steps:
        if not left.any():
            break
        mask = left.copy()
        mask[left] = distinct[left].str.fullmatch(pattern).to_numpy(dtype=bool)
        if not mask.any():
            continue
        left &= ~mask
        values = distinct[mask]
        if kind == "day-month":
            order, assumed, both = _orders(values, sep)
            if both is not None:  # neither order reads every value: none is read
                conflict = conflict or both
                continue
            dates, fmt = _day_month(values, sep, order, assumed)
        else:
            dates, fmt = _READERS[kind](values)
        read.append((mask, dates))
        ok = ~np.isnat(dates)
        if ok.any():
            at = int(np.flatnonzero(ok)[0])
            n = int(counts[mask][ok].sum())
            formats.append(replace(fmt, n=n, example=str(values.iloc[at]), example_date=dates[at]))
    unit = np.result_type(*(d.dtype for _, d in read)) if read else np.dtype("datetime64[s]")
    parsed = np.full(len(distinct), np.datetime64("NaT"), dtype=unit)
    for mask, dates in read:
        parsed[mask] = dates
    return parsed, tuple(formats), conflict


def _iso(values: pd.Series) -> tuple[np.ndarray, Format]:
    iso = values
    if not values.str.match(r"^\d{4}-\d{2}-\d{2}").all():  # 2024/3/5: written as 2024-03-05
        parts = values.str.extract(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(.*)$")
        iso = parts[0] + "-" + parts[1].str.zfill(2) + "-" + parts[2].str.zfill(2) + parts[3]
    zoned = bool(values.str.contains(_ZONED, regex=True).any())
    parsed = pd.to_datetime(iso, format="ISO8601", errors="coerce", utc=zoned)
    if zoned:
        parsed = parsed.dt.tz_convert(None)
    dates = parsed.to_numpy().astype(_UNIT["iso"])
    label = "yyyy-mm-dd" + _time_label(_colons(values))
    one_writing = values.str.slice(4, 5).nunique() == 1  # one separator
    return dates, Format("iso", "iso", label, one_writing=one_writing, zoned=zoned)


def _compact(values: pd.Series) -> tuple[np.ndarray, Format]:
    parsed = pd.to_datetime(values, format="%Y%m%d", errors="coerce")
    low, high = _COMPACT_YEARS
    parsed = parsed.where(parsed.dt.year.between(low, high))
    return parsed.to_numpy().astype("datetime64[s]"), Format("yyyymmdd", "yyyymmdd", "yyyymmdd")


def _orders(values: pd.Series, sep: str) -> tuple[str, bool, tuple[str, str] | None]:
    """The order of day and month for the values with this separator, whether it was
    assumed, and a day-first and a month-first value when both orders are needed."""
    big = "(?:1[3-9]|[2-9][0-9])"  # a part above 12
    first_big = values.str.match(rf"^{big}\{sep}").to_numpy(dtype=bool)
    second_big = values.str.match(rf"^[0-9]{{1,2}}\{sep}{big}\{sep}").to_numpy(dtype=bool)
    if first_big.any() and second_big.any():
        both = (str(values[first_big].iloc[0]), str(values[second_big].iloc[0]))
        return "", False, both
    if first_big.any() or second_big.any():
        return ("day-first" if first_big.any() else "month-first"), False, None
    return _USUAL_ORDER[sep], True, None


def _day_month(values: pd.Series, sep: str, order: str, assumed: bool) -> tuple[np.ndarray, Format]:
    a, b = ("%d", "%m") if order == "day-first" else ("%m", "%d")
    normal, colons, ampm = _clock(values)
    short = normal.str.match(rf"^\d{{1,2}}\{sep}\d{{1,2}}\{sep}\d{{2}}(?:\D|$)").to_numpy(bool)
    dates = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[s]")
    for year, pick in (("%Y", ~short), ("%y", short)):
        if pick.any():
            fmt = f"{a}{sep}{b}{sep}{year}"
            dates[pick] = _with_times(normal[pick], fmt, colons[pick], ampm[pick])
    d, m = ("d", "m") if order == "day-first" else ("m", "d")
    label = f"{d}{sep}{m}{sep}yyyy" + _time_label(colons) + " (order assumed)" * assumed
    years = _years(short)
    found = Format("day-month", order, label, separator=sep, assumed=assumed, years=years)
    return dates, replace(found, one_writing=years != "both")


def _month_name(values: pd.Series) -> tuple[np.ndarray, Format]:
    parts = values.str.extract(_MONTH_NAME_PARTS)
    short = (parts[2].str.len() == 2).to_numpy(dtype=bool)
    clean = values.str.replace(r"[-/,.]+", " ", regex=True).str.replace(r"\s+", " ", regex=True)
    clean, colons, ampm = _clock(clean.str.strip())
    dates = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[s]")
    for year, pick in (("%Y", ~short), ("%y", short)):
        for month in ("%b", "%B"):  # short month names, then full ones
            pick = pick & np.isnat(dates)
            if pick.any():
                fmt = f"%d {month} {year}"
                dates[pick] = _with_times(clean[pick], fmt, colons[pick], ampm[pick])
    writing = parts[0] + parts[1] + parts[2].str.len().astype(str)
    label = "d Mon " + ("yy" if short.all() else "yyyy") + _time_label(colons)
    found = Format("month-name", "month-name", label, years=_years(short))
    return dates, replace(found, one_writing=writing.nunique() == 1)


_READERS = {"iso": _iso, "yyyymmdd": _compact, "month-name": _month_name}


def _years(short: np.ndarray) -> str:
    return "yy" if short.all() else "both" if short.any() else "yyyy"


def _time_label(colons: np.ndarray) -> str:
    """ " H:M:S", " H:M" or nothing, as the values with most colons have."""
    if (colons >= 2).any():
        return " H:M:S"
    return " H:M" if (colons == 1).any() else ""


def _clock(values: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """The values as the formats read their times ("8:26 PM" for 8:26PM, a space for the T
    of 2010T08:26), the colons of each time and which times have AM or PM."""
    ampm = np.zeros(len(values), dtype=bool)
    if values.str.contains(r"\dT\d|[AaPp][Mm]$", regex=True).any():
        values = values.str.replace(r"(\d)T(\d)", r"\1 \2", regex=True)
        values = values.str.replace(r" ?([AaPp][Mm])$", r" \1", regex=True)
        ampm = values.str.contains(r"[AaPp][Mm]$", regex=True).to_numpy(dtype=bool)
    return values, _colons(values), ampm


def _colons(values: pd.Series) -> np.ndarray:
    """The colons of each value's time: 0 (no time), 1 (H:M) or 2 (H:M:S); ``str.count``
    would cost more than parsing the dates."""
    one = values.str.contains(":", regex=False).to_numpy(dtype=bool)
    if not one.any():
        return np.zeros(len(values), dtype=np.int64)
    two = values.str.contains(r":\d+:", regex=True).to_numpy(dtype=bool)
    return one.astype(np.int64) + two


def _with_times(values: pd.Series, fmt: str, colons: np.ndarray, ampm: np.ndarray) -> np.ndarray:
    """Parse with one explicit format and its with-time variants (H:M, H:M:S, with AM/PM);
    NaT where a value does not fit."""
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[s]")
    for n_colons, clock in ((0, ""), (1, " %H:%M"), (2, " %H:%M:%S")):
        for is_ampm in (False, True):
            pick = (colons == n_colons) & (ampm == is_ampm)
            if not pick.any():
                continue
            suffix = clock.replace("%H", "%I") + " %p" if is_ampm and clock else clock
            parsed = pd.to_datetime(values[pick], format=fmt + suffix, errors="coerce")
            out[pick] = parsed.to_numpy().astype("datetime64[s]")
    return out
