"""``summary.json``: the run's facts for machines (dashboards, monthly comparisons, tests).

It holds no timestamps, so the same input and seed give a byte-identical file.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from reportgen import __version__
from reportgen.clustering import Segmentation
from reportgen.features import FeatureMatrix
from reportgen.io import Dataset
from reportgen.narrative import Narratives
from reportgen.profile import Profile
from reportgen.segments import SegmentProfiles
from reportgen.selection import KSelection


def build(
    dataset: Dataset,
    input_label: str,
    profile: Profile,
    features: FeatureMatrix,
    selection: KSelection,
    segmentation: Segmentation,
    profiles: SegmentProfiles,
    narratives: Narratives,
    parameters: dict[str, Any],
) -> dict[str, Any]:
    return {
        "reportgen_version": __version__,
        "input": _input(dataset, input_label, profile, parameters),
        "conversions": [asdict(c) for c in dataset.conversions],
        "profile": {
            "columns": [_column(c) for c in profile.columns],
            "alerts": [asdict(a) for a in profile.alerts],
            "duplicate_rows": profile.n_duplicate_rows,
        },
        "features": [_feature(s) for s in features.specs],
        "dropped_columns": [asdict(d) for d in features.dropped],
        "described_columns": list(features.described),
        "outcomes": [
            {
                "column": o.column,
                "label": o.label,
                "level": o.level,
                "how": o.how,
                "overall": _rate(o.values),
            }
            for o in features.descriptors.outcomes
        ],
        "profiled": [
            {"name": name, "overall": overall, "note": profiles.profiled_notes.get(name, "")}
            for name, overall in profiles.profiled_overall.items()
        ],
        "k_selection": _k_selection(selection),
        "silhouette": segmentation.silhouette,
        "silhouette_sample": segmentation.silhouette_rows,
        "parameters": parameters,
        "summary": narratives.summary,
        "segments": [_segment(s, narratives) for s in profiles.segments],
    }


def _input(
    dataset: Dataset, input_label: str, profile: Profile, parameters: dict[str, Any]
) -> dict[str, Any]:
    return {
        "path": input_label,
        "sha256": dataset.sha256 or None,  # None: not computed (Spark engine)
        "engine": parameters.get("engine", "local"),
        "rows": profile.n_rows,  # a transaction log's customers: see "transactions"
        "columns": profile.n_columns,
        "format": dataset.format,
        "encoding": dataset.encoding,
        "delimiter": dataset.delimiter,
        "sheet": dataset.sheet,
        "id_column": profile.id_column,
        "notes": list(dataset.notes),  # how the table was found (e.g. the sheet chosen, why)
    }


def _feature(s: Any) -> dict[str, Any]:
    return {
        "name": s.name,
        "column": s.column,
        "transform": s.transform,
        "imputed": s.n_imputed,
        "impute_value": s.impute_value,
        "clipped": s.n_clipped,
        "missing_codes": list(s.missing_codes),  # sentinel codes read as missing
        "coded": s.n_coded,  # rows that held one (counted in imputed)
        "reason": s.reason,
    }


def _k_selection(selection: KSelection) -> dict[str, Any]:
    return {
        "k": selection.k,
        "method": selection.method,
        "rationale": selection.rationale,
        "ambiguous": selection.ambiguous,
        "alternatives": list(selection.alternatives),
        "votes": selection.votes,
        "elbow": selection.elbow,
        "sample_size": selection.sample_size,
        "silhouette_sample": selection.silhouette_sample,
        "candidates": [asdict(c) for c in selection.candidates],
        "structure": selection.structure.as_dict() if selection.structure else None,
        "outliers": selection.outliers,
        "k_range": list(selection.k_range),
        "extended": selection.extended,
    }


def _column(c: Any) -> dict[str, Any]:
    data = asdict(c)
    data["top_values"] = [list(v) for v in c.top_values]
    return data


def _segment(s: Any, narratives: Narratives) -> dict[str, Any]:
    story = narratives.for_segment(s.id)
    return {
        "id": s.id,
        "name": s.name,
        "size": s.size,
        "share": s.share,
        "centroid": s.centroid,
        "median": s.median,
        "traits": [
            {
                "feature": t.feature,
                "role": t.role,
                "direction": t.direction,
                "value": t.segment_value,
                "overall": t.overall_value,
                "pct_diff": t.pct_diff,
                "z": t.z,
            }
            for t in s.traits
        ],
        "category_skews": [asdict(k) for k in s.skews],
        "outcomes": [asdict(o) for o in s.outcomes],
        "profiled": s.profiled,
        "tightness": s.tightness,
        "story": story.story,
        "recommendations": [asdict(r) for r in story.recommendations],
        "kpis": list(story.kpis),
    }


def _rate(values: Any) -> float | None:
    known = values[values == values]  # NaN != NaN
    return float(known.mean()) if len(known) else None


def transactions(log: Any) -> dict[str, Any]:
    """The ``transactions`` object: whether INPUT was read as a transaction log, and if so
    what was set aside and why, and how the customers spread over the RFM grid."""
    if not log.detected:
        return {"detected": False, "how": log.how, "reason": log.reason}
    rfm = log.rfm_map
    return {
        "detected": True,
        "how": log.how,
        "reason": log.reason,
        "columns": log.columns.as_dict(),
        "columns_given": list(log.columns.given),
        "as_of": log.as_of,
        "first_date": log.first_date,
        "last_date": log.last_date,
        "date_order": log.dates.order,
        "date_formats": [{"format": f, "rows": n} for f, n in log.dates.formats],
        "date_reading": log.dates.detail,
        "rows_read": log.rows_read,
        "set_aside": {s.reason: s.rows for s in log.set_aside},
        "set_aside_why": {s.reason: s.explanation for s in log.set_aside},
        "rows_used": log.rows_used,
        "return_rows": log.return_rows,
        "customers": log.n_customers,
        "customers_only_returns": log.customers_only_returns,
        "frequency": log.frequency_basis,
        "status": None
        if log.status is None
        else {
            "column": log.status.column,
            "set_aside": {value: lines for value, _, lines in log.status.set_aside},
            "kept": dict(log.status.kept),
        },
        "derived_columns": dict(log.features),
        "rfm": {
            "counts": log.rfm_counts,
            "by_segment": None
            if rfm is None
            else {
                "segments": [s for s, _ in rfm.segments],
                "names": list(rfm.names),
                "counts": [list(row) for row in rfm.counts],
            },
        },
    }


def comparison(c: Any) -> dict[str, Any]:
    """The ``comparison`` object: the same facts as the report's "Changes since" section."""
    migration = None
    if c.migration is not None:
        m = c.migration
        migration = {
            "from": list(m.from_ids),
            "to": list(m.to_ids),
            "counts": m.counts.tolist(),
            "customers_in_both": m.n_both,
        }
    return {
        "previous_period": c.previous_period,
        "mode": c.mode,
        "segments": [
            {
                "id": s.id,
                "name": s.name,
                "status": s.status,
                "note": s.note,
                "size_then": s.size_then,
                "share_then": s.share_then,
                "size_now": s.size_now,
                "share_now": s.share_now,
                "moves": {f: {"then": a, "now": b} for f, (a, b) in s.moves.items()},
            }
            for s in c.changes
        ],
        "migration": migration,
        "new_customers": c.n_new_customers,
        "gone_customers": c.n_gone_customers,
        "drift": list(c.drift),
    }
