"""Month to month: keep segments recognisable and say what changed since the baseline.

With ``--baseline`` the previous run's ``model.json`` (and its ``segments.csv``, to follow
customers) is the reference.  In refit mode the new segments are matched to the old ones by
Hungarian assignment on a cost that mixes centroid distance (in the old model's standardized
space) and, through member overlap, the customers they share; matched segments keep their id
and name.  Transitions follow MONIC (Spiliopoulou et al. 2006): survived, split, merged,
vanished, new; a survived segment whose size halved or doubled is reported as shrank or grew
(MONIC's size transitions), since a share threshold alone misses small segments.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from reportgen.errors import InputError
from reportgen.formatting import percent
from reportgen.segmenting import model as saved_model
from reportgen.segmenting.clustering import Segmentation, assign
from reportgen.segmenting.features import FeatureSpec, apply_specs

MATCH_OVERLAP = 0.3  # Jaccard overlap that makes two segments the same
MATCH_DISTANCE = 0.75  # or centres this close (RMS standard deviations per feature)
PART_SHARE = 0.3  # a split part / merge source holds at least this share of members
DRIFT_SHIFT = 0.5  # a feature mean moving this many standard deviations is drift
DRIFT_PSI = 0.2  # population stability index from 0.2 up: a significant shift
DRIFT_SPREAD = 1.3  # customers 30% further (squared) from their centres is drift
DRIFT_SHARE = 0.10  # a segment share moving 10 points is worth saying
# Counts, not shares: 21 -> 2 customers among 7,000 moves the share by 0.3 points yet empties
# the segment, and a ratio of counts means the same on a table of 200 or of 2 million.
SHRANK = 0.5  # a segment keeping at most half of its customers shrank
GREW = 2.0  # one with at least twice as many grew
REFIT_ADVICE = "A refit is advisable: run with --mode refit to let the segments follow the data."


@dataclass(frozen=True)
class Baseline:
    model: saved_model.Model
    path: Path
    previous: pd.Series | None  # previous segment by customer id (None: no segments.csv/ids)


@dataclass(frozen=True)
class SegmentChange:
    id: int
    name: str
    status: str  # "survived", "shrank", "grew", "new", "vanished", "split", "merged"
    size_then: int
    share_then: float
    size_now: int
    share_now: float
    note: str  # e.g. "split into 2 and 5", "21 -> 2 customers, -90%"
    moves: dict[str, tuple[float, float]]  # feature -> (then, now), original units


@dataclass(frozen=True)
class Migration:
    """Customers present in both periods: from-segment (rows) to to-segment (columns)."""

    from_ids: tuple[int, ...]
    to_ids: tuple[int, ...]
    counts: np.ndarray
    n_both: int


@dataclass(frozen=True)
class Comparison:
    previous_period: str
    mode: str  # "assign" or "refit"
    changes: tuple[SegmentChange, ...]
    migration: Migration | None
    n_new_customers: int | None  # None when customers cannot be followed (no id column)
    n_gone_customers: int | None
    drift: tuple[str, ...]  # alerts, plain sentences
    previous_segment: pd.Series | None  # per current row: previous segment id (nullable)


def load_baseline(path: Path) -> Baseline:
    """The baseline model and, when it sits beside it, the previous ``segments.csv``."""
    model = saved_model.load(path)
    folder = path if path.is_dir() else path.parent
    csv = folder / "segments.csv"
    previous = None
    if model.id_column and csv.is_file():
        frame = pd.read_csv(csv, usecols=[model.id_column, "segment"])
        previous = frame.set_index(model.id_column)["segment"]
        previous = previous[~previous.index.duplicated(keep="first")]
    return Baseline(model, path, previous)


def check_columns(frame: pd.DataFrame, specs: tuple[FeatureSpec, ...]) -> None:
    """Every column the baseline model needs must be in the new table."""
    missing = [s.column for s in specs if s.column not in frame.columns]
    if missing:
        raise InputError(
            f"the baseline model needs the column(s) {', '.join(missing)}, which "
            "are missing or renamed; restore them or run with --mode refit"
        )


def match(
    baseline: Baseline,
    frame: pd.DataFrame,
    ids: pd.Series,
    segmentation: Segmentation,
) -> tuple[dict[int, int], dict[int, str | None]]:
    """Map each new segment to an old id (or a fresh one) and an old name (or None)."""
    old = baseline.model
    old_ids = saved_model.ids(old)
    new_ids = segmentation.segment_ids
    overlap = _contingency(baseline, frame, ids, segmentation.labels)
    X_old = apply_specs(frame, old.features)
    cost = np.zeros((len(new_ids), len(old_ids)))
    close = np.zeros_like(cost, dtype=bool)
    for j, new in enumerate(new_ids):
        member = segmentation.labels == new
        centre = X_old[member].mean(axis=0) if member.any() else np.zeros(len(old.features))
        for i, previous in enumerate(old_ids):
            rms = float(np.sqrt(((centre - old.centers[i]) ** 2).mean()))
            jaccard = _jaccard(overlap, previous, new)
            cost[j, i] = rms + (1 - jaccard)
            close[j, i] = jaccard >= MATCH_OVERLAP or rms <= MATCH_DISTANCE
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(cost)
    mapping: dict[int, int] = {}
    names: dict[int, str | None] = {}
    for j, i in zip(rows, cols, strict=True):
        if close[j, i]:
            mapping[new_ids[j]] = old_ids[i]
            names[new_ids[j]] = old.segments[i].name
    fresh = max(old_ids) + 1
    for new in new_ids:
        if new not in mapping:
            mapping[new], names[new] = fresh, None
            fresh += 1
    return mapping, names


def compare(
    baseline: Baseline,
    mode: str,
    frame: pd.DataFrame,
    ids: pd.Series,
    segmentation: Segmentation,
    names: dict[int, str],
    centroids: dict[int, dict[str, float]],
) -> Comparison:
    """Sizes then and now, centroid moves, migration, customers in and out, drift."""
    old = baseline.model
    n = len(segmentation.labels)
    overlap = _contingency(baseline, frame, ids, segmentation.labels)
    transitions = _transitions(overlap, saved_model.ids(old), segmentation.segment_ids)
    changes = []
    for seg in old.segments:
        now = int((segmentation.labels == seg.id).sum())
        status, note = transitions.get(seg.id, ("vanished", _VANISHED[mode]))
        if now and status == "vanished":
            status, note = _size_status(seg.size, now)
        moves = {
            f: (seg.centroid.get(f, float("nan")), centroids.get(seg.id, {}).get(f, float("nan")))
            for f in seg.centroid
        }
        changes.append(
            SegmentChange(
                seg.id,
                names.get(seg.id, seg.name),
                status,
                seg.size,
                seg.share,
                now,
                now / n,
                note,
                moves,
            )
        )
    for new in segmentation.segment_ids:
        if new not in {s.id for s in old.segments}:
            now = int((segmentation.labels == new).sum())
            status, note = transitions.get(new, ("new", "no earlier segment matches it"))
            changes.append(SegmentChange(new, names[new], status, 0, 0.0, now, now / n, note, {}))
    migration, n_new, n_gone, previous = _migration(baseline, ids, segmentation)
    drift = _drift(baseline, frame, segmentation, changes, mode)
    return Comparison(
        str(old.period or "the baseline"),
        mode,
        tuple(changes),
        migration,
        n_new,
        n_gone,
        drift,
        previous,
    )


_VANISHED = {
    "assign": "no customer is assigned to it now",
    "refit": "no segment matches it now",
}


def _size_status(then: int, now: int) -> tuple[str, str]:
    """Survived, or shrank/grew with the counts when the size at least halved or doubled."""
    if then and now <= SHRANK * then:
        return "shrank", _counts(then, now)
    if then and now >= GREW * then:
        return "grew", _counts(then, now)
    return "survived", ""


def _counts(then: int, now: int) -> str:
    return f"{then:,} -> {customers(now)}, {(now - then) / then:+.0%}"


def customers(n: int) -> str:
    """``1 customer``, ``1,250 customers``."""
    return f"{n:,} customer" + ("" if n == 1 else "s")


def _contingency(
    baseline: Baseline, frame: pd.DataFrame, ids: pd.Series, labels: np.ndarray
) -> pd.DataFrame:
    """Customers by (old segment, new segment): followed by id where ids recur, otherwise
    by scoring today's customers with the old model."""
    if baseline.previous is not None:
        previous = ids.map(baseline.previous)
        known = previous.notna().to_numpy()
        if known.sum() >= max(10, 0.2 * len(ids)):
            return pd.crosstab(previous[known].astype(int).to_numpy(), labels[known])
    old = baseline.model
    old_labels, _ = assign(apply_specs(frame, old.features), old.centers, saved_model.ids(old))
    return pd.crosstab(old_labels, labels)


def _jaccard(table: pd.DataFrame, old: int, new: int) -> float:
    both = float(table.loc[old, new]) if old in table.index and new in table.columns else 0.0
    in_old = float(table.loc[old].sum()) if old in table.index else 0.0
    in_new = float(table[new].sum()) if new in table.columns else 0.0
    union = in_old + in_new - both
    return both / union if union else 0.0


def _transitions(
    table: pd.DataFrame, old_ids: tuple[int, ...], new_ids: tuple[int, ...]
) -> dict[int, tuple[str, str]]:
    """MONIC-style transitions read off the member overlap (after renumbering)."""
    found: dict[int, tuple[str, str]] = {}
    for old in old_ids:
        if old not in table.index or table.loc[old].sum() == 0:
            continue
        shares = table.loc[old] / table.loc[old].sum()
        parts = [int(n) for n, s in shares.items() if s >= PART_SHARE]
        if len(parts) >= 2:
            found[old] = ("split", "split into " + " and ".join(str(p) for p in sorted(parts)))
    for new in new_ids:
        if new not in table.columns or table[new].sum() == 0:
            continue
        shares = table[new] / table[new].sum()
        sources = [int(o) for o, s in shares.items() if s >= PART_SHARE]
        if len(sources) >= 2:
            found[new] = ("merged", "merged from " + " and ".join(str(p) for p in sorted(sources)))
    return found


def _migration(
    baseline: Baseline, ids: pd.Series, segmentation: Segmentation
) -> tuple[Migration | None, int | None, int | None, pd.Series | None]:
    if baseline.previous is None:
        return None, None, None, None
    previous = ids.map(baseline.previous).astype("Int64")
    known = previous.notna().to_numpy()
    now_ids = set(ids.tolist())
    n_gone = int(sum(1 for i in baseline.previous.index if i not in now_ids))
    table = pd.crosstab(previous[known].astype(int).to_numpy(), segmentation.labels[known])
    old_ids = saved_model.ids(baseline.model)
    table = table.reindex(index=old_ids, columns=segmentation.segment_ids, fill_value=0)
    migration = Migration(
        old_ids, segmentation.segment_ids, table.to_numpy(dtype=np.int64), int(known.sum())
    )
    return migration, int((~known).sum()), n_gone, previous


def _drift(
    baseline: Baseline,
    frame: pd.DataFrame,
    segmentation: Segmentation,
    changes: list[SegmentChange],
    mode: str,
) -> tuple[str, ...]:
    """Plain-sentence alerts when the data moved enough to question the old segments."""
    old = baseline.model
    period = old.period or "the baseline"
    X_old = apply_specs(frame, old.features)
    alerts = []
    for j, spec in enumerate(old.features):
        shift = float(X_old[:, j].mean())
        stability = (
            saved_model.psi(old.reference[spec.name], X_old[:, j])
            if spec.name in old.reference
            else 0.0
        )
        if abs(shift) >= DRIFT_SHIFT or stability >= DRIFT_PSI:
            alerts.append(
                f"{spec.name} has shifted since {period}: its mean moved "
                f"{shift:+.2f} standard deviations and its population stability "
                f"index is {stability:.2f} (0.2 or more is a significant shift)."
            )
    _, distances = assign(X_old, old.centers, saved_model.ids(old))
    spread = float((distances**2).mean())
    if old.mean_sq_distance > 0 and spread / old.mean_sq_distance >= DRIFT_SPREAD:
        alerts.append(
            f"Customers sit {percent(spread / old.mean_sq_distance - 1)} further (mean "
            f"squared distance) from the {period} segment centres than they did then."
        )
    alerts.extend(a for a in map(_size_alert, changes) if a)
    if alerts and mode == "assign":
        alerts.append(REFIT_ADVICE)
    return tuple(alerts)


def _size_alert(c: SegmentChange) -> str | None:
    """A segment that lost half its customers (vanishing included) or doubled, by counts;
    otherwise one whose share moved ``DRIFT_SHARE``."""
    if not c.size_then:
        return None
    shares = f"{percent(c.share_then)} to {percent(c.share_now)} of customers"
    if c.size_now <= SHRANK * c.size_then or c.size_now >= GREW * c.size_then:
        verb = "fell" if c.size_now < c.size_then else "rose"
        change = (c.size_now - c.size_then) / c.size_then
        return (
            f"{c.name} {verb} from {c.size_then:,} to {customers(c.size_now)} "
            f"({change:+.0%}; {shares})."
        )
    if abs(c.share_now - c.share_then) >= DRIFT_SHARE:
        return f"{c.name} went from {shares}."
    return None
