"""Stage 2, profile: what each column is and what is wrong with the table.

Roles decide what the later stages do with a column (cluster it, describe it, ignore it), so
every role comes with a reason a user can read in the report.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

from reportgen.errors import InputError
from reportgen.formatting import percent, spell_date
from reportgen.profiling import codes, meanings
from reportgen.profiling.fences import EXTREME, OUTLIER, fences
from reportgen.reading.tables import MixedColumn

ROLES = (
    "identifier",
    "numeric",  # a numeric measure, clustered by default
    "categorical",
    "binary",  # a flag: 0/1, yes/no, true/false
    "coded_category",  # integer codes for a category, e.g. Channel 1/2, Region 1/2/3
    "date",
    "text",  # free text
    "constant",
)


@dataclass(frozen=True)
class Alert:
    """Something a user should know about the data."""

    kind: str  # "constant", "mostly_missing", "skewed", "extreme_outliers", "duplicate_rows",
    #            "duplicate_ids", "day_first_dates", "implausible_values", "missing",
    #            "sentinel_code", "pseudo_levels", "mixed_values"
    column: str | None
    message: str  # one plain sentence, e.g. "Income: 24 values (1.1%) are missing"
    severity: str = "warning"  # "info" or "warning"


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    role: str  # one of ROLES
    role_reason: str  # why this role, in plain words
    dtype: str  # pandas dtype as a string
    n_missing: int  # empty cells (a sentinel code is counted apart, in sentinel.count)
    missing_share: float
    n_distinct: int  # of the values, a sentinel code left out
    stats: dict[str, float]  # numeric: mean, std, min, q1, median, q3, max; dates: as ordinals
    #                          (of the values without a sentinel code)
    skew: float | None
    n_outliers: int  # beyond 1.5 IQR fences (numeric only, else 0)
    n_extreme: int  # beyond 3 IQR fences
    top_values: tuple[tuple[str, int], ...]  # categorical/binary/coded: up to 10 (value, count)
    meaning: str = "measure"  # what the column is about, one of meanings.MEANINGS
    meaning_reason: str = ""  # why, from its name and values
    meaning_detail: str = ""  # e.g. "month", "birth year", "recency", "phone"
    # a code such as -1 or 999 meaning "never"/"no value": left out of the measure's
    # statistics, missing for the features, and described per segment as a derived flag
    sentinel: codes.Sentinel | None = None
    # levels that say "not known"/"not applicable" ("Não informado", "No internet service"):
    # left out of the segment comparisons; beside Yes/No they leave a yes/no flag
    pseudo_levels: tuple[codes.PseudoLevel, ...] = ()

    @property
    def n_without_value(self) -> int:
        """Rows that give the measure no value: empty, or holding the sentinel code."""
        return self.n_missing + (self.sentinel.count if self.sentinel else 0)


@dataclass(frozen=True)
class Profile:
    n_rows: int
    n_columns: int
    columns: tuple[ColumnProfile, ...]
    alerts: tuple[Alert, ...]
    id_column: str | None
    n_duplicate_rows: int

    def column(self, name: str) -> ColumnProfile:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def by_role(self, role: str) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.role == role)

    def by_meaning(self, *kinds: str) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.meaning in kinds)


# --------------------------------------------------------------------------------------------
# Vocabulary used by the role rules.  Names are compared as lower-case tokens, see _tokens().

_ID_NAMES = frozenset(
    {"id", "customerid", "customer_id", "client_id", "cust_id", "user_id", "account", "uuid", "key"}
)
# A name whose last token is one of these reads as an id: "CustomerID", "Customer Id", "cust_key".
_ID_LAST_TOKENS = frozenset(
    {
        "id",
        "uuid",
        "guid",
        "key",
        "account",
        "customerid",
        "clientid",
        "custid",
        "userid",
        "memberid",
        "accountid",
    }
)
_CATEGORY_WORDS = frozenset(
    {
        "channel",
        "region",
        "country",
        "city",
        "state",
        "zone",
        "area",
        "segment",
        "category",
        "type",
        "class",
        "group",
        "code",
        "gender",
        "sex",
        "cluster",
        "tier",
        "status",
        "brand",
        "store",
        "branch",
        "department",
        "dept",
        "province",
        "district",
        "territory",
        "market",
        "method",
        "payment",
        "education",
        "marital",
        "level",
        "grade",
    }
)
_BIRTH_WORDS = frozenset({"birth", "yob", "born"})
_TEXT_FLAG_PAIRS = (
    frozenset({"yes", "no"}),
    frozenset({"y", "n"}),
    frozenset({"true", "false"}),
    frozenset({"t", "f"}),
)
_ROLES_WITH_TOP_VALUES = frozenset({"categorical", "binary", "coded_category", "constant"})

_ID_MIN_UNIQUE = 0.95  # an id-like name needs this share of unique values to be the identifier
_DUP_ID_MIN_UNIQUE = 0.5  # ...and from this share on, repeated values are reported as duplicate ids
_MIN_ROWS_FOR_VALUE_RULES = 20  # "all unique"/"running 1..n" mean little in a tiny table
_MAX_CODES = 12  # more integer codes than this reads as a count or measure
_MAX_ID_TEXT_LENGTH = 40
_MOSTLY_MISSING = 0.5
_SKEW_LIMIT = 1.0
_TOP_VALUES = 10
_MAX_EXAMPLES = 3
_MAX_LISTED_COLUMNS = 15
_MAX_AGE_FROM_BIRTH_YEAR = 100
_MAX_AGE = 110

_TOKEN_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+|[^\W\d_]+")


def _tokens(name: str) -> tuple[str, ...]:
    """Lower-case words of a column name, split on punctuation and camelCase ("CustomerID")."""
    return tuple(t.lower() for part in re.split(r"[\W_]+", name) for t in _TOKEN_RE.findall(part))


def _looks_like_id(name: str) -> bool:
    """True for names such as ID, CustomerID, customer_id, "Customer Id", uuid."""
    if name.strip().lower() in _ID_NAMES:
        return True
    tokens = _tokens(name)
    return bool(tokens) and tokens[-1] in _ID_LAST_TOKENS


# --------------------------------------------------------------------------------------------
# Formatting: every number a user reads goes through these, so messages look alike.


def _fmt_value(value: object) -> str:
    """A value as a user would write it: 3 not 3.0, 0.25 not 0.25000000001."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isfinite(number) and number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        if not math.isfinite(number) or abs(number) >= 1e15:
            return repr(number)
        if abs(number) >= 1:
            return f"{number:.2f}".rstrip("0").rstrip(".")
        return f"{number:.3g}"
    if isinstance(value, (pd.Timestamp, _dt.datetime)):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _fmt_count(n: int, word: str, plural: str | None = None) -> str:
    """ "1 value", "1,234 values"."""
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def _fmt_share(n: int, total: int) -> str:
    """The share ``n`` of ``total`` by the one percent rule (reportgen.formatting)."""
    return percent(n / total if total else 0.0)


def _list_columns(names: Sequence[str]) -> str:
    """Column names for an error message, shortened when the table is wide."""
    if len(names) <= _MAX_LISTED_COLUMNS:
        return ", ".join(names)
    rest = len(names) - _MAX_LISTED_COLUMNS
    return ", ".join(names[:_MAX_LISTED_COLUMNS]) + f", ... ({rest} more)"


# --------------------------------------------------------------------------------------------
# Facts about one column, each computed at most once and only when a rule needs it.


class _Column:
    """One column with lazily computed facts, so every rule reuses one pass over the values."""

    def __init__(self, name: str, series: pd.Series) -> None:
        self.name = name
        self.series = series
        self.tokens = _tokens(name)
        self.id_like_name = _looks_like_id(name)
        dtype = series.dtype
        if pd.api.types.is_bool_dtype(dtype):
            self.kind = "bool"
        elif pd.api.types.is_numeric_dtype(dtype):
            self.kind = "numeric"
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            self.kind = "date"
        else:
            self.kind = "text"

    @cached_property
    def present(self) -> pd.Series:
        """Non-missing values, text as strings (mixed object columns then sort alike).

        Infinite numbers count as missing: they have no place on a scale and would turn every
        statistic into inf/NaN.  The index is reset: pandas otherwise hashes a large index on
        some array conversions.
        """
        values = self.series.dropna().reset_index(drop=True)
        if self.kind == "numeric" and pd.api.types.is_float_dtype(values.dtype):
            finite = np.isfinite(values.to_numpy(dtype=float))
            if not finite.all():
                values = values[finite].reset_index(drop=True)
        if self.kind == "text" and (
            values.dtype == object or not pd.api.types.is_string_dtype(values.dtype)
        ):
            values = values.astype(str)
        return values

    @cached_property
    def n_missing(self) -> int:
        return len(self.series) - len(self.present)

    @cached_property
    def n_distinct(self) -> int:
        if self.kind == "numeric":
            ordered = self.ordered
            return int(ordered.size and 1 + np.count_nonzero(ordered[1:] != ordered[:-1]))
        return int(self.present.nunique())

    @cached_property
    def counts(self) -> pd.Series:
        """Value counts, most frequent first."""
        return self.present.value_counts(sort=True)

    @cached_property
    def ordered(self) -> np.ndarray:
        """Non-missing numbers sorted (numeric columns only).

        One sort gives distinct count, quantiles, fences and extremes, and is faster than hashing.
        """
        if pd.api.types.is_integer_dtype(self.series.dtype) and self.n_missing == 0:
            values = self.present.to_numpy()
        else:
            values = self.present.to_numpy(dtype=float)
        return np.sort(values)

    @cached_property
    def numbers(self) -> np.ndarray:
        """Sorted non-missing numbers as floats (numeric columns only)."""
        return self.ordered.astype(float, copy=False)

    @cached_property
    def is_integral(self) -> bool:
        if pd.api.types.is_integer_dtype(self.ordered.dtype):
            return True
        values = self.numbers
        return bool(np.all(np.isfinite(values)) and np.array_equal(values, np.round(values)))

    @cached_property
    def distinct_share(self) -> float:
        return self.n_distinct / len(self.present) if len(self.present) else 0.0

    @cached_property
    def pseudo(self) -> tuple[codes.PseudoLevel, ...]:
        """Text levels that say "not known" or "not applicable" (see reportgen.profiling.codes)."""
        if self.kind != "text" or self.n_distinct > codes.MAX_LEVELS:
            return ()
        return codes.pseudo_levels((str(v), int(n)) for v, n in self.counts.items())

    @cached_property
    def pseudo_values(self) -> frozenset[str]:
        return frozenset(p.value for p in self.pseudo)


@dataclass(frozen=True)
class _Role:
    role: str
    reason: str


_FEW_LEVELS = 20  # levels handed to the meaning rules
_SAMPLE_TEXTS = 200  # text values they may look at


def _check_names(
    corrections: Mapping[str, object], id_column: str | None, names: Sequence[str]
) -> None:
    """The columns ``[columns]`` and ``--id-column`` name are in the table; the messages
    name the section or flag, which the user wrote the name in, not the file."""
    for name in corrections:
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            hint = (
                f"did you mean '{close[0]}'?" if close else f"columns are: {_list_columns(names)}"
            )
            raise InputError(
                f"[columns] names '{name}', which is not a column of the table; {hint}",
                where="[columns]",
            )
    if id_column is not None and id_column not in names:
        raise InputError(
            f"--id-column '{id_column}' is not a column of the table; "
            f"columns are: {_list_columns(names)}",
            where="--id-column",
        )


def _corrected(
    name: str, corrections: Mapping[str, Mapping[str, object]]
) -> meanings.Meaning | None:
    """The meaning the user set in ``[columns]``, if any (an ``event`` alone means outcome)."""
    given = corrections.get(name)
    if not given:
        return None
    if "meaning" not in given and "event" not in given:
        return None
    kind = str(given.get("meaning", "outcome"))
    event = given.get("event")
    detail = str(event) if event is not None else ""
    return meanings.Meaning(kind, "set in reportgen.toml [columns]", detail)


def _given_code(name: str, corrections: Mapping[str, Mapping[str, object]]) -> float | bool | None:
    """``sentinel = -1`` in ``[columns]``: the code that means "none" (False: none at all)."""
    code = corrections.get(name, {}).get("sentinel")
    return code if isinstance(code, (int, float)) else None


def _meaning(col: _Column, role: _Role) -> meanings.Meaning:
    """The column's meaning from its name and the facts already computed."""
    low = high = None
    between = 0.0
    if col.kind == "numeric" and col.numbers.size:
        numbers = col.numbers
        low, high = float(numbers[0]), float(numbers[-1])
        inside = np.searchsorted(numbers, 1.0, "left") - np.searchsorted(numbers, 0.0, "right")
        between = float(inside) / numbers.size
    few = col.n_distinct <= _FEW_LEVELS and col.kind in ("text", "bool", "numeric")
    # "unknown" and "No internet service" are not values: the rules see the others
    known = [v for v in col.counts.index if str(v) not in col.pseudo_values] if few else []
    levels = tuple(str(v).strip().lower() for v in known)
    sample: tuple[str, ...] = ()
    if col.kind == "text":
        sample = tuple(str(v) for v in col.present.iloc[:_SAMPLE_TEXTS])
    return meanings.decide(
        meanings.Facts(
            name=col.name,
            kind=col.kind,
            role=role.role,
            role_reason=role.reason,
            n_present=len(col.present),
            n_distinct=col.n_distinct,
            n_rows=len(col.series),
            low=low,
            high=high,
            integral=col.kind == "numeric" and col.numbers.size > 0 and col.is_integral,
            levels=levels,
            sample=sample,
            fraction_between=between,
        )
    )


# --------------------------------------------------------------------------------------------
# Role rules: each returns a _Role when it applies, else None; _decide_role tries them in order.


def _constant_role(col: _Column) -> _Role | None:
    """A column with one value (or none) cannot tell customers apart."""
    if col.n_distinct == 0:
        return _Role("constant", "every value is missing")
    if col.n_distinct == 1:
        return _Role("constant", f"every value is {_fmt_value(col.present.iloc[0])}")
    return None


def _date_role(col: _Column, date_format: str | None) -> _Role | None:
    """Dates are described, never clustered as numbers."""
    if col.kind != "date":
        return None
    how = {
        "day-first": "written day first",
        "month-first": "written month first",
        "iso": "written year-month-day",
    }.get(date_format or "")
    return _Role("date", f"dates, {how}" if how else "dates")


def _identifier_role(col: _Column, n_rows: int) -> _Role | None:
    """Ids label customers but say nothing about them, so they must not be clustered."""
    n_present = len(col.present)
    if col.id_like_name and col.kind != "date" and col.distinct_share >= _ID_MIN_UNIQUE:
        if col.n_distinct == n_present:
            return _Role(
                "identifier", f"the name '{col.name}' reads as an id and every value is unique"
            )
        return _Role(
            "identifier",
            f"the name '{col.name}' reads as an id and "
            f"{_fmt_share(col.n_distinct, n_present)} of values are unique",
        )
    if n_present < _MIN_ROWS_FOR_VALUE_RULES or col.n_distinct != n_present:
        return None
    if col.kind == "text":
        texts = col.present
        if (
            texts.str.contains(" ", regex=False).mean() < 0.5
            and texts.str.len().median() <= _MAX_ID_TEXT_LENGTH
        ):
            return _Role("identifier", "every value is unique")
        return None
    if col.kind == "numeric" and col.n_missing == 0 and col.is_integral:
        # Incomes can be unique too; only a running number 1..n or 0..n-1 says "row label".
        low, high = col.numbers.min(), col.numbers.max()
        if low in (0.0, 1.0) and high == low + n_rows - 1:
            return _Role(
                "identifier",
                f"whole numbers {_fmt_value(low)}–{_fmt_value(high)} numbering the rows",
            )
    return None


def _binary_role(col: _Column) -> _Role | None:
    """Two-valued flags are summarised as shares, not means of a measure."""
    if col.kind == "bool":
        return _Role("binary", "a true/false flag") if col.n_distinct == 2 else None
    if col.kind == "numeric":
        if col.n_distinct == 2 and col.numbers.min() == 0 and col.numbers.max() == 1:
            return _Role("binary", "a 0/1 flag")
        return None
    if col.kind == "text" and col.n_distinct <= 2 * len(_TEXT_FLAG_PAIRS):
        # Yes/No beside "No internet service" or "unknown" is a flag that does not always apply
        levels = [v for v in col.counts.index if str(v) not in col.pseudo_values]
        lowered = frozenset(str(v).strip().lower() for v in levels)
        for pair in _TEXT_FLAG_PAIRS:
            if lowered == pair:
                first, second = sorted(pair, key=lambda word: word in ("no", "n", "false", "f"))
                also = f"; {codes.describe_levels(col.pseudo)}" if col.pseudo else ""
                return _Role("binary", f"a {first}/{second} flag{also}")
    return None


def _coded_category_role(col: _Column) -> _Role | None:
    """Integer codes (Region 1/2/3) are labels; averaging them would be meaningless."""
    if col.kind != "numeric" or not 2 <= col.n_distinct <= _MAX_CODES or not col.is_integral:
        return None
    span = f"whole numbers {_fmt_value(col.numbers.min())}–{_fmt_value(col.numbers.max())}"
    if _CATEGORY_WORDS.intersection(col.tokens):
        return _Role("coded_category", f"{span} coding a category (name '{col.name}')")
    if col.n_distinct == 2:
        return _Role("coded_category", f"{span} coding a category (only two different values)")
    return None


def _measure_or_text_role(col: _Column, n_rows: int) -> _Role:
    """What is left: numbers are measures; text is a category unless nearly every value differs."""
    if col.kind == "numeric":
        if col.n_distinct <= _MAX_CODES and col.is_integral:
            span = f"{_fmt_value(col.numbers.min())}–{_fmt_value(col.numbers.max())}"
            return _Role(
                "numeric", f"whole numbers {span} read as a count (the name has no category word)"
            )
        return _Role("numeric", f"a measure with {_fmt_count(col.n_distinct, 'different value')}")
    if col.kind == "bool":  # a bool column with two values was caught as binary
        return _Role("binary", "a true/false flag")
    if col.n_distinct <= max(50, 0.05 * n_rows) or col.distinct_share <= 0.5:
        return _Role("categorical", f"text with {_fmt_count(col.n_distinct, 'different value')}")
    return _Role(
        "text",
        f"free text: {_fmt_count(col.n_distinct, 'different value')} in "
        f"{_fmt_count(len(col.present), 'row')}",
    )


def _decide_role(
    col: _Column, n_rows: int, *, explicit_id: str | None, date_format: str | None
) -> _Role:
    """The first rule that applies wins; the user's --id-column overrides every rule."""
    if explicit_id:
        return _Role("identifier", explicit_id)
    return (
        _constant_role(col)
        or _date_role(col, date_format)
        or _identifier_role(col, n_rows)
        or _binary_role(col)
        or _coded_category_role(col)
        or _measure_or_text_role(col, n_rows)
    )


@dataclass(frozen=True)
class _Read:
    """A column as the profile reads it: the values (a sentinel code taken out), role,
    meaning, and the sentinel."""

    column: _Column
    role: _Role
    meaning: meanings.Meaning
    sentinel: codes.Sentinel | None = None


_NOT_MEASURED = frozenset({"identifier", "sequence", "contact", "constant"})


def _read_column(
    col: _Column,
    n_rows: int,
    *,
    explicit_id: str | None,
    date_format: str | None,
    names: Sequence[str],
    corrected: meanings.Meaning | None = None,
    code: float | bool | None = None,
    mixed: MixedColumn | None = None,
) -> _Read:
    """Role and meaning of a column; a measure with a sentinel code is read without it; the
    meaning the user ``corrected`` in ``[columns]`` wins, and so does a sentinel ``code`` given
    there (False: read no code).  Dates mixed with numbers that the loader left as text
    (``mixed``) are text whatever their values look like: not an id, not a category.

    The code (-1 for "never", 999 for "none") would otherwise decide the range, the role and
    the meaning (a day count with -1 is no duration), and show up as an outlier.  It is kept
    only when the other values are a measure: in an id or a coded category it is a label.
    """
    if corrected is not None:
        read = _role_and_meaning(col, n_rows, explicit_id, date_format)
        role = read.role
        if corrected.kind == "identifier":
            role = _Role("identifier", corrected.reason)
        return replace(read, role=role, meaning=corrected)
    if mixed is not None and not mixed.read_as_dates:
        reason = f"{mixed.counts} in one column: neither dates nor a measure"
        return _Read(col, _Role("text", reason), meanings.Meaning("text", reason))
    found = None
    if col.kind == "numeric" and code is not None and code is not False:
        found = codes.given_sentinel(col.numbers, n_rows, float(code))
    elif col.kind == "numeric" and not explicit_id and code is not False:
        found = codes.find_sentinel(col.numbers, n_rows)
    if found is not None:
        cleaned = _Column(col.name, col.series.where(col.series != found.code))
        read = _role_and_meaning(cleaned, n_rows, None, date_format)
        if read.role.role == "numeric" and read.meaning.kind not in _NOT_MEASURED:
            timed = read.meaning.kind in ("duration", "calendar")
            sentinel = codes.named(found, col.name, timed, names)
            meaning = replace(read.meaning, reason=f"{read.meaning.reason}; {sentinel.reason}")
            return replace(read, meaning=meaning, sentinel=sentinel)
    read = _role_and_meaning(col, n_rows, explicit_id, date_format)
    if read.role.role in ("categorical", "binary") and col.pseudo:
        also = codes.describe_levels(col.pseudo)
        read = replace(read, meaning=replace(read.meaning, reason=f"{read.meaning.reason}; {also}"))
    return read


def _role_and_meaning(
    col: _Column, n_rows: int, explicit_id: str | None, date_format: str | None
) -> _Read:
    role = _decide_role(col, n_rows, explicit_id=explicit_id, date_format=date_format)
    meaning = _meaning(col, role)
    # a unique number that reads as a code (Loyalty Number, CLIENTNUM) names customers
    if meaning.kind == "identifier" and role.role != "identifier":
        role = _Role("identifier", meaning.reason)
    return _Read(col, role, meaning)


# --------------------------------------------------------------------------------------------
# Statistics.


@dataclass(frozen=True)
class _Spread:
    stats: dict[str, float]
    skew: float | None
    n_outliers: int
    n_extreme: int
    extreme_values: tuple[float, ...]  # up to _MAX_EXAMPLES, farthest from the median first


def _numeric_spread(col: _Column, *, measure: bool) -> _Spread:
    """Summary stats from the sorted values; skew and IQR outliers only for measures."""
    values = col.numbers  # sorted
    if values.size == 0:
        return _Spread({}, None, 0, 0, ())
    low, q1, median, q3, high = _sorted_quantiles(values, (0.0, 0.25, 0.5, 0.75, 1.0))
    std = float(values.std(ddof=1)) if values.size > 1 else 0.0
    stats = {
        "mean": float(values.mean()),
        "std": std,
        "min": low,
        "q1": q1,
        "median": median,
        "q3": q3,
        "max": high,
    }
    if not measure:
        return _Spread(stats, None, 0, 0, ())
    skew = float(col.present.skew())
    skew_or_none = None if math.isnan(skew) else skew
    n_outliers = _count_outside(values, *fences(q1, q3, OUTLIER))
    if q3 - q1 <= 0:
        return _Spread(stats, skew_or_none, n_outliers, 0, ())
    lo_fence, hi_fence = fences(q1, q3, EXTREME)
    n_extreme = _count_outside(values, lo_fence, hi_fence)
    if n_extreme == 0:
        return _Spread(stats, skew_or_none, n_outliers, 0, ())
    below = values[: np.searchsorted(values, lo_fence, side="left")]
    above = values[np.searchsorted(values, hi_fence, side="right") :]
    extreme = np.concatenate([below, above])  # still sorted
    candidates = extreme[np.r_[True, extreme[1:] != extreme[:-1]]]
    order = np.lexsort((candidates, -np.abs(candidates - median)))[:_MAX_EXAMPLES]
    return _Spread(
        stats, skew_or_none, n_outliers, n_extreme, tuple(float(v) for v in candidates[order])
    )


def _sorted_quantiles(ordered: np.ndarray, probabilities: Sequence[float]) -> list[float]:
    """numpy's default ("linear") quantiles, read off an already sorted array without a copy."""
    last = ordered.size - 1
    result = []
    for p in probabilities:
        position = p * last
        below = int(math.floor(position))
        above = min(below + 1, last)
        a, b = float(ordered[below]), float(ordered[above])
        t = position - below
        # numpy's lerp: interpolate from the nearer end so results match it exactly.
        result.append(b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t)
    return result


def _count_outside(ordered: np.ndarray, low: float, high: float) -> int:
    """How many sorted values lie below low or above high (binary search, no pass over values)."""
    n_below = int(np.searchsorted(ordered, low, side="left"))
    n_above = ordered.size - int(np.searchsorted(ordered, high, side="right"))
    return n_below + n_above


def _date_stats(col: _Column) -> dict[str, float]:
    """First and last date as ordinal day numbers."""
    if col.present.empty:
        return {}
    return {
        "min": float(col.present.min().toordinal()),
        "max": float(col.present.max().toordinal()),
    }


def _top_values(col: _Column) -> tuple[tuple[str, int], ...]:
    """Up to ten most frequent values; equal counts in value order so output is deterministic."""
    counts = col.counts
    if counts.empty:
        return ()
    cutoff = counts.iloc[min(_TOP_VALUES, len(counts)) - 1]
    top = counts[(counts >= cutoff).to_numpy()]
    frame = pd.DataFrame({"value": top.index, "count": top.to_numpy()})
    try:
        frame = frame.sort_values(["count", "value"], ascending=[False, True], kind="stable")
    except TypeError:  # mixed types in an object column: order ties by their text
        frame["text"] = frame["value"].map(_fmt_value)
        frame = frame.sort_values(["count", "text"], ascending=[False, True], kind="stable")
    head = frame.head(_TOP_VALUES)
    return tuple((_fmt_value(v), int(c)) for v, c in zip(head["value"], head["count"], strict=True))


# --------------------------------------------------------------------------------------------
# Alerts: one helper per kind, each returning a list (empty when nothing to say).


def _duplicate_rows_alert(n_duplicates: int, n_rows: int) -> list[Alert]:
    if n_duplicates == 0:
        return []
    rows = "row" if n_duplicates == 1 else "rows"
    verb = "is an exact duplicate" if n_duplicates == 1 else "are exact duplicates"
    return [
        Alert(
            "duplicate_rows",
            None,
            f"{n_duplicates:,} {rows} ({_fmt_share(n_duplicates, n_rows)}) {verb} of another row",
        )
    ]


def _duplicate_ids_alert(col: _Column) -> list[Alert]:
    """Repeated ids usually mean repeated customers or a join that went wrong."""
    if col.n_distinct == len(col.present):
        return []
    counts = col.counts
    repeated = counts[(counts > 1).to_numpy()]
    if repeated.empty:
        return []
    try:
        examples = sorted(repeated.index)[:_MAX_EXAMPLES]
    except TypeError:
        examples = sorted(repeated.index, key=_fmt_value)[:_MAX_EXAMPLES]
    n = len(repeated)
    verb = "appears" if n == 1 else "appear"
    return [
        Alert(
            "duplicate_ids",
            col.name,
            f"{col.name}: {_fmt_count(n, 'id')} {verb} more "
            f"than once, e.g. {', '.join(_fmt_value(v) for v in examples)}",
        )
    ]


def _constant_alert(col: _Column, role: _Role) -> list[Alert]:
    if role.role != "constant":
        return []
    return [
        Alert(
            "constant",
            col.name,
            f"{col.name} is constant ({role.reason}); it cannot separate customers",
        )
    ]


def _missing_alert(name: str, n: int, n_rows: int, meaning: str = "") -> list[Alert]:
    """Mostly empty columns are a warning; a few gaps are worth knowing but routine; the blanks
    of an event's date (not happened) and of calendar parts (not used) are only information."""
    if n == 0:
        return []
    text = f"{name}: {_fmt_count(n, 'value')} ({_fmt_share(n, n_rows)}) "
    if meaning == "outcome":
        text += "blank" if n == 1 else "are blank"
        return [Alert("missing", name, text + ": read as not happened", severity="info")]
    text += "is missing" if n == 1 else "are missing"
    if n / n_rows > _MOSTLY_MISSING and meaning != "calendar":
        return [Alert("mostly_missing", name, text + "; the column is mostly empty")]
    return [Alert("missing", name, text, severity="info")]


def _sentinel_alert(name: str, sentinel: codes.Sentinel | None) -> list[Alert]:
    """Say which number was read as a code, so nobody wonders where the -1s went."""
    if sentinel is None:
        return []
    return [
        Alert(
            "sentinel_code",
            name,
            f"{name}: {sentinel.reason}; it is missing for the measure, and the flag "
            f"'{sentinel.flag}' is described per segment",
            severity="info",
        )
    ]


def _mixed_alert(mixed: MixedColumn) -> Alert:
    """Dates with numbers among them: the odd values were set aside, or the column left out."""
    return Alert("mixed_values", mixed.column, mixed.message)


def _pseudo_levels_alert(
    name: str, levels: tuple[codes.PseudoLevel, ...], role: str
) -> list[Alert]:
    """Say which levels were read as not known or not applicable, and what follows."""
    if not levels:
        return []
    if role == "binary":
        use = "a yes/no flag for the other rows"
    else:
        use = "shown, but left out of the segment comparisons"
    return [
        Alert(
            "pseudo_levels",
            name,
            f"{name}: {codes.describe_levels(levels)}: {use}",
            severity="info",
        )
    ]


_NEVER_NEGATIVE = ("income", "salary", "wage", "wages", "earnings", "renda", "salario")


def _implausible_alert(col: _Column, today_year: int) -> list[Alert]:
    """Birth years or ages no living customer can have, and negative incomes, are typos or
    placeholder values."""
    if col.kind not in ("numeric", "date") or col.present.empty:
        return []
    parts: list[str] = []
    word = meanings.has_word(col.name, _NEVER_NEGATIVE) if col.kind == "numeric" else None
    if word and col.numbers[0] < 0:
        negative = col.numbers[col.numbers < 0]
        parts.append(
            f"{_fmt_count(negative.size, 'value')} "
            f"{'is' if negative.size == 1 else 'are'} negative ({_examples(negative)}): "
            f"a {word} cannot be; check the export"
        )
    if _BIRTH_WORDS.intersection(col.tokens):
        years = col.present.dt.year.to_numpy(dtype=float) if col.kind == "date" else col.numbers
        if np.median(years) < 1000:  # not years (e.g. a birth month 1..12)
            return []
        too_old = years[today_year - years > _MAX_AGE_FROM_BIRTH_YEAR]
        future = years[years > today_year]
        if too_old.size:
            parts.append(
                f"{_fmt_count(too_old.size, 'value')} "
                f"{'implies' if too_old.size == 1 else 'imply'} an age over "
                f"{_MAX_AGE_FROM_BIRTH_YEAR} ({_examples(too_old)})"
            )
        if future.size:
            parts.append(
                f"{_fmt_count(future.size, 'value')} "
                f"{'lies' if future.size == 1 else 'lie'} after {today_year}, "
                f"a negative age ({_examples(future)})"
            )
    elif "age" in col.tokens and col.kind == "numeric":
        bad = col.numbers[(col.numbers < 0) | (col.numbers > _MAX_AGE)]
        if bad.size:
            parts.append(
                f"{_fmt_count(bad.size, 'value')} "
                f"{'is' if bad.size == 1 else 'are'} not a plausible age "
                f"(below 0 or over {_MAX_AGE}: {_examples(bad)})"
            )
    if not parts:
        return []
    return [Alert("implausible_values", col.name, f"{col.name}: " + "; ".join(parts))]


def _examples(values: np.ndarray) -> str:
    """Up to five distinct values in ascending order, with an ellipsis when there are more."""
    distinct = np.unique(values)
    shown = ", ".join(_fmt_value(float(v)) for v in distinct[:5])
    return shown + (", ..." if distinct.size > 5 else "")


def _extreme_alert(name: str, n: int, extreme_values: Sequence[float]) -> list[Alert]:
    if n == 0:
        return []
    examples = ", ".join(_fmt_value(v) for v in extreme_values)
    return [
        Alert(
            "extreme_outliers",
            name,
            f"{name}: {_fmt_count(n, 'extreme outlier')} (beyond 3 IQR), e.g. {examples}",
        )
    ]


def _skewed_alert(col: _Column, spread: _Spread) -> list[Alert]:
    """Strong skew means the clustering should scale or log-transform the column."""
    if spread.skew is None or abs(spread.skew) <= _SKEW_LIMIT:
        return []
    return [
        Alert(
            "skewed",
            col.name,
            f"{col.name} is highly skewed (skew {spread.skew:.2f})",
            severity="info",
        )
    ]


def _day_first_alert(col: _Column, date_format: str | None) -> list[Alert]:
    """Day-first dates are read wrongly without error by month-first tools; say how we read them."""
    if col.kind != "date" or date_format != "day-first":
        return []
    if col.present.empty:
        example = ""
    else:
        first = pd.Timestamp(col.present.min())
        example = f" ({first:%d-%m-%Y} = {spell_date(first)})"
    return [
        Alert(
            "day_first_dates",
            col.name,
            f"{col.name} is written day first{example}; dates were read that way",
            severity="info",
        )
    ]


# --------------------------------------------------------------------------------------------
# Table-level facts.


def _count_duplicate_rows(frame: pd.DataFrame, columns: Sequence[_Column]) -> int:
    """Rows equal to an earlier row in every column.

    Exact, but fast: a duplicate row must repeat the value of the most varied column, so only
    rows that do are compared in full.
    """
    if len(frame) < 2 or frame.shape[1] == 0:
        return 0
    widest = max(
        range(len(columns)), key=lambda i: (columns[i].n_distinct + (columns[i].n_missing > 0), -i)
    )
    col = columns[widest]
    if col.n_missing == 0 and col.n_distinct == len(frame):
        return 0
    candidates = frame.iloc[:, widest].duplicated(keep=False).to_numpy()
    if not candidates.any():
        return 0
    return int(frame.loc[candidates].duplicated().sum())


def _pick_id_column(columns: Sequence[_Column], roles: Sequence[_Role]) -> str | None:
    """The first identifier, preferring one whose name says it is an id."""
    found = [c for c, r in zip(columns, roles, strict=True) if r.role == "identifier"]
    named = [c for c in found if c.id_like_name]
    chosen = named or found
    return chosen[0].name if chosen else None


# --------------------------------------------------------------------------------------------


def profile(
    frame: pd.DataFrame,
    *,
    id_column: str | None = None,
    date_formats: Mapping[str, str] | None = None,
    today_year: int | None = None,
    id_reason: str = "chosen with --id-column",
    corrections: Mapping[str, Mapping[str, object]] | None = None,
    mixed: Sequence[MixedColumn] = (),
) -> Profile:
    """Give every column a role with a reason, summarise it, and list what looks wrong.

    ``id_reason`` says why ``id_column`` names the customers (the flag, or a log's customers);
    ``corrections`` are the config's ``[columns]`` (column -> meaning, event): they win.
    ``mixed`` are the loader's columns of dates with other values among them: each gets an
    alert, also when it is not in ``frame`` (a transaction log's date column).

    ``id_column`` is the user's --id-column (it overrides the guess); ``date_formats`` comes
    from the loader (column -> "day-first"/"month-first"/"iso"); ``today_year`` is the year
    that birth years and ages are judged against (default: this year).
    """
    # absurd values (1e300) overflow the moments; they are reported, not printed as warnings
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _profile(
            frame, id_column, date_formats, today_year, id_reason, corrections or {}, mixed
        )


def _column_profile(
    col: _Column,
    role: _Role,
    meaning: meanings.Meaning,
    sentinel: codes.Sentinel | None,
    n_rows: int,
) -> tuple[ColumnProfile, _Spread]:
    """One column's profile, and its spread (for the alerts)."""
    n_missing = col.n_missing - (sentinel.count if sentinel else 0)
    pseudo = col.pseudo if role.role in ("categorical", "binary") else ()
    spread = _Spread({}, None, 0, 0, ())
    if col.kind == "numeric":
        spread = _numeric_spread(col, measure=role.role == "numeric")
    stats = _date_stats(col) if col.kind == "date" else spread.stats
    top = _top_values(col) if role.role in _ROLES_WITH_TOP_VALUES else ()
    profile = ColumnProfile(
        name=col.name,
        role=role.role,
        role_reason=role.reason,
        dtype=str(col.series.dtype),
        n_missing=n_missing,
        missing_share=n_missing / n_rows if n_rows else 0.0,
        n_distinct=col.n_distinct,
        stats=stats,
        skew=spread.skew,
        n_outliers=spread.n_outliers,
        n_extreme=spread.n_extreme,
        top_values=top,
        meaning=meaning.kind,
        meaning_reason=meaning.reason,
        meaning_detail=meaning.detail,
        sentinel=sentinel,
        pseudo_levels=pseudo,
    )
    return profile, spread


def _column_alerts(
    col: _Column,
    role: _Role,
    profile: ColumnProfile,
    spread: _Spread,
    n_rows: int,
    year: int,
    date_format: str | None,
) -> list[Alert]:
    """What the report warns of for one column."""
    alerts: list[Alert] = []
    if role.role == "identifier" or (
        col.id_like_name and col.kind != "date" and col.distinct_share >= _DUP_ID_MIN_UNIQUE
    ):
        alerts += _duplicate_ids_alert(col)
    alerts += _constant_alert(col, role)
    alerts += _missing_alert(col.name, profile.n_missing, n_rows, profile.meaning)
    alerts += _sentinel_alert(col.name, profile.sentinel)
    alerts += _pseudo_levels_alert(col.name, profile.pseudo_levels, role.role)
    alerts += _implausible_alert(col, year)
    alerts += _extreme_alert(col.name, spread.n_extreme, spread.extreme_values)
    alerts += _skewed_alert(col, spread)
    alerts += _day_first_alert(col, date_format)
    return alerts


def _profile(
    frame: pd.DataFrame,
    id_column: str | None,
    date_formats: Mapping[str, str] | None,
    today_year: int | None,
    id_reason: str,
    corrections: Mapping[str, Mapping[str, object]],
    mixed: Sequence[MixedColumn],
) -> Profile:
    names = [str(c) for c in frame.columns]
    _check_names(corrections, id_column, names)
    year = today_year if today_year is not None else _dt.date.today().year
    formats = dict(date_formats or {})
    n_rows = len(frame)
    mixed_in = {m.column: m for m in mixed}

    read = [
        _read_column(
            _Column(name, frame.iloc[:, i]),
            n_rows,
            explicit_id=id_reason if name == id_column else None,
            date_format=formats.get(name),
            names=names,
            corrected=_corrected(name, corrections),
            code=_given_code(name, corrections),
            mixed=mixed_in.get(name),
        )
        for i, name in enumerate(names)
    ]
    columns = [r.column for r in read]
    roles = [r.role for r in read]
    found = [r.meaning for r in read]
    chosen_id = id_column if id_column is not None else _pick_id_column(columns, roles)
    n_duplicates = _count_duplicate_rows(frame, columns)

    profiles: list[ColumnProfile] = []
    alerts: list[Alert] = _duplicate_rows_alert(n_duplicates, n_rows)
    alerts += [_mixed_alert(m) for m in mixed if m.column not in names]  # a log's source column
    for col, role, meaning, sentinel in zip(
        columns, roles, found, (r.sentinel for r in read), strict=True
    ):
        profile, spread = _column_profile(col, role, meaning, sentinel, n_rows)
        profiles.append(profile)
        if col.name in mixed_in:
            alerts.append(_mixed_alert(mixed_in[col.name]))
        alerts += _column_alerts(col, role, profile, spread, n_rows, year, formats.get(col.name))

    return Profile(
        n_rows=n_rows,
        n_columns=len(columns),
        columns=tuple(profiles),
        alerts=tuple(alerts),
        id_column=chosen_id,
        n_duplicate_rows=n_duplicates,
    )


# --------------------------------------------------------------------------------------------
# Whole-table statistics from an engine that profiles a sample (the Spark engine).


@dataclass(frozen=True)
class ColumnTotals:
    """One column's statistics over the whole table, computed where the table lives."""

    n_missing: int  # empty cells, not counting a sentinel code
    n_distinct: int  # may be approximate (HyperLogLog) on large tables
    stats: dict[str, float]  # the keys ColumnProfile.stats has for the column's kind
    n_outliers: int = 0
    n_extreme: int = 0
    extreme_values: tuple[float, ...] = ()
    top_values: tuple[tuple[str, int], ...] = ()
    n_coded: int = 0  # rows holding the column's sentinel code


_COUNTED_IN_SAMPLE = (
    "duplicate_rows",
    "duplicate_ids",
    "implausible_values",
    "sentinel_code",
    "pseudo_levels",
)
_RECOUNTED = ("missing", "mostly_missing", "extreme_outliers")


def with_totals(sample: Profile, n_rows: int, totals: Mapping[str, ColumnTotals]) -> Profile:
    """A sample's profile with whole-table counts and statistics put in.

    Roles, skew and the checks that need every value side by side (duplicates, implausible
    values) come from the sample, and alerts that count something in it say so; missing values
    and extreme outliers are recounted over all ``n_rows`` rows.
    """
    columns = []
    alerts: list[Alert] = []
    for col in sample.columns:
        total = totals.get(col.name)
        if total is None:
            columns.append(col)
            continue
        columns.append(
            replace(
                col,
                n_missing=total.n_missing,
                missing_share=total.n_missing / n_rows if n_rows else 0.0,
                # HyperLogLog may overshoot: never more distinct values than values
                n_distinct=min(total.n_distinct, n_rows - total.n_missing),
                stats=total.stats or col.stats,
                n_outliers=total.n_outliers if col.role == "numeric" else col.n_outliers,
                n_extreme=total.n_extreme if col.role == "numeric" else col.n_extreme,
                top_values=total.top_values if col.top_values else (),
                sentinel=_recounted(col.sentinel, total.n_coded, n_rows),
            )
        )
    recounted = {c.name for c in columns if c.name in totals}
    note = f" (in a seeded sample of {sample.n_rows:,} rows)" if sample.n_rows < n_rows else ""
    for alert in sample.alerts:
        if alert.kind in _RECOUNTED and alert.column in recounted:
            continue
        if alert.kind in _COUNTED_IN_SAMPLE and note:
            alert = replace(alert, message=alert.message + note)
        alerts.append(alert)
    for name, total in totals.items():
        alerts += _missing_alert(name, total.n_missing, n_rows, sample.column(name).meaning)
        if sample.column(name).role == "numeric":
            alerts += _extreme_alert(name, total.n_extreme, total.extreme_values)
    # in the local profile's order: table-wide alerts first, then column by column
    position = {c.name: i for i, c in enumerate(sample.columns)}
    kinds: tuple[str, ...] = ("mixed_values", "duplicate_ids", "constant", "missing")
    kinds += ("mostly_missing",)
    kinds += ("sentinel_code", "pseudo_levels")
    kinds += ("implausible_values", "extreme_outliers", "skewed", "day_first_dates")
    alerts.sort(
        key=lambda a: (
            -1 if a.column is None else position.get(a.column, len(position)),
            kinds.index(a.kind) if a.kind in kinds else len(kinds),
        )
    )
    return replace(sample, n_rows=n_rows, columns=tuple(columns), alerts=tuple(alerts))


def _recounted(sentinel: codes.Sentinel | None, count: int, n_rows: int) -> codes.Sentinel | None:
    """The sentinel with its whole-table count (its reason keeps the sample's words)."""
    if sentinel is None:
        return None
    return replace(sentinel, count=count, share=count / n_rows if n_rows else 0.0)


def format_value(value: object) -> str:
    """A value as the profile prints it (whole floats without ".0", dates as ISO)."""
    return _fmt_value(value)
