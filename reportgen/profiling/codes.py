"""Codes that are not values: sentinel numbers and pseudo-levels, read from the values.

Exports write "never", "none" and "not known" as values.  A bank's ``pdays`` holds -1 for
the customers never contacted before and a day count for the others; a service column holds
"No internet service" beside Yes and No; an education column holds "Não informado".  Taken at
face value, -1 drags the average of a day count down, 999 becomes an "extreme outlier", and
"unknown" turns up as a segment's trait.  These rules find such codes so the profile can say
what was read, features can leave the code out of the measure (the derived flag keeps the
information), and the segment comparisons can leave "not known" out.

Every rule is about values that any table may hold, never about one table: a number is a
sentinel only when it is a conventional code (-1, -9, -99 ... below the others; 99, 999 ...
above them), stands apart from the rest, and repeats.  A level is a pseudo-level only when its
words say "not known" or "not applicable", in English, Portuguese or Spanish, accents or not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from reportgen.formatting import percent
from reportgen.profiling.meanings import has_word

# Conventional codes: -1 and the negative all-nines below non-negative values, and the
# all-nines from 99 up above the others.  9 is a plausible value too often to be a code.
LOW_CODES = frozenset({-1.0, -9.0, -99.0, -999.0, -9999.0, -99999.0})
HIGH_CODES = frozenset({99.0, 999.0, 9999.0, 99999.0, 999999.0})
MIN_ROWS = 5  # a code repeats: at least this many rows ...
MIN_SHARE = 0.01  # ... and this share of the values (a lone -1 is a typo, not a code)
MIN_OTHER_VALUES = 3  # -1/0/1 and -1/1 are scales; a code sits beside a real measure
FAR = 2.0  # a high code is more than twice the largest other value ...
FENCE_IQR = 3.0  # ... or beyond the others' 3 IQR fence

NOT_KNOWN = "not known"
NOT_APPLICABLE = "not applicable"
MAX_LEVELS = 10_000  # text columns with more distinct values are not read level by level

# Level texts (lower case, accents removed, spaces collapsed, end dots dropped) and what they say.
_LEVELS = {
    **dict.fromkeys(
        (
            "unknown",
            "unknow",
            "unk",
            "n/a",
            "n.a",
            "n/k",
            "not known",
            "not available",
            "not informed",
            "not specified",
            "unspecified",
            "not stated",
            "not given",
            "not provided",
            "prefer not to say",
            "nao informado",
            "nao informada",
            "nao sabe",
            "desconhecido",
            "desconhecida",
            "sem informacao",
            "desconocido",
            "desconocida",
            "no informado",
            "no informada",
            "no disponible",
            "sin informacion",
            "sin dato",
            "sin datos",
            "none",
            "-",
            "--",
            "?",
        ),
        NOT_KNOWN,
    ),
    **dict.fromkeys(
        ("not applicable", "nao se aplica", "nao aplicavel", "no aplica", "no aplicable"),
        NOT_APPLICABLE,
    ),
}
_FLAG_WORDS = frozenset({"yes", "no"})
MAX_LEVEL_TEXT = 60  # longest level read for "not known" words; "prefer not to say" is 17
_LONG_TEXT = "\x00long text"  # the key of every longer level: ordinary, no rule matches it
_NO_SOMETHING = re.compile(r"^no [a-z][a-z -]*$")  # "no internet service", "no phone service"
_TIME_WORDS = (
    "days",
    "day",
    "weeks",
    "months",
    "years",
    "since",
    "last",
    "recency",
    "ago",
    "dias",
    "meses",
)


@dataclass(frozen=True)
class Sentinel:
    """A code in a numeric column that stands for "never" or "no value", not for a number."""

    code: float
    count: int  # rows holding it
    share: float  # of the rows of the table
    low: float  # range of the other values
    high: float
    word: str = ""  # what it is read as: "never" (a time measure) or "no value"
    flag: str = ""  # name of the yes/no flag derived from it: "pdays = -1 (never)"
    reason: str = ""  # why it is a code, in plain words


@dataclass(frozen=True)
class PseudoLevel:
    """A category level that says the value is not known or does not apply."""

    value: str  # as written in the table: "Não informado", "No internet service"
    reading: str  # NOT_KNOWN or NOT_APPLICABLE
    count: int


# ------------------------------------------------------------------------------- sentinels


def find_sentinel(ordered: np.ndarray, n_rows: int) -> Sentinel | None:
    """The code at either end of the sorted finite values ``ordered``, if one stands apart.

    Below: a negative code (-1, -9, -99 ...) under values that are all non-negative.  Above:
    an all-nines code (99, 999 ...) more than twice the next largest value or beyond the
    others' 3 IQR fence.  Either way the code repeats (``MIN_ROWS`` rows and ``MIN_SHARE`` of
    the values) and the other values are a measure of their own (``MIN_OTHER_VALUES``).
    """
    if ordered.size == 0:
        return None
    return _low_sentinel(ordered, n_rows) or _high_sentinel(ordered, n_rows)


def given_sentinel(ordered: np.ndarray, n_rows: int, code: float) -> Sentinel | None:
    """The code the user named in ``[columns]`` (None if no value holds it)."""
    at = np.searchsorted(ordered, code, side="left")
    count = int(np.searchsorted(ordered, code, side="right") - at)
    if count == 0:
        return None
    others = np.concatenate([ordered[:at], ordered[at + count :]])
    low, high = (float(others[0]), float(others[-1])) if others.size else (code, code)
    return Sentinel(code, count, count / n_rows, low, high)


def _low_sentinel(ordered: np.ndarray, n_rows: int) -> Sentinel | None:
    code = float(ordered[0])
    if code not in LOW_CODES:
        return None
    count = int(np.searchsorted(ordered, code, side="right"))
    others = ordered[count:]
    if not _repeats(count, ordered.size) or not _measure(others) or others[0] < 0:
        return None
    return Sentinel(code, count, count / n_rows, float(others[0]), float(others[-1]))


def _high_sentinel(ordered: np.ndarray, n_rows: int) -> Sentinel | None:
    code = float(ordered[-1])
    if code not in HIGH_CODES:
        return None
    count = ordered.size - int(np.searchsorted(ordered, code, side="left"))
    others = ordered[: ordered.size - count]
    if not _repeats(count, ordered.size) or not _measure(others):
        return None
    q1, q3 = np.percentile(others, [25, 75])
    fence = q3 + FENCE_IQR * (q3 - q1)
    if not (code > FAR * others[-1] or (q3 > q1 and code > fence)):
        return None
    return Sentinel(code, count, count / n_rows, float(others[0]), float(others[-1]))


def _repeats(count: int, n_values: int) -> bool:
    return count >= MIN_ROWS and count >= MIN_SHARE * n_values


def _measure(others: np.ndarray) -> bool:
    """The values beside the code vary enough to be a measure (-1/0/1 is a scale)."""
    if others.size == 0:
        return False
    return 1 + int(np.count_nonzero(others[1:] != others[:-1])) >= MIN_OTHER_VALUES


def named(found: Sentinel, column: str, timed: bool, taken: Iterable[str]) -> Sentinel:
    """The sentinel with its reading, the derived flag's name and the reason in words.

    A time measure (a duration, "days since") that says -1 means "never"; any other measure
    "no value".  The flag's name is unique among ``taken`` column names.
    """
    word = "never" if timed or _says_time(column) else "no value"
    code = _number(found.code)
    flag = f"{column} = {code} ({word})"
    names = set(taken)
    while flag in names:
        flag += " (derived)"
    side = "below" if found.code < found.low else "above"
    reason = (
        f"{code} in {found.count:,} rows ({percent(found.share)}) stands apart {side} the other "
        f"values ({_number(found.low)}-{_number(found.high)}): read as a code for '{word}', "
        "not a number"
    )
    return Sentinel(found.code, found.count, found.share, found.low, found.high, word, flag, reason)


def _says_time(column: str) -> bool:
    return has_word(column, _TIME_WORDS) is not None


# ------------------------------------------------------------------------------ pseudo-levels


def pseudo_levels(counts: Iterable[tuple[str, int]]) -> tuple[PseudoLevel, ...]:
    """The levels among ``counts`` (level, rows) that say "not known" or "not applicable".

    "No internet service" is read as not applicable only beside Yes and No (it is then the
    third answer of a yes/no question); at least one ordinary level must remain.
    """
    pairs = list(counts)
    keys = [_level_key(value) for value, _ in pairs]
    found: list[PseudoLevel] = []
    ordinary: set[str] = set()
    for (value, count), key in zip(pairs, keys, strict=True):
        reading = _LEVELS.get(key)
        if reading is not None:
            found.append(PseudoLevel(value, reading, count))
        else:
            ordinary.add(key)
    no_something = {p for p in ordinary if _NO_SOMETHING.match(p)}
    if no_something and ordinary - no_something == _FLAG_WORDS:
        found += [
            PseudoLevel(value, NOT_APPLICABLE, count)
            for (value, count), key in zip(pairs, keys, strict=True)
            if key in no_something
        ]
        ordinary -= no_something
    if not ordinary:
        return ()
    return tuple(sorted(found, key=lambda p: (-p.count, p.value)))


def _level_key(value: str) -> str:
    """The level as the rules compare it.  A long text (a free-text note, a pasted document)
    is no "not known" or "no ..." answer: it is an ordinary level, told in constant time
    rather than normalised in full (a 10 MB cell took seconds per call)."""
    return _LONG_TEXT if len(value) > MAX_LEVEL_TEXT else plain(value)


def plain(text: str) -> str:
    """A level as the rules compare it: lower case, no accents, single spaces, no end dot."""
    flat = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", flat).strip().lower().rstrip(".")


def describe_levels(levels: Iterable[PseudoLevel]) -> str:
    """ "'Não informado' (1,519 rows) read as not known", for reasons and alerts."""
    return "; ".join(f"'{p.value}' ({p.count:,} rows) read as {p.reading}" for p in levels)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
