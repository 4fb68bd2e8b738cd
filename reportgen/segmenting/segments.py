"""Stage 6, describe: what sets each segment apart, and a readable, unique name for it.

Traits are ranked by the standardized difference between the segment's mean and the overall
mean (in the space the clustering saw), and reported in original units with the percentage
difference, which is what a marketer reads.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from reportgen.profiling.roles import WORDS, assign_roles, short_label, tokens, words_for
from reportgen.reading.rfm import quintile_scores, rfm_name
from reportgen.segmenting.clustering import Segmentation
from reportgen.segmenting.descriptors import Outcome
from reportgen.segmenting.features import FeatureMatrix, observed_column

TRAIT_Z = 0.3  # a standardized difference below this is not a distinguishing trait
SKEW_POINTS = 0.10  # a category share 10 points away from overall is worth saying
MAX_LEVELS = 12  # categories described per column (the rest pooled as "other")
MISSING = "(missing)"  # how an empty cell of a described column is counted


@dataclass(frozen=True)
class Trait:
    feature: str
    role: str | None
    direction: str  # "high" or "low"
    segment_value: float  # segment mean, original units
    overall_value: float  # overall mean, original units
    pct_diff: float | None  # (segment - overall) / |overall| * 100; None if overall is 0
    z: float  # standardized difference of means


@dataclass(frozen=True)
class CategorySkew:
    """A level more or less common in a segment than overall.  Shares are among customers
    whose value is known: empty cells and "not known"/"not applicable" levels are left out."""

    column: str
    value: str
    segment_share: float
    overall_share: float
    label: str  # how the text names it: "Female", "Region 3", or the flag's column name


@dataclass(frozen=True)
class OutcomeRate:
    """How often an outcome (churn, response) happens in a segment, against everyone."""

    column: str
    label: str  # "Churn", "Categoria = Cancelado"
    level: str  # the value counted
    rate: float  # share of the segment's customers with a known value
    overall: float
    count: int  # customers in the segment with the outcome

    @property
    def points(self) -> float:
        """Difference from overall in percentage points."""
        return (self.rate - self.overall) * 100


@dataclass(frozen=True)
class SegmentProfile:
    id: int
    name: str
    size: int
    share: float
    centroid: dict[str, float]  # feature -> mean in original units
    median: dict[str, float]
    z: dict[str, float]  # feature -> standardized difference from the overall mean
    traits: tuple[Trait, ...]  # distinguishing traits, strongest first
    skews: tuple[CategorySkew, ...]  # notable category differences, strongest first
    mix: dict[str, dict[str, float]]  # described column -> value -> share in this segment
    spread: float  # mean distance of members to the centre (standardized units)
    tightness: str  # "tight", "typical" or "loose" compared with the other segments
    rfm: str | None = None  # RFM grid name ("Champions", "At risk", ...) when R, F, M exist
    rfm_scores: tuple[int, int, int] | None = None  # recency, frequency, monetary, 1..5
    rfm_cell: str = ""  # the grid cell most of its customers sit in
    rfm_share: float | None = None  # and their share (the name is given from RFM_MAJORITY)
    outcomes: tuple[OutcomeRate, ...] = ()  # outcome rates against overall, column order
    profiled: dict[str, float] = field(default_factory=dict)  # ages, household: segment means
    # where the segment sits among all customers, per feature and profiled column (for the
    # playbook's guards): share of its customers above / below everyone's median, and the
    # percentile of its own median among all customers (0..1)
    above_median: dict[str, float] = field(default_factory=dict)
    below_median: dict[str, float] = field(default_factory=dict)
    median_rank: dict[str, float] = field(default_factory=dict)
    context: tuple[Trait, ...] = ()  # ages and household members that stand out, as traits


@dataclass(frozen=True)
class SegmentProfiles:
    segments: tuple[SegmentProfile, ...]
    features: tuple[str, ...]
    roles: dict[str, str | None]
    overall: dict[str, float]  # feature -> overall mean, original units
    overall_mix: dict[str, dict[str, float]]
    n_rows: int
    flags: tuple[str, ...] = ()  # described columns that are yes/no flags
    profiled_overall: dict[str, float] = field(default_factory=dict)  # ages, household
    profiled_notes: dict[str, str] = field(default_factory=dict)  # "age in 2014, ..."
    # described column -> {level: "not known"/"not applicable"}, left out of comparisons
    not_known: dict[str, dict[str, str]] = field(default_factory=dict)
    # features without a role that read as amounts (non-negative, right-skewed): they count
    # towards a segment's value when the playbook places it
    amounts: tuple[str, ...] = ()


def describe(
    features: FeatureMatrix,
    segmentation: Segmentation,
    frame: pd.DataFrame,
    *,
    role_overrides: Mapping[str, str] | None = None,
    names: Mapping[int, str] | None = None,
    column_roles: Mapping[str, str] | None = None,
) -> SegmentProfiles:
    """Profile every segment; ``names`` (from a saved model) keeps earlier names.

    ``column_roles`` (column -> profile role) tells flags and coded categories apart from
    text categories, so the text can say "Region 3" and "Response" rather than "3" and "1".
    """
    # a flag derived from a sentinel code ("pdays = -1 (never)") is a flag like the others
    column_roles = {**(column_roles or {}), **{d.name: "binary" for d in features.derived}}
    labels = segmentation.labels
    roles = assign_roles(
        [(s.name, s.meaning, s.detail, s.kind) for s in features.specs], role_overrides
    )
    ids = segmentation.segment_ids
    g = _group(features, segmentation, frame)
    drafts = [
        _draft(i, s, g, features, roles, column_roles, len(labels)) for i, s in enumerate(ids)
    ]
    drafts = _with_rfm(drafts, features, roles, labels)
    twins = _twins(features)
    fresh = _rfm_names(drafts, _unique_names(drafts, twins))
    chosen = _keep_names(drafts, fresh, names or {})
    segments = tuple(replace(d, name=n) for n, d in zip(chosen, drafts, strict=True))
    flags = tuple(c for c in features.described if column_roles.get(c) == "binary")
    return SegmentProfiles(
        segments,
        features.names,
        roles,
        g.overall,
        g.overall_mix,
        len(labels),
        flags,
        {c: m[1] for c, m in g.numbers.items()},
        dict(features.descriptors.notes),
        {c: dict(v) for c, v in features.not_known.items() if c in g.tables},
        tuple(
            sp.name
            for sp in features.specs
            if roles.get(sp.name) is None and sp.transform == "log1p" and sp.kind == "numeric"
        ),
    )


@dataclass(frozen=True)
class _Grouped:
    """Every per-segment statistic, each from one grouped pass over the customers (on ten
    million customers a boolean mask per segment costs seconds each); index i is the i-th
    segment id."""

    columns: list[str]  # the observed values' columns
    sizes: np.ndarray
    z_means: np.ndarray  # segment x feature, standardized units
    means: dict[str, pd.Series]  # observed column -> mean by segment position
    medians: dict[str, pd.Series]
    spreads: list[float]
    overall: dict[str, float]
    tables: dict[str, pd.DataFrame]  # described column -> counts by segment
    overall_mix: dict[str, Any]
    rates: list[list[OutcomeRate]]
    numbers: dict[str, Any]  # descriptor number -> (means by segment, overall)
    measured: dict[str, np.ndarray]  # descriptor numbers
    positions: dict[str, Any]  # column -> (above median, below median, median rank) by segment
    context_roles: dict[str, str | None]


def _group(features: FeatureMatrix, segmentation: Segmentation, frame: pd.DataFrame) -> _Grouped:
    ids = segmentation.segment_ids
    lookup = np.zeros(max(ids) + 1, dtype=np.int64)
    lookup[list(ids)] = np.arange(len(ids))
    pos = lookup[segmentation.labels]
    sizes = np.bincount(pos, minlength=len(ids))
    safe = np.maximum(sizes, 1)
    z_means = np.column_stack(
        [
            np.bincount(pos, weights=features.X[:, j], minlength=len(ids)) / safe
            for j in range(features.X.shape[1])
        ]
    )
    spreads = (np.bincount(pos, weights=segmentation.distances, minlength=len(ids)) / safe).tolist()
    tables = {
        c: _counts_by_segment(features.column(frame, c), pos, len(ids)) for c in features.described
    }
    # one observed column at a time (grouped as a whole table, ten million rows held the
    # columns twice over: 1.3 GB more at the peak); the same statistics to the last bit
    columns: list[str] = []
    means: dict[str, pd.Series] = {}
    medians: dict[str, pd.Series] = {}
    overall: dict[str, float] = {}
    positions: dict[str, Any] = {}
    for c, observed in _observed(features, frame):
        column = pd.Series(observed)
        grouped = column.groupby(pos)
        columns.append(c)
        means[c], medians[c] = grouped.mean(), grouped.median()
        overall[c] = float(column.mean())  # NaN skipped
        positions[c] = _position(observed, pos, len(ids))
        del column, grouped, observed
    extra = features.descriptors
    measured = {c: extra.numbers[c].to_numpy(dtype=float) for c in extra.numbers}
    positions |= {c: _position(v, pos, len(ids)) for c, v in measured.items()}
    return _Grouped(
        columns=columns,
        sizes=sizes,
        z_means=z_means,
        means=means,
        medians=medians,
        spreads=spreads,
        overall=overall,
        tables=tables,
        overall_mix={c: _mix(t.sum(axis=0)) for c, t in tables.items()},
        rates=[_outcome_rates(o, pos, len(ids)) for o in extra.outcomes],
        numbers={c: _means(extra.numbers[c].to_numpy(), pos, len(ids)) for c in extra.numbers},
        measured=measured,
        positions=positions,
        context_roles={c: extra.roles.get(c) for c in extra.numbers},
    )


def _draft(
    i: int,
    segment_id: int,
    g: _Grouped,
    features: FeatureMatrix,
    roles: dict[str, str | None],
    column_roles: Mapping[str, str],
    n: int,
) -> SegmentProfile:
    """The i-th segment's profile, still unnamed."""
    z = dict(zip(features.names, g.z_means[i].tolist(), strict=True))
    centroid = {c: float(g.means[c].get(i, np.nan)) for c in g.columns}
    mix = {c: _mix(t.iloc[i]) for c, t in g.tables.items()}
    return SegmentProfile(
        id=segment_id,
        name="",
        size=int(g.sizes[i]),
        share=float(g.sizes[i] / n),
        centroid=centroid,
        median={c: float(g.medians[c].get(i, np.nan)) for c in g.columns},
        z=z,
        traits=_traits(z, centroid, g.overall, roles),
        mix=mix,
        skews=_skews(mix, g.overall_mix, column_roles, features.not_known),
        spread=g.spreads[i],
        tightness=_tightness(g.spreads[i], g.spreads),
        outcomes=tuple(r[i] for r in g.rates),
        profiled={c: m[0][i] for c, m in g.numbers.items()},
        above_median={c: p[0][i] for c, p in g.positions.items()},
        below_median={c: p[1][i] for c, p in g.positions.items()},
        median_rank={c: p[2][i] for c, p in g.positions.items()},
        context=_context_traits(g.numbers, g.measured, i, g.context_roles),
    )


def _outcome_rates(outcome: Outcome, pos: np.ndarray, k: int) -> list[OutcomeRate]:
    """The outcome's rate in each segment (customers with a known value only)."""
    known = ~np.isnan(outcome.values)
    hits = np.bincount(pos[known], weights=outcome.values[known], minlength=k)
    counted = np.bincount(pos[known], minlength=k)
    overall = float(outcome.values[known].mean()) if known.any() else float("nan")
    return [
        OutcomeRate(
            outcome.column,
            outcome.label,
            outcome.level,
            float(hits[i] / counted[i]) if counted[i] else float("nan"),
            overall,
            int(hits[i]),
        )
        for i in range(k)
    ]


def _position(
    values: np.ndarray, pos: np.ndarray, k: int
) -> tuple[list[float], list[float], list[float]]:
    """Per segment: share of its customers above and below everyone's median, and where its
    own median falls among all customers (missing values left out)."""
    known = ~np.isnan(values)
    if not known.any():
        nan = [float("nan")] * k
        return nan, nan, nan
    v, p = values[known], pos[known]
    median = float(np.median(v))
    counted = np.maximum(np.bincount(p, minlength=k), 1)
    above = np.bincount(p, weights=(v > median).astype(float), minlength=k) / counted
    below = np.bincount(p, weights=(v < median).astype(float), minlength=k) / counted
    ordered = np.sort(v)
    ranks = []
    for i in range(k):
        own = v[p == i]
        if own.size == 0:
            ranks.append(float("nan"))
            continue
        m = float(np.median(own))
        low, high = np.searchsorted(ordered, m, "left"), np.searchsorted(ordered, m, "right")
        ranks.append(float((low + high) / 2 / ordered.size))
    return above.tolist(), below.tolist(), ranks


def _context_traits(
    numbers: dict[str, tuple[list[float], float]],
    measured: dict[str, np.ndarray],
    i: int,
    roles: Mapping[str, str | None],
) -> tuple[Trait, ...]:
    """Ages and household members as traits (for the playbook), strongest first."""
    traits = []
    for name, (means, overall) in numbers.items():
        std = float(np.nanstd(measured[name]))
        if not std or means[i] != means[i]:
            continue
        z = (means[i] - overall) / std
        if abs(z) >= TRAIT_Z:
            pct = (means[i] - overall) / abs(overall) * 100 if overall else None
            direction = "high" if z > 0 else "low"
            traits.append(Trait(name, roles.get(name), direction, means[i], overall, pct, z))
    return tuple(sorted(traits, key=lambda t: -abs(t.z)))


def _means(values: np.ndarray, pos: np.ndarray, k: int) -> tuple[list[float], float]:
    """Each segment's mean of ``values`` (missing values ignored), and the overall mean."""
    known = ~np.isnan(values)
    sums = np.bincount(pos[known], weights=values[known], minlength=k)
    counted = np.bincount(pos[known], minlength=k)
    means = [float(sums[i] / counted[i]) if counted[i] else float("nan") for i in range(k)]
    return means, float(values[known].mean()) if known.any() else float("nan")


def _observed(features: FeatureMatrix, frame: pd.DataFrame) -> Iterator[tuple[str, np.ndarray]]:
    """The features as observed (missing values left out of averages), a column at a time;
    the imputed values when the table at hand does not hold the feature columns (a saved
    model's own values)."""
    if all(s.column in frame.columns for s in features.specs) and len(frame) == len(features.X):
        # a dict of columns keeps the last of two features of one name, where it stood first
        last = {s.name: s for s in features.specs}
        for name, spec in last.items():
            yield name, observed_column(frame, spec)
        return
    for name in dict.fromkeys(features.names):  # the columns of ``features.values``
        yield name, features.value(name).to_numpy(dtype=float)


TWIN_R = 0.7  # features this correlated tell one story: a name uses only one of them
TWIN_ROWS = 20_000


def _twins(features: FeatureMatrix) -> set[frozenset[str]]:
    """Pairs of features that move together (|r| > TWIN_R on the clustered scale)."""
    X = features.X[:: max(1, len(features.X) // TWIN_ROWS)]
    if X.shape[1] < 2 or len(X) < 3:
        return set()
    with np.errstate(all="ignore"):
        r = np.corrcoef(X, rowvar=False)
    names = features.names
    return {
        frozenset((names[i], names[j]))
        for i in range(len(names))
        for j in range(i + 1, len(names))
        if np.isfinite(r[i, j]) and abs(r[i, j]) > TWIN_R
    }


def _traits(
    z: dict[str, float],
    centroid: dict[str, float],
    overall: dict[str, float],
    roles: dict[str, str | None],
) -> tuple[Trait, ...]:
    ranked = sorted((f for f in z if abs(z[f]) >= TRAIT_Z), key=lambda f: (-abs(z[f]), f))
    traits = []
    for f in ranked:
        seg, avg = centroid[f], overall[f]
        # a percentage of a calendar year (1978 vs 1969, "+0%") says nothing
        pct = (seg - avg) / abs(avg) * 100 if abs(avg) > 1e-12 and not is_year(f) else None
        traits.append(Trait(f, roles.get(f), "high" if z[f] > 0 else "low", seg, avg, pct, z[f]))
    return tuple(traits)


def _counts_by_segment(series: pd.Series, pos: np.ndarray, k: int) -> pd.DataFrame:
    """Customers per (segment position, value) for one described column."""
    values = series.astype("string").fillna(MISSING)
    # factorize + bincount: the counts pd.crosstab gives, ten times faster on millions of rows
    codes, levels = pd.factorize(values, sort=True)
    counts = np.bincount(pos * len(levels) + codes, minlength=k * len(levels))
    return pd.DataFrame(
        counts.reshape(k, len(levels)), index=range(k), columns=pd.Index(levels, dtype=object)
    )


def _mix(counts: pd.Series) -> dict[str, float]:
    """Shares of each value (largest first, ties by value), at most MAX_LEVELS of them."""
    counts = counts[counts > 0]
    if counts.empty:
        return {}
    counts.index = counts.index.astype(str)
    counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    shares = (counts / counts.sum()).round(6)
    if len(shares) > MAX_LEVELS:
        head = shares.iloc[: MAX_LEVELS - 1]
        return {**{str(k): float(v) for k, v in head.items()}, "other": float(1 - head.sum())}
    return {str(k): float(v) for k, v in shares.items()}


def _skews(
    mix: dict[str, dict[str, float]],
    overall: dict[str, dict[str, float]],
    column_roles: Mapping[str, str],
    not_known: Mapping[str, Mapping[str, str]],
) -> tuple[CategorySkew, ...]:
    """Levels 10 points more or less common than overall, among customers whose value is
    known: "Não informado" is never a segment's trait, and a segment with many unknowns
    does not look poor in every known level."""
    found = []
    for column, all_shares in mix.items():
        role = column_roles.get(column, "categorical")
        unknown = not_known.get(column, {})
        shares = known_shares(all_shares, unknown)
        everyone = known_shares(overall[column], unknown)
        for value, share in shares.items():
            if value == "other" or (role == "binary" and not is_yes(value)):
                continue  # a flag's "no" share only mirrors its "yes" share
            base = everyone.get(value, 0.0)
            if abs(share - base) >= SKEW_POINTS:
                label = _label(column, value, role, unknown)
                found.append(CategorySkew(column, value, share, base, label))
    found.sort(key=lambda s: (-abs(s.segment_share - s.overall_share), s.column, s.value))
    return tuple(found)


def known_shares(shares: Mapping[str, float], not_known: Mapping[str, str]) -> dict[str, float]:
    """The shares among known values: "(missing)" and the not-known levels left out, the
    rest scaled to sum to 1 (empty when nothing is known)."""
    known = {v: s for v, s in shares.items() if v != MISSING and v not in not_known}
    total = sum(known.values())
    if total <= 0:
        return {}
    return {v: s / total for v, s in known.items()}


def is_year(name: str) -> bool:
    """Columns holding calendar years (Year_Birth, signup_year)."""
    return any(t in ("year", "yob", "birthyear") for t in tokens(name))


def is_yes(value: str) -> bool:
    """The level of a yes/no flag that means yes."""
    return value.strip().lower() in ("1", "1.0", "yes", "y", "true", "t")


def _label(column: str, value: str, role: str, not_known: Mapping[str, str]) -> str:
    if role == "binary" and not_known:
        applies = all(r == "not applicable" for r in not_known.values())
        return f"{column} (where it applies)" if applies else f"{column} (where known)"
    if role == "binary":
        return column
    if role == "coded_category" or len(value) <= 2 or value.replace(".", "").isdigit():
        return f"{column} {value}"
    return value


RFM_MAJORITY = 0.5  # an RFM name needs most of the segment's customers in that cell


def _with_rfm(
    drafts: list[SegmentProfile],
    features: FeatureMatrix,
    roles: Mapping[str, str | None],
    labels: np.ndarray,
) -> list[SegmentProfile]:
    """Add RFM scores when recency, frequency and spend are all features, and the grid name
    when most of the segment's customers sit in that cell (not its median customer alone)."""
    pick = {
        role: next((f for f, r in roles.items() if r == role), None)
        for role in ("recency", "frequency", "spend")
    }
    if None in pick.values():
        return drafts
    recency, frequency, spend = (
        features.value(str(pick[r])) for r in ("recency", "frequency", "spend")
    )
    cells = _rfm_cells(recency, frequency, spend)
    result = []
    for d in drafts:
        member = labels == d.id
        rfm = (
            _median_score(recency, member, higher_is_better=False),
            _median_score(frequency, member),
            _median_score(spend, member),
        )
        counts = pd.Series(cells[member]).value_counts()
        top, share = (
            (str(counts.index[0]), float(counts.iloc[0] / counts.sum()))
            if len(counts)
            else ("", 0.0)
        )
        name = top if share >= RFM_MAJORITY else None
        result.append(replace(d, rfm=name, rfm_scores=rfm, rfm_share=share, rfm_cell=top))
    return result


def _rfm_cells(recency: pd.Series, frequency: pd.Series, spend: pd.Series) -> np.ndarray:
    """Each customer's RFM grid name from their own quintile scores."""
    r = quintile_scores(recency, higher_is_better=False)
    fm = (quintile_scores(frequency) + quintile_scores(spend)) // 2
    grid = {(a, b): rfm_name(a, b) for a in range(1, 6) for b in range(1, 6)}
    return np.array([grid[(int(a), int(b))] for a, b in zip(r, fm, strict=True)], dtype=object)


def _median_score(values: pd.Series, member: np.ndarray, higher_is_better: bool = True) -> int:
    """The quintile score (1..5) of the segment's median customer among all customers."""
    median = float(values[member].median())
    below = float((values < median).mean()) + 0.5 * float((values == median).mean())
    rank = below if higher_is_better else 1 - below
    return int(min(5, max(1, np.ceil(rank * 5))))


def _rfm_names(drafts: list[SegmentProfile], described: list[str]) -> list[str]:
    """The RFM grid name where most of a segment's customers share a cell, else the name from
    its traits; segments sharing a grid name are told apart by their traits."""
    cells = [d.rfm for d in drafts]
    names = [
        (cell if cells.count(cell) == 1 else f"{cell}: {own.lower()}") if cell else own
        for cell, own in zip(cells, described, strict=True)
    ]
    return names if len(set(names)) == len(names) else _told_apart(names, drafts)


def _tightness(spread: float, spreads: list[float]) -> str:
    median = float(np.median(spreads))
    if spread < 0.85 * median:
        return "tight"
    if spread > 1.15 * median:
        return "loose"
    return "typical"


# Roles that describe who a customer is read best as the adjective ("Affluent big spenders",
# not "High-spending high earners"); behaviour reads best as the noun.
_ADJECTIVE_ROLES = ("income", "age", "household", "tenure")


NAME_Z = 0.5  # a trait names a segment only from half a standard deviation on


def _naming_traits(
    traits: tuple[Trait, ...], twins: AbstractSet[frozenset[str]], depth: int
) -> tuple[Trait, ...]:
    """The strongest material traits, never two features that move together nor two of one
    known role; traits with a marketing role first (their words are the marketer's)."""
    material = [t for t in traits if abs(t.z) >= NAME_Z]
    with_role = [t for t in material if t.role in WORDS]
    picked: list[Trait] = []
    for t in with_role or material:
        if any(t.role in WORDS and t.role == p.role for p in picked):
            continue
        if any(frozenset((t.feature, p.feature)) in twins for p in picked):
            continue
        picked.append(t)
        if len(picked) == depth:
            break
    return tuple(picked)


def _name(
    traits: tuple[Trait, ...],
    twins: AbstractSet[frozenset[str]] = frozenset(),
    depth: int = 2,
) -> str:
    """'<adjective> <noun>' from the two strongest material traits ('Affluent light
    spenders'); 'Mainstream customers' when nothing sets the segment apart."""
    traits = _naming_traits(traits, twins, depth)
    if not traits:
        return "Mainstream customers"
    if (
        len(traits) > 1
        and traits[1].role in _ADJECTIVE_ROLES
        and traits[0].role not in _ADJECTIVE_ROLES
    ):
        traits = (traits[1], traits[0], *traits[2:])
    if len(traits) > 1 and traits[0].role == traits[1].role:
        return _same_role_name(traits, depth)
    adjectives = [words_for(t.feature, t.role, t.direction)[0] for t in traits]
    nouns = [words_for(t.feature, t.role, t.direction)[1] for t in traits]
    if len(traits) == 1:
        noun = nouns[0]
        return (
            noun[0].upper() + noun[1:]
            if noun.startswith("customers with")
            else f"{adjectives[0]} customers"
        )
    extra = [a.lower() for a in adjectives[2:depth]]
    lead = ", ".join([adjectives[0], *extra])
    return f"{lead} {nouns[1]}"


def _same_role_name(traits: tuple[Trait, ...], depth: int) -> str:
    """Two traits of one role (e.g. Milk and Grocery spend) are named by their columns."""
    first, second = traits[0], traits[1]
    a, b = (short_label(t.feature).removeprefix("spend on ") for t in (first, second))
    noun = "buyers" if first.role in ("spend", "frequency") else "customers"
    extra = "".join(
        f", {words_for(t.feature, t.role, t.direction)[0].lower()}" for t in traits[2:depth]
    )
    if first.direction == second.direction:
        level = "Heavy" if first.direction == "high" else "Light"
        return f"{level} {a} and {b} {noun}{extra}"
    high, low = (a, b) if first.direction == "high" else (b, a)
    return f"{high}-heavy, {low}-light {noun}{extra}"


def _unique_names(drafts: list[SegmentProfile], twins: AbstractSet[frozenset[str]]) -> list[str]:
    """Names from the strongest traits, adding traits until every name is unique; segments
    still alike are told apart by the feature on which they differ most."""
    all_traits = [d.traits for d in drafts]
    depth = {i: 2 for i in range(len(all_traits))}
    names = [_name(t, twins) for t in all_traits]
    for _ in range(6):
        clashes = {n for n in names if names.count(n) > 1}
        if not clashes:
            return names
        for i, n in enumerate(names):
            if n in clashes and depth[i] < len(all_traits[i]):
                depth[i] += 1
                names[i] = _name(all_traits[i], twins, depth[i])
    return _told_apart(names, drafts)


def _told_apart(names: list[str], drafts: list[SegmentProfile]) -> list[str]:
    """Segments sharing a name get the word of the feature that separates them most
    ("Low-spending customers, newer" / "..., long-standing")."""
    result = list(names)
    for name in {n for n in names if names.count(n) > 1}:
        group = [i for i, n in enumerate(names) if n == name]
        features = list(drafts[group[0]].z)
        if not features:
            continue
        spread = {f: np.ptp([drafts[i].z[f] for i in group]) for f in features}
        feature = max(features, key=lambda f: (spread[f], f))
        middle = float(np.mean([drafts[i].z[feature] for i in group]))
        role = next((t.role for i in group for t in drafts[i].traits if t.feature == feature), None)
        for i in group:
            direction = "high" if drafts[i].z[feature] > middle else "low"
            word = words_for(feature, role, direction)[0].lower()
            result[i] = f"{name}, {word}"
    return _dedupe(result)


def _keep_names(
    drafts: list[SegmentProfile], fresh: list[str], kept: Mapping[int, str]
) -> list[str]:
    """Earlier names where a segment has one; new segments get a fresh name that does not
    collide with a kept one."""
    taken = {kept[d.id] for d in drafts if d.id in kept}
    chosen = []
    for d, name in zip(drafts, fresh, strict=True):
        if d.id in kept:
            chosen.append(kept[d.id])
        else:
            chosen.append(f"{name} (new)" if name in taken else name)
    return _dedupe(chosen)


def _dedupe(names: list[str]) -> list[str]:
    """Last resort when traits cannot tell segments apart: say which group is bigger."""
    seen: dict[str, int] = {}
    result = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        result.append(n if seen[n] == 1 else f"{n} ({_ordinal(seen[n])} group)")
    return result


def _ordinal(n: int) -> str:
    return {2: "second", 3: "third", 4: "fourth"}.get(n, f"{n}th")
