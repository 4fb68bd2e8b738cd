"""Stage 3, features: choose the clustering columns and make them comparable.

Each decision (which columns, imputation, log transform, outlier limits, scaling) is kept in
a ``FeatureSpec`` with its reason, so the report can explain it and a saved model can apply the
very same steps to next month's customers (``apply_specs``).

Codes that are not values (see reportgen.profiling.codes) are settled here too: a measure's sentinel
code (-1 for "never") is missing before the median is imputed, and is kept in the spec so a
saved model does the same; the rows that hold it become a derived yes/no flag
(``DerivedFlag``), described per segment like the table's own flags; and the levels a
described column holds for "not known" are listed in ``FeatureMatrix.not_known`` so the
segment comparisons leave them out.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from reportgen.errors import InputError
from reportgen.formatting import percent
from reportgen.profiling import meanings
from reportgen.profiling.fences import EXTREME, fences
from reportgen.profiling.profile import ColumnProfile, Profile
from reportgen.segmenting import descriptors as describing
from reportgen.segmenting import steps

SKEW_LIMIT = 0.75  # skew above this (after limiting extremes) suggests a log transform
SPAN_LIMIT = 20.0  # so does a 95th percentile 20x the 5th
FENCE_IQR = EXTREME  # values beyond Q1 - 3 IQR / Q3 + 3 IQR are pulled in to the fence
MOSTLY_MISSING = 0.5
HUGE = 1e15  # no customer measure is this large; such values are export errors
DECISION_ROWS = 1_000_000  # rows that decide median, transform and limits on large tables
NEAR_DUPLICATE = 0.95  # a feature this correlated with one already chosen adds nothing
ALMOST_CONSTANT = 0.95  # one value for this share of customers: a handful would decide k
CORRELATION_ROWS = 20_000  # rows the near-duplicate check looks at
BOUNDED = frozenset({"share", "score"})  # fixed scales: never log-transformed or limited

_MEANING_REASONS = {
    "identifier": "identifier: names customers, says nothing about them",
    "sequence": "a sequence number (orders, invoices, lines): numbers documents, not customers",
    "calendar": "a calendar part: a point in the calendar, not an amount",
    "contact": "contact or personal data: never used or charted",
    "outcome": "an outcome: not clustered, its rate is shown per segment",
    "age": "an age: describes who customers are; shown per segment, not clustered",
    "household": "household members: describe who customers are; shown per segment",
}
_DROP_REASONS = {
    "identifier": "identifier: names customers, says nothing about them",
    "constant": "constant: the same value for every customer",
    "binary": "a yes/no flag: described per segment, not clustered",
    "coded_category": "whole numbers that code a category: described per segment, not clustered",
    "categorical": "text categories: described per segment, not clustered",
}  # text says why in its own reason: free text, or dates mixed with numbers


@dataclass(frozen=True)
class FeatureSpec:
    """How one clustering feature is computed from a source column."""

    name: str  # name used in outputs; the column name, or "<col> tenure (days)"
    column: str  # source column in the input table
    kind: str  # "numeric" or "tenure_days"
    transform: str  # "none" or "log1p"
    impute_value: float  # median of the column, used for missing values
    n_imputed: int
    clip_low: float | None  # on the transformed scale; None = no limit
    clip_high: float | None
    n_clipped: int
    center: float  # mean of the transformed, clipped values
    scale: float  # their standard deviation
    reason: str  # why the column is used and how, in plain words
    reference_date: str | None = None  # tenure_days: days are counted up to this ISO date
    # the column's meaning (reportgen.profiling.meanings) when it was chosen
    meaning: str = "measure"
    detail: str = ""  # and its detail ("recency", "tenure", ...)
    transform_note: str = ""  # why it was log-transformed ("right-skewed, skew 2.1")
    missing_codes: tuple[float, ...] = ()  # sentinel codes read as missing before imputing
    n_coded: int = 0  # rows that held one (counted in n_imputed)


@dataclass(frozen=True)
class DroppedColumn:
    name: str
    reason: str


@dataclass(frozen=True)
class DerivedFlag:
    """A yes/no flag read from a measure's sentinel code: who has "never" in ``pdays``.

    It is not a column of the input; ``values`` computes it from the source column, so every
    stage that reads described columns from the table (describe, on any engine) sees it.
    """

    name: str  # "pdays = -1 (never)"
    column: str  # the measure it comes from
    code: float

    def values(self, frame: pd.DataFrame) -> pd.Series:
        """1 where the column holds the code, 0 where it holds a value, missing where empty."""
        source = pd.to_numeric(frame[self.column], errors="coerce")
        flag = source.eq(self.code).astype("Int8")
        return flag.mask(source.isna()).rename(self.name)


@dataclass(frozen=True)
class FeatureMatrix:
    specs: tuple[FeatureSpec, ...]
    X: np.ndarray  # standardized features, rows in input order
    table: pd.DataFrame  # the rows the features come from (``values`` reads them)
    dropped: tuple[DroppedColumn, ...]
    described: tuple[str, ...]  # columns described per segment (categories and flags)
    ids: pd.Series  # customer id per row (the id column or 1-based row numbers)
    id_label: str  # id column name, or "row"
    # outcomes and demographics, described per segment but never clustered
    descriptors: describing.Descriptors = field(default_factory=describing.Descriptors)
    derived: tuple[DerivedFlag, ...] = ()  # described flags that are not input columns
    # described column -> {level as written: "not known" or "not applicable"}
    not_known: dict[str, dict[str, str]] = field(default_factory=dict)

    def column(self, frame: pd.DataFrame, name: str) -> pd.Series:
        """A described column's values: from the table, or computed for a derived flag."""
        for flag in self.derived:
            if flag.name == name:
                return flag.values(frame)
        return frame[name]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.specs)

    @property
    def values(self) -> pd.DataFrame:
        """The features in original units (imputed, not transformed), read from ``table``
        when asked: on ten million rows they would hold 640 MB through the whole run."""
        return original_values(self.table, self.specs)

    def value(self, name: str, rows: np.ndarray | None = None) -> pd.Series:
        """``values[name]``, read alone; only the rows at the positions ``rows`` if given
        (every step is value by value: the same numbers as ``values[name].iloc[rows]``)."""
        same = [s for s in self.specs if s.name == name]
        if not same:
            raise KeyError(name)
        spec = same[-1]  # of two features of one name, ``values`` holds the last
        column = self.table[spec.column] if rows is None else self.table[spec.column].iloc[rows]
        return pd.Series(_raw(column, spec), index=column.index, name=name)


def build(
    frame: pd.DataFrame,
    profile: Profile,
    *,
    features: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> FeatureMatrix:
    """Pick, clean, transform and standardize the clustering features."""
    _check_names(frame, [*features, *exclude])
    chosen, dropped = _choose(profile, features, exclude)
    specs = tuple(
        _fit_spec(
            frame[name],
            name,
            profile.column(name).role,
            _meaning(profile, name),
            _codes(profile.column(name)),
        )
        for name in chosen
    )
    specs = tuple(replace(s, detail=profile.column(s.column).meaning_detail) for s in specs)
    kept = tuple(s for s in specs if s.scale > 0)
    dropped += [
        DroppedColumn(s.column, "constant once outliers are limited") for s in specs if s.scale <= 0
    ]
    if not features:  # the user's own choice stands as given
        kept, redundant = _without_redundant(frame, kept)
        dropped += redundant
    if not kept:
        _explain_nothing_to_cluster(frame, profile)
    described, derived = _described_columns(profile, [*chosen, *exclude], exclude)
    ids, id_label = _ids(frame, profile.id_column)
    return FeatureMatrix(
        specs=kept,
        X=apply_specs(frame, kept),
        table=_snapshot(frame),
        dropped=tuple(dropped),
        described=described,
        ids=ids,
        id_label=id_label,
        descriptors=describing.build(frame, profile, skip=[s.column for s in kept]),
        derived=derived,
        not_known=_not_known(profile, described),
    )


def from_specs(
    frame: pd.DataFrame, profile: Profile, specs: Sequence[FeatureSpec]
) -> FeatureMatrix:
    """The features of a saved model, applied unchanged to a new table."""
    used = {s.column for s in specs}
    dropped = tuple(
        DroppedColumn(c.name, "not a feature of the baseline model")
        for c in profile.columns
        if c.name not in used
    )
    described, derived = _described_columns(profile, list(used), ())
    ids, id_label = _ids(frame, profile.id_column)
    return FeatureMatrix(
        tuple(specs),
        apply_specs(frame, specs),
        _snapshot(frame),
        dropped,
        described,
        ids,
        id_label,
        describing.build(frame, profile, skip=used),
        derived,
        _not_known(profile, described),
    )


def _described(col: ColumnProfile) -> bool:
    """Categories and flags are described per segment; contact data and outcomes are not."""
    return col.meaning in ("category", "flag") and col.role not in ("identifier", "constant")


def _described_columns(
    profile: Profile, used: Sequence[str], excluded: Sequence[str]
) -> tuple[tuple[str, ...], tuple[DerivedFlag, ...]]:
    """The columns described per segment, in table order, each measure's derived flag
    right after where the measure stands; and those flags.  A flag is described whether its
    measure is clustered or not: "never contacted" is a fact of its own."""
    names: list[str] = []
    derived: list[DerivedFlag] = []
    for c in profile.columns:
        if _described(c) and c.name not in used:
            names.append(c.name)
        if c.sentinel is not None and c.name not in excluded:
            derived.append(DerivedFlag(c.sentinel.flag, c.name, c.sentinel.code))
            names.append(c.sentinel.flag)
    return tuple(names), tuple(derived)


def _not_known(profile: Profile, described: Sequence[str]) -> dict[str, dict[str, str]]:
    """Described columns' levels that say "not known" or "not applicable", as written."""
    return {
        c.name: {p.value: p.reading for p in c.pseudo_levels}
        for c in profile.columns
        if c.pseudo_levels and c.name in described
    }


def _codes(col: ColumnProfile) -> tuple[float, ...]:
    return (col.sentinel.code,) if col.sentinel is not None else ()


def _explain_nothing_to_cluster(frame: pd.DataFrame, profile: Profile) -> None:
    if len(frame) > 1 and not frame.duplicated(keep="first").iloc[1:].eq(False).any():
        raise InputError(f"all {len(frame)} rows are identical; there is nothing to segment")
    if len(frame.columns) == 1:
        raise InputError(
            f"a single column ('{frame.columns[0]}'); a customer table needs "
            "numeric measures: check the delimiter or export the other columns too"
        )
    empty = [
        c.name for c in profile.columns if c.role == "constant" and c.n_missing == profile.n_rows
    ]
    if empty and not profile.by_role("numeric"):
        raise InputError(
            f"{', '.join(empty[:5])} hold no usable values (all missing or infinite); "
            "there is nothing to segment"
        )
    constant = profile.by_role("constant")
    if constant and not profile.by_role("numeric"):
        raise InputError(
            f"every numeric column is constant "
            f"({', '.join(constant[:5])}); there is nothing to segment"
        )
    read = [f"{c.name} {_as_what(c)}" for c in profile.columns[:6]]
    more = ", ..." if len(profile.columns) > 6 else ""
    raise InputError(
        f"no column describes how customers behave ({'; '.join(read)}{more}), so "
        "there is nothing to segment on; if a column was misread, set its meaning in "
        "[columns] of reportgen.toml, or choose columns with --feature"
    )


def _as_what(col: ColumnProfile) -> str:
    """ "is an outcome", "is an identifier", "is contact data"."""
    article = "an" if col.meaning[0] in "aeio" else "a"
    return {"contact": "is contact data", "text": "is free text"}.get(
        col.meaning, f"is {article} {col.meaning}"
    )


def apply_specs(frame: pd.DataFrame, specs: Sequence[FeatureSpec]) -> np.ndarray:
    """Standardized feature matrix for ``frame``: the saved steps, applied in order, a
    column at a time written in place (a list of columns to stack would double it)."""
    X = np.empty((len(frame), len(specs)))  # row-major, as np.column_stack makes it
    for j, spec in enumerate(specs):
        X[:, j] = _standardized(_raw(frame[spec.column], spec), spec)
    return X


def _snapshot(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as it is now, without copying it (copy-on-write: a later change to
    ``frame`` copies what it changes, so the matrix's values stay those of its X)."""
    return frame.copy(deep=False)


def original_values(frame: pd.DataFrame, specs: Sequence[FeatureSpec]) -> pd.DataFrame:
    """Features in their own units (missing values imputed), for describing segments."""
    return _values([_raw(frame[s.column], s) for s in specs], specs, frame.index)


def observed_values(frame: pd.DataFrame, specs: Sequence[FeatureSpec]) -> pd.DataFrame:
    """Features in their own units as observed: missing values and codes stay missing, so an
    average quoted in the report is the average of what customers really have."""
    return pd.DataFrame({s.name: observed_column(frame, s) for s in specs}, index=frame.index)


def observed_column(frame: pd.DataFrame, spec: FeatureSpec) -> np.ndarray:
    """One feature in its own units as observed (``observed_values``' column)."""
    raw = _as_float(frame[spec.column], spec.kind, spec.reference_date)
    if spec.missing_codes:
        raw = np.where(np.isin(raw, spec.missing_codes), np.nan, raw)
    return raw


def _standardized(raw: np.ndarray, spec: FeatureSpec) -> np.ndarray:
    return steps.NUMPY.affine(_transformed(raw, spec), spec.center, spec.scale)


def _values(raws: list[np.ndarray], specs: Sequence[FeatureSpec], index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame({s.name: raw for s, raw in zip(specs, raws, strict=True)}, index=index)


def _check_names(frame: pd.DataFrame, names: Sequence[str]) -> None:
    columns = [str(c) for c in frame.columns]
    for name in names:
        if name not in columns:
            close = difflib.get_close_matches(name, columns, n=1)
            hint = (
                f"did you mean '{close[0]}'?"
                if close
                else "columns are: "
                + ", ".join(columns[:12])
                + (", ..." if len(columns) > 12 else "")
            )
            raise InputError(f"no column named '{name}'; {hint}")


def _choose(
    profile: Profile, features: Sequence[str], exclude: Sequence[str]
) -> tuple[list[str], list[DroppedColumn]]:
    chosen: list[str] = []
    dropped: list[DroppedColumn] = []
    n_rows = profile.n_rows
    for col in profile.columns:
        if col.name in exclude:
            dropped.append(DroppedColumn(col.name, "excluded with --exclude"))
        elif features:
            if col.name in features:
                _check_chosen(col.name, col.role, col.role_reason)
                chosen.append(col.name)
            else:
                dropped.append(DroppedColumn(col.name, "not among the chosen --feature columns"))
        elif col.meaning in _MEANING_REASONS:
            dropped.append(DroppedColumn(col.name, _MEANING_REASONS[col.meaning]))
        elif col.role in ("numeric", "date") and col.n_without_value > MOSTLY_MISSING * n_rows:
            dropped.append(DroppedColumn(col.name, _mostly_missing(col, n_rows)))
        elif col.role in ("numeric", "date") and col.meaning in meanings.CLUSTERED:
            chosen.append(col.name)
        elif col.role == "numeric" and col.meaning in ("category", "flag"):
            dropped.append(DroppedColumn(col.name, f"a {col.meaning}: described per segment"))
        else:
            dropped.append(DroppedColumn(col.name, _DROP_REASONS.get(col.role, col.role_reason)))
    if features:
        chosen.sort(key=list(features).index)
    return chosen, dropped


def _mostly_missing(col: ColumnProfile, n_rows: int) -> str:
    """Why a measure with too few values is left out: "82% never (code -1): ..." """
    if col.sentinel is None:
        return f"{percent(col.missing_share)} of values missing"
    s = col.sentinel
    said = f"{percent(s.share)} {s.word} (code {_number(s.code)})"
    if col.n_missing:
        said += f" and {percent(col.missing_share)} missing"
    return f"{said}: too few values left to cluster; the flag '{s.flag}' is described per segment"


def _check_chosen(name: str, role: str, reason: str) -> None:
    if role in ("categorical", "text"):
        raise InputError(
            f"column '{name}' holds text ({reason}) and cannot be "
            "clustered; leave it out of --feature (it is described per segment)"
        )
    if role == "constant":
        raise InputError(f"column '{name}' is constant ({reason}); leave it out of --feature")


def _meaning(profile: Profile, name: str) -> str:
    return profile.column(name).meaning


def _fit_spec(
    series: pd.Series,
    name: str,
    role: str,
    meaning: str = "measure",
    missing_codes: tuple[float, ...] = (),
) -> FeatureSpec:
    """Decide imputation, transform, limits and scaling for one column; a share or a score
    keeps its fixed scale (no log, no limits); a sentinel code is missing, not a number."""
    kind = "tenure_days" if role == "date" else "numeric"
    reference = series.max().date().isoformat() if kind == "tenure_days" else None
    raw = _as_float(series, kind, reference)
    coded = np.isin(raw, missing_codes) if missing_codes else np.zeros(len(raw), dtype=bool)
    raw = np.where(coded, np.nan, raw)
    largest = float(np.nanmax(np.abs(raw))) if (~np.isnan(raw)).any() else 0.0
    if largest > HUGE:
        raise InputError(
            f"column '{name}' has values up to {largest:.3g}, too large for a customer "
            "measure; check the export, or leave the column out with --exclude"
        )
    missing = np.isnan(raw)
    # Medians, quantiles and skew come from an evenly spaced subsample on very large tables:
    # a million rows pin them down, and sorting ten million per column costs seconds.
    step = max(1, len(raw) // DECISION_ROWS)
    median = float(np.nanmedian(raw[::step])) if (~missing).any() else 0.0
    filled = np.where(missing, median, raw)
    bounded = meaning in BOUNDED
    note = "" if bounded else _log_note(filled[::step])
    transform = "log1p" if note else "none"
    x = np.log1p(filled) if transform == "log1p" else filled
    low, high = (None, None) if bounded else _fences(x[::step])
    n_clipped = int(((x < low) | (x > high)).sum()) if low is not None else 0
    if low is not None:
        x = np.clip(x, low, high)
    feature_name = f"{name} tenure (days)" if kind == "tenure_days" else name
    spec = FeatureSpec(
        name=feature_name,
        column=name,
        kind=kind,
        transform=transform,
        impute_value=median,
        n_imputed=int(missing.sum()),
        clip_low=low,
        clip_high=high,
        n_clipped=n_clipped,
        center=float(x.mean()),
        scale=float(x.std()),
        reason="",
        reference_date=reference,
        meaning=meaning,
        transform_note=note,
        missing_codes=missing_codes,
        n_coded=int(coded.sum()),
    )
    return _with_reason(spec)


def with_counts(
    spec: FeatureSpec, n_imputed: int, n_clipped: int, n_coded: int | None = None
) -> FeatureSpec:
    """The spec with whole-table counts (decided on a sample, counted where the data lives)."""
    coded = spec.n_coded if n_coded is None else n_coded
    return _with_reason(replace(spec, n_imputed=n_imputed, n_clipped=n_clipped, n_coded=coded))


def _with_reason(spec: FeatureSpec) -> FeatureSpec:
    parts = [
        _MEANING_WORDS.get(spec.meaning, "numeric measure")
        if spec.kind == "numeric"
        else f"date turned into days up to {spec.reference_date}"
    ]
    if spec.n_coded:
        codes = " or ".join(_number(c) for c in spec.missing_codes)
        blank = spec.n_imputed - spec.n_coded
        also = f" and {blank:,} missing values" if blank else ""
        parts.append(
            f"{spec.n_coded:,} rows holding the code {codes} (not a number){also} set to the "
            f"median ({_fmt(spec.impute_value)})"
        )
    elif spec.n_imputed:
        parts.append(
            f"{spec.n_imputed:,} missing values set to the median ({_fmt(spec.impute_value)})"
        )
    if spec.transform == "log1p":
        parts.append(f"log-transformed ({spec.transform_note or 'right-skewed'})")
    if spec.n_clipped:
        parts.append(f"{spec.n_clipped:,} extreme values pulled in to 3 IQR beyond the quartiles")
    parts.append("standardized")
    return FeatureSpec(**{**spec.__dict__, "reason": "; ".join(parts)})


_MEANING_WORDS = {
    "money": "an amount of money",
    "count": "a count",
    "share": "a share (kept on its 0-1 scale: no log, no limits)",
    "duration": "a duration",
    "score": "a score (kept on its scale: no log, no limits)",
}


def _without_redundant(
    frame: pd.DataFrame, specs: tuple[FeatureSpec, ...]
) -> tuple[tuple[FeatureSpec, ...], list[DroppedColumn]]:
    """Leave out features one value dominates (a handful of customers would decide k) and
    features that almost duplicate an earlier one (they would count one thing twice)."""
    kept: list[FeatureSpec] = []
    dropped: list[DroppedColumn] = []
    step = max(1, len(frame) // CORRELATION_ROWS)
    columns: list[np.ndarray] = []
    for spec in specs:
        raw = _raw(frame[spec.column], spec)
        values, counts = np.unique(raw[::step], return_counts=True)
        top = int(counts.argmax())
        if counts[top] >= ALMOST_CONSTANT * counts.sum():
            share = counts[top] / counts.sum()
            dropped.append(
                DroppedColumn(
                    spec.column,
                    f"almost constant: {percent(share)} of customers have "
                    f"{_fmt(values[top])}, so a handful of customers would make a segment of "
                    "their own",
                )
            )
            continue
        x = np.column_stack([raw[::step], _transformed(raw[::step], spec)])
        twin = _near_duplicate(x, columns, kept)
        if twin is not None:
            dropped.append(
                DroppedColumn(
                    spec.column,
                    f"almost the same as {twin[0].name} (correlation {twin[1]:.2f}): "
                    "it would count one thing twice",
                )
            )
            continue
        kept.append(spec)
        columns.append(x)
    return tuple(kept), dropped


def _near_duplicate(
    x: np.ndarray, columns: list[np.ndarray], specs: list[FeatureSpec]
) -> tuple[FeatureSpec, float] | None:
    """The first chosen feature ``x`` almost duplicates, in its own units or as clustered."""
    for other, spec in zip(columns, specs, strict=True):
        with np.errstate(all="ignore"):
            found = [float(np.corrcoef(x[:, j], other[:, j])[0, 1]) for j in (0, 1)]
        r = max(found, key=lambda v: abs(v) if np.isfinite(v) else -1.0)
        if np.isfinite(r) and abs(r) > NEAR_DUPLICATE:
            return spec, r
    return None


def _log_note(x: np.ndarray) -> str:
    """Why a column is log-transformed, in words that are true of it (empty: not logged)."""
    if not _wants_log(x):
        return ""
    low, high = _fences(x)
    y = np.clip(x, low, high) if low is not None else x
    skew = float(pd.Series(y).skew())
    if skew > SKEW_LIMIT:
        return f"right-skewed, skew {skew:.1f}"
    q05, q95 = np.percentile(x, [5, 95])
    return f"wide range: the 95th percentile is {q95 / q05:,.0f} times the 5th"


def _wants_log(x: np.ndarray) -> bool:
    """Log non-negative measures that are right-skewed once extremes are limited, or that
    span orders of magnitude, when the log makes them more symmetric."""
    if x.min() < 0:
        return False
    low, high = _fences(x)
    y = np.clip(x, low, high) if low is not None else x
    skew = float(pd.Series(y).skew())
    q05, q95 = np.percentile(x, [5, 95])
    wide = q05 > 0 and q95 / q05 > SPAN_LIMIT
    if not (skew > SKEW_LIMIT or wide):
        return False
    return abs(float(pd.Series(np.log1p(y)).skew())) < abs(skew) or wide


def _fences(x: np.ndarray) -> tuple[float | None, float | None]:
    q1, q3 = np.percentile(x, [25, 75])
    if q3 - q1 <= 0:
        return None, None
    low, high = fences(float(q1), float(q3), FENCE_IQR)
    return float(low), float(high)


def _as_float(series: pd.Series, kind: str, reference: str | None) -> np.ndarray:
    if kind == "tenure_days":
        ref = pd.Timestamp(reference)
        return ((ref - series).dt.total_seconds() / 86400.0).to_numpy(dtype=float, na_value=np.nan)
    if series.dtype == bool:
        series = series.astype(float)
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isfinite(values), values, np.nan)  # infinity counts as missing


def _raw(series: pd.Series, spec: FeatureSpec) -> np.ndarray:
    """The column's numbers, codes and gaps imputed (``steps.imputed``)."""
    return steps.imputed(_as_float(series, spec.kind, spec.reference_date), spec, steps.NUMPY)


def _transformed(raw: np.ndarray, spec: FeatureSpec) -> np.ndarray:
    return steps.transformed(raw, spec, steps.NUMPY)  # type: ignore[no-any-return]


def _ids(frame: pd.DataFrame, id_column: str | None) -> tuple[pd.Series, str]:
    if id_column is not None:
        ids = frame[id_column].reset_index(drop=True)
        repeated = ids[ids.duplicated(keep="first") & ids.notna()]
        if len(repeated):
            examples = [str(v) for v in repeated.drop_duplicates().head(3)]
            raise repeated_ids(id_column, repeated.nunique(), examples)
        return ids, id_column
    return pd.Series(np.arange(1, len(frame) + 1), name="row"), "row"


def repeated_ids(id_column: str, n: int, examples: list[str], logs: bool = True) -> InputError:
    """The error for a customer id that appears more than once (any engine; ``logs``: the
    engine reads transaction logs, so that is worth suggesting)."""
    fixes = "remove the duplicates, choose another --id-column"
    fixes += ", or use --transactions if this is an order log" if logs else ""
    return InputError(
        f"{id_column} repeats {n:,} customer id(s) (e.g. {', '.join(examples)}); "
        f"each customer must appear once: {fixes}"
    )


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
