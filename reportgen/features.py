"""Stage 3, features: choose the clustering columns and make them comparable.

Each decision (which columns, imputation, log transform, outlier limits, scaling) is kept in
a ``FeatureSpec`` with its reason, so the report can explain it and a saved model can apply the
very same steps to next month's customers (``apply_specs``).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from reportgen.errors import InputError
from reportgen.profile import Profile

SKEW_LIMIT = 0.75  # skew above this (after limiting extremes) suggests a log transform
SPAN_LIMIT = 20.0  # so does a 95th percentile 20x the 5th
FENCE_IQR = 3.0  # values beyond Q1 - 3 IQR / Q3 + 3 IQR are pulled in to the fence
MOSTLY_MISSING = 0.5
HUGE = 1e15  # no customer measure is this large; such values are export errors
DECISION_ROWS = 1_000_000  # rows that decide median, transform and limits on large tables

_DROP_REASONS = {
    "identifier": "identifier: names customers, says nothing about them",
    "constant": "constant: the same value for every customer",
    "binary": "a yes/no flag: described per segment, not clustered",
    "coded_category": "whole numbers that code a category: described per segment, not clustered",
    "categorical": "text categories: described per segment, not clustered",
    "text": "free text: not used",
}


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


@dataclass(frozen=True)
class DroppedColumn:
    name: str
    reason: str


@dataclass(frozen=True)
class FeatureMatrix:
    specs: tuple[FeatureSpec, ...]
    X: np.ndarray  # standardized features, rows in input order
    values: pd.DataFrame  # the features in original units (imputed, not transformed)
    dropped: tuple[DroppedColumn, ...]
    described: tuple[str, ...]  # columns described per segment (categories and flags)
    ids: pd.Series  # customer id per row (the id column or 1-based row numbers)
    id_label: str  # id column name, or "row"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.specs)


def build(
    frame: pd.DataFrame,
    profile: Profile,
    *,
    features: Sequence[str] = (),
    exclude: Sequence[str] = (),
    source: str = "input",
) -> FeatureMatrix:
    """Pick, clean, transform and standardize the clustering features."""
    _check_names(frame, [*features, *exclude], source)
    chosen, dropped = _choose(profile, features, exclude, source)
    specs = tuple(
        _fit_spec(frame[name], name, profile.column(name).role, source) for name in chosen
    )
    kept = tuple(s for s in specs if s.scale > 0)
    dropped += [
        DroppedColumn(s.column, "constant once outliers are limited") for s in specs if s.scale <= 0
    ]
    if not kept:
        _explain_nothing_to_cluster(frame, profile, source)
    described = tuple(
        c.name
        for c in profile.columns
        if c.role in ("categorical", "binary", "coded_category")
        and c.name not in chosen
        and c.name not in exclude
    )
    ids, id_label = _ids(frame, profile.id_column, source)
    raws = [_raw(frame[s.column], s) for s in kept]  # read each column once for X and values
    return FeatureMatrix(
        specs=kept,
        X=_stack([_standardized(raw, s) for raw, s in zip(raws, kept, strict=True)]),
        values=_values(raws, kept, frame.index),
        dropped=tuple(dropped),
        described=described,
        ids=ids,
        id_label=id_label,
    )


def from_specs(
    frame: pd.DataFrame, profile: Profile, specs: Sequence[FeatureSpec], source: str = "input"
) -> FeatureMatrix:
    """The features of a saved model, applied unchanged to a new table."""
    used = {s.column for s in specs}
    dropped = tuple(
        DroppedColumn(c.name, "not a feature of the baseline model")
        for c in profile.columns
        if c.name not in used
    )
    described = tuple(
        c.name
        for c in profile.columns
        if c.role in ("categorical", "binary", "coded_category") and c.name not in used
    )
    ids, id_label = _ids(frame, profile.id_column)
    return FeatureMatrix(
        tuple(specs),
        apply_specs(frame, specs),
        original_values(frame, specs),
        dropped,
        described,
        ids,
        id_label,
    )


def _explain_nothing_to_cluster(frame: pd.DataFrame, profile: Profile, source: str) -> None:
    if len(frame) > 1 and not frame.duplicated(keep="first").iloc[1:].eq(False).any():
        raise InputError(
            f"{source}: all {len(frame)} rows are identical; there is nothing to segment"
        )
    if len(frame.columns) == 1:
        raise InputError(
            f"{source} has a single column ('{frame.columns[0]}'); a customer table needs "
            "numeric measures: check the delimiter or export the other columns too"
        )
    empty = [
        c.name for c in profile.columns if c.role == "constant" and c.n_missing == profile.n_rows
    ]
    if empty and not profile.by_role("numeric"):
        raise InputError(
            f"{source}: {', '.join(empty[:5])} hold no usable values (all missing or infinite); "
            "there is nothing to segment"
        )
    constant = profile.by_role("constant")
    if constant and not profile.by_role("numeric"):
        raise InputError(
            f"{source}: every numeric column is constant "
            f"({', '.join(constant[:5])}); there is nothing to segment"
        )
    raise InputError(
        f"{source}: no usable numeric column to cluster on; choose columns with --feature"
    )


def apply_specs(frame: pd.DataFrame, specs: Sequence[FeatureSpec]) -> np.ndarray:
    """Standardized feature matrix for ``frame``: the saved steps, applied in order."""
    return _stack([_standardized(_raw(frame[s.column], s), s) for s in specs])


def original_values(frame: pd.DataFrame, specs: Sequence[FeatureSpec]) -> pd.DataFrame:
    """Features in their own units (missing values imputed), for describing segments."""
    return _values([_raw(frame[s.column], s) for s in specs], specs, frame.index)


def _standardized(raw: np.ndarray, spec: FeatureSpec) -> np.ndarray:
    return (_transformed(raw, spec) - spec.center) / spec.scale


def _stack(columns: list[np.ndarray]) -> np.ndarray:
    return np.column_stack(columns).astype(np.float64, copy=False)  # one copy, not two


def _values(raws: list[np.ndarray], specs: Sequence[FeatureSpec], index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame({s.name: raw for s, raw in zip(specs, raws, strict=True)}, index=index)


def _check_names(frame: pd.DataFrame, names: Sequence[str], source: str) -> None:
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
            raise InputError(f"{source}: no column named '{name}'; {hint}")


def _choose(
    profile: Profile, features: Sequence[str], exclude: Sequence[str], source: str
) -> tuple[list[str], list[DroppedColumn]]:
    chosen: list[str] = []
    dropped: list[DroppedColumn] = []
    for col in profile.columns:
        if col.name in exclude:
            dropped.append(DroppedColumn(col.name, "excluded with --exclude"))
        elif features:
            if col.name in features:
                _check_chosen(col.name, col.role, col.role_reason, source)
                chosen.append(col.name)
            else:
                dropped.append(DroppedColumn(col.name, "not among the chosen --feature columns"))
        elif col.role in ("numeric", "date") and col.missing_share > MOSTLY_MISSING:
            dropped.append(DroppedColumn(col.name, f"{col.missing_share:.0%} of values missing"))
        elif col.role in ("numeric", "date"):
            chosen.append(col.name)
        else:
            dropped.append(DroppedColumn(col.name, _DROP_REASONS.get(col.role, col.role_reason)))
    if features:
        chosen.sort(key=list(features).index)
    return chosen, dropped


def _check_chosen(name: str, role: str, reason: str, source: str) -> None:
    if role in ("categorical", "text"):
        raise InputError(
            f"{source}: column '{name}' holds text ({reason}) and cannot be "
            "clustered; leave it out of --feature (it is described per segment)"
        )
    if role == "constant":
        raise InputError(
            f"{source}: column '{name}' is constant ({reason}); leave it out of --feature"
        )


def _fit_spec(series: pd.Series, name: str, role: str, source: str = "input") -> FeatureSpec:
    """Decide imputation, transform, limits and scaling for one column."""
    kind = "tenure_days" if role == "date" else "numeric"
    reference = series.max().date().isoformat() if kind == "tenure_days" else None
    raw = _as_float(series, kind, reference)
    largest = float(np.nanmax(np.abs(raw))) if (~np.isnan(raw)).any() else 0.0
    if largest > HUGE:
        raise InputError(
            f"{source}: column '{name}' has values up to {largest:.3g}, too large for a customer "
            "measure; check the export, or leave the column out with --exclude"
        )
    missing = np.isnan(raw)
    # Medians, quantiles and skew come from an evenly spaced subsample on very large tables:
    # a million rows pin them down, and sorting ten million per column costs seconds.
    step = max(1, len(raw) // DECISION_ROWS)
    median = float(np.nanmedian(raw[::step])) if (~missing).any() else 0.0
    filled = np.where(missing, median, raw)
    transform = "log1p" if _wants_log(filled[::step]) else "none"
    x = np.log1p(filled) if transform == "log1p" else filled
    low, high = _fences(x[::step])
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
    )
    return _with_reason(spec)


def with_counts(spec: FeatureSpec, n_imputed: int, n_clipped: int) -> FeatureSpec:
    """The spec with whole-table counts (decided on a sample, counted where the data lives)."""
    return _with_reason(replace(spec, n_imputed=n_imputed, n_clipped=n_clipped))


def _with_reason(spec: FeatureSpec) -> FeatureSpec:
    parts = [
        "numeric measure"
        if spec.kind == "numeric"
        else f"date turned into days up to {spec.reference_date}"
    ]
    if spec.n_imputed:
        parts.append(
            f"{spec.n_imputed:,} missing values set to the median ({_fmt(spec.impute_value)})"
        )
    if spec.transform == "log1p":
        parts.append("log-transformed (strongly right-skewed)")
    if spec.n_clipped:
        parts.append(f"{spec.n_clipped:,} extreme values pulled in to 3 IQR beyond the quartiles")
    parts.append("standardized")
    return FeatureSpec(**{**spec.__dict__, "reason": "; ".join(parts)})


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
    iqr = q3 - q1
    if iqr <= 0:
        return None, None
    return float(q1 - FENCE_IQR * iqr), float(q3 + FENCE_IQR * iqr)


def _as_float(series: pd.Series, kind: str, reference: str | None) -> np.ndarray:
    if kind == "tenure_days":
        ref = pd.Timestamp(reference)
        return ((ref - series).dt.total_seconds() / 86400.0).to_numpy(dtype=float, na_value=np.nan)
    if series.dtype == bool:
        series = series.astype(float)
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isfinite(values), values, np.nan)  # infinity counts as missing


def _raw(series: pd.Series, spec: FeatureSpec) -> np.ndarray:
    raw = _as_float(series, spec.kind, spec.reference_date)
    return np.where(np.isnan(raw), spec.impute_value, raw)


def _transformed(raw: np.ndarray, spec: FeatureSpec) -> np.ndarray:
    x = np.log1p(np.maximum(raw, 0)) if spec.transform == "log1p" else raw
    if spec.clip_low is not None and spec.clip_high is not None:
        x = np.clip(x, spec.clip_low, spec.clip_high)
    return x


def _ids(
    frame: pd.DataFrame, id_column: str | None, source: str = "input"
) -> tuple[pd.Series, str]:
    if id_column is not None:
        ids = frame[id_column].reset_index(drop=True)
        repeated = ids[ids.duplicated(keep="first") & ids.notna()]
        if len(repeated):
            examples = ", ".join(str(v) for v in repeated.drop_duplicates().head(3))
            raise InputError(
                f"{source}: {id_column} repeats {repeated.nunique()} customer id(s) (e.g. "
                f"{examples}); each customer must appear once: remove the duplicates, choose "
                "another --id-column, or use --transactions if this is an order log"
            )
        return ids, id_column
    return pd.Series(np.arange(1, len(frame) + 1), name="row"), "row"


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
