"""Stage 6, describe: what sets each segment apart, and a readable, unique name for it.

Traits are ranked by the standardized difference between the segment's mean and the overall
mean (in the space the clustering saw), and reported in original units with the percentage
difference, which is what a marketer reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from reportgen.clustering import Segmentation
from reportgen.features import FeatureMatrix
from reportgen.roles import assign_roles, short_label, words_for

TRAIT_Z = 0.3  # a standardized difference below this is not a distinguishing trait
SKEW_POINTS = 0.10  # a category share 10 points away from overall is worth saying
MAX_LEVELS = 12  # categories described per column (the rest pooled as "other")


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
    column: str
    value: str
    segment_share: float
    overall_share: float


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


@dataclass(frozen=True)
class SegmentProfiles:
    segments: tuple[SegmentProfile, ...]
    features: tuple[str, ...]
    roles: dict[str, str | None]
    overall: dict[str, float]  # feature -> overall mean, original units
    overall_mix: dict[str, dict[str, float]]
    n_rows: int


def describe(
    features: FeatureMatrix,
    segmentation: Segmentation,
    frame: pd.DataFrame,
    *,
    role_overrides: Mapping[str, str] | None = None,
    names: Mapping[int, str] | None = None,
) -> SegmentProfiles:
    """Profile every segment; ``names`` (from a saved model) keeps earlier names."""
    labels = segmentation.labels
    values = features.values
    roles = assign_roles(features.names, role_overrides)
    overall = {c: float(values[c].mean()) for c in values.columns}
    overall_mix = {c: _mix(frame[c]) for c in features.described}
    spreads = [
        float(segmentation.distances[labels == s].mean()) for s in range(1, segmentation.k + 1)
    ]
    drafts: list[SegmentProfile] = []
    for s in range(1, segmentation.k + 1):
        member = labels == s
        z = dict(zip(features.names, features.X[member].mean(axis=0).tolist(), strict=True))
        seg_values = values[member]
        mix = {c: _mix(frame[c][member]) for c in features.described}
        drafts.append(
            SegmentProfile(
                id=s,
                name="",
                size=int(member.sum()),
                share=float(member.mean()),
                centroid={c: float(seg_values[c].mean()) for c in values.columns},
                median={c: float(seg_values[c].median()) for c in values.columns},
                z=z,
                traits=_traits(z, seg_values, overall, roles),
                mix=mix,
                skews=_skews(mix, overall_mix),
                spread=spreads[s - 1],
                tightness=_tightness(spreads[s - 1], spreads),
            )
        )
    if names:
        chosen = [names.get(d.id, f"Segment {d.id}") for d in drafts]
    else:
        chosen = _unique_names([d.traits for d in drafts])
    segments = tuple(replace(d, name=n) for n, d in zip(chosen, drafts, strict=True))
    return SegmentProfiles(segments, features.names, roles, overall, overall_mix, len(labels))


def _traits(
    z: dict[str, float],
    seg_values: pd.DataFrame,
    overall: dict[str, float],
    roles: dict[str, str | None],
) -> tuple[Trait, ...]:
    ranked = sorted((f for f in z if abs(z[f]) >= TRAIT_Z), key=lambda f: (-abs(z[f]), f))
    traits = []
    for f in ranked:
        seg, avg = float(seg_values[f].mean()), overall[f]
        pct = (seg - avg) / abs(avg) * 100 if abs(avg) > 1e-12 else None
        traits.append(Trait(f, roles.get(f), "high" if z[f] > 0 else "low", seg, avg, pct, z[f]))
    return tuple(traits)


def _mix(series: pd.Series) -> dict[str, float]:
    counts = series.astype("string").fillna("(missing)").value_counts()
    counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    shares = (counts / counts.sum()).round(6)
    if len(shares) > MAX_LEVELS:
        head = shares.iloc[: MAX_LEVELS - 1]
        return {**{str(k): float(v) for k, v in head.items()}, "other": float(1 - head.sum())}
    return {str(k): float(v) for k, v in shares.items()}


def _skews(
    mix: dict[str, dict[str, float]], overall: dict[str, dict[str, float]]
) -> tuple[CategorySkew, ...]:
    found = []
    for column, shares in mix.items():
        for value, share in shares.items():
            base = overall[column].get(value, 0.0)
            if abs(share - base) >= SKEW_POINTS and value not in ("other", "(missing)"):
                found.append(CategorySkew(column, value, share, base))
    found.sort(key=lambda s: (-abs(s.segment_share - s.overall_share), s.column, s.value))
    return tuple(found)


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


def _name(traits: tuple[Trait, ...], depth: int = 2) -> str:
    """'<adjective> <noun>' from the two strongest traits, e.g. 'Affluent light spenders'."""
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
        return f"{adjectives[0]} customers"
    extra = [a.lower() for a in adjectives[2:depth]]
    lead = ", ".join([adjectives[0], *extra])
    return f"{lead} {nouns[1]}"


def _same_role_name(traits: tuple[Trait, ...], depth: int) -> str:
    """Two traits of one role (e.g. Milk and Grocery spend) are named by their columns."""
    first, second = traits[0], traits[1]
    a, b = short_label(first.feature), short_label(second.feature)
    noun = "buyers" if first.role in ("spend", "frequency") else "customers"
    extra = "".join(
        f", {words_for(t.feature, t.role, t.direction)[0].lower()}" for t in traits[2:depth]
    )
    if first.direction == second.direction:
        level = "Heavy" if first.direction == "high" else "Light"
        return f"{level} {a} and {b} {noun}{extra}"
    high, low = (a, b) if first.direction == "high" else (b, a)
    return f"{high}-heavy, {low}-light {noun}{extra}"


def _unique_names(all_traits: list[tuple[Trait, ...]]) -> list[str]:
    """Names from the strongest traits, adding traits until every name is unique."""
    depth = {i: 2 for i in range(len(all_traits))}
    names = [_name(t) for t in all_traits]
    for _ in range(6):
        clashes = {n for n in names if names.count(n) > 1}
        if not clashes:
            return names
        for i, n in enumerate(names):
            if n in clashes and depth[i] < len(all_traits[i]):
                depth[i] += 1
                names[i] = _name(all_traits[i], depth[i])
    seen: dict[str, int] = {}
    result = []
    for n in names:  # last resort: traits cannot tell them apart, so say which is bigger
        seen[n] = seen.get(n, 0) + 1
        result.append(n if seen[n] == 1 else f"{n} ({_ordinal(seen[n])} group)")
    return result


def _ordinal(n: int) -> str:
    return {2: "second", 3: "third", 4: "fourth"}.get(n, f"{n}th")
