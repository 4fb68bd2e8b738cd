"""``summary.json``: the run's facts for machines (dashboards, monthly comparisons, the email).

The schema is the ``Summary`` dataclass below, shared by the writer (``build``, then
``Summary.to_json``) and every reader (``Summary.from_json``: ``reportgen email``, the monthly
changes), so a key cannot be written under one name and read under another.  The parts nobody
reads back (profile alerts, feature steps, k candidates...) are typed as plain mappings.  It
holds no timestamps, so the same input and seed give a byte-identical file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from reportgen import __version__
from reportgen.errors import ReportgenError
from reportgen.report.outputs import to_json as json_text
from reportgen.report.schema import KEY, OMIT_NONE, REST, SchemaError, from_plain, to_plain

if TYPE_CHECKING:
    from reportgen.profiling.profile import ColumnProfile, Profile
    from reportgen.reading.tables import Dataset
    from reportgen.reading.transactions import TransactionLog
    from reportgen.report.narrative import Narratives
    from reportgen.segmenting.clustering import Segmentation
    from reportgen.segmenting.comparison import Comparison
    from reportgen.segmenting.features import FeatureMatrix, FeatureSpec
    from reportgen.segmenting.segments import SegmentProfile, SegmentProfiles
    from reportgen.segmenting.selection import KSelection

Plain = Mapping[str, Any]  # a JSON object nobody reads back field by field


class SummaryError(ReportgenError):
    """A summary.json that reportgen did not write: not JSON, or a key missing or mistyped."""


@dataclass(frozen=True, kw_only=True)
class SummaryInput:
    """``input``: the table that was read and how."""

    path: str  # the file name
    sha256: str | None  # None: not computed (Spark engine)
    engine: str
    rows: int  # a transaction log's customers: see ``transactions``
    columns: int
    format: str
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    id_column: str | None
    notes: tuple[str, ...]  # how the table was found (e.g. the sheet chosen, why)


@dataclass(frozen=True, kw_only=True)
class SummaryColumn:
    """``profile.columns[i]``: ``profile.ColumnProfile`` as written."""

    name: str
    role: str
    role_reason: str
    dtype: str
    n_missing: int
    missing_share: float
    n_distinct: int
    stats: Plain
    skew: float | None
    n_outliers: int
    n_extreme: int
    top_values: tuple[tuple[str, int], ...]  # (value, count)
    meaning: str
    meaning_reason: str
    meaning_detail: str
    sentinel: Plain | None
    pseudo_levels: tuple[Plain, ...]


@dataclass(frozen=True, kw_only=True)
class SummaryProfile:
    """``profile``: every column of the input, the alerts, the duplicate rows."""

    columns: tuple[SummaryColumn, ...]
    alerts: tuple[Plain, ...]
    duplicate_rows: int


@dataclass(frozen=True, kw_only=True)
class SummaryKSelection:
    """``k_selection``: the k chosen, how and why."""

    k: int
    method: str
    rationale: str
    ambiguous: bool
    alternatives: tuple[int, ...]
    votes: Plain  # criterion -> the k it favours
    elbow: int | None
    sample_size: int
    silhouette_sample: int
    candidates: tuple[Plain, ...]  # the scores of each k swept
    structure: Plain | None
    outliers: int
    k_range: tuple[int, ...]  # (first, last) k swept
    extended: bool


@dataclass(frozen=True, kw_only=True)
class SummaryTrait:
    """``segments[i].traits[j]``: a feature where the segment stands out."""

    feature: str
    role: str | None
    direction: str  # "high" or "low"
    value: float  # the segment's mean
    overall: float  # everyone's mean
    pct_diff: float | None  # None when the overall mean is 0
    z: float


@dataclass(frozen=True, kw_only=True)
class SummaryRecommendation:
    """``segments[i].recommendations[j]``: a playbook action."""

    rank: int
    objective: str
    offer: str
    channel: str
    tone: str
    kpi: str
    trigger: str
    matched: bool
    strength: float


@dataclass(frozen=True, kw_only=True)
class SummarySegment:
    """``segments[i]``: one segment, its traits, story and actions."""

    id: int
    name: str
    size: int
    share: float
    centroid: Plain  # feature -> mean, original units
    median: Plain
    traits: tuple[SummaryTrait, ...]  # strongest first
    category_skews: tuple[Plain, ...]
    outcomes: tuple[Plain, ...]
    profiled: Plain
    tightness: str
    story: str
    recommendations: tuple[SummaryRecommendation, ...]
    kpis: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class SummaryReport:
    """``report``: how the report was titled and cut (the email says it the same way)."""

    title: str
    period: str
    max_text_length: int


@dataclass(frozen=True, kw_only=True)
class SummaryChange:
    """``comparison.segments[i]``: one segment then and now."""

    id: int
    name: str
    status: str  # "survived", "shrank", "grew", "new", "vanished", "split", "merged"
    note: str
    size_then: int
    share_then: float
    size_now: int
    share_now: float
    moves: Plain  # feature -> {"then": mean, "now": mean}


@dataclass(frozen=True, kw_only=True)
class SummaryMigration:
    """``comparison.migration``: customers in both periods, from-segment to to-segment."""

    from_ids: tuple[int, ...] = field(metadata={KEY: "from"})
    to_ids: tuple[int, ...] = field(metadata={KEY: "to"})
    counts: tuple[tuple[int, ...], ...]
    customers_in_both: int


@dataclass(frozen=True, kw_only=True)
class SummaryComparison:
    """``comparison``: the same facts as the report's "Changes since" section."""

    previous_period: str
    mode: str  # "assign" or "refit"
    segments: tuple[SummaryChange, ...]
    migration: SummaryMigration | None
    new_customers: int | None  # None when customers cannot be followed (no id column)
    gone_customers: int | None
    drift: tuple[str, ...]  # alerts, plain sentences


@dataclass(frozen=True, kw_only=True)
class SummaryTransactions:
    """``transactions``: whether INPUT was read as a transaction log; if so, the rest says
    what was set aside and why and how the customers spread over the RFM grid."""

    detected: bool
    how: str
    reason: str
    details: Plain = field(default_factory=dict, metadata={REST: True})


@dataclass(frozen=True, kw_only=True)
class Summary:
    """The whole of summary.json, in the order of its keys."""

    reportgen_version: str
    input: SummaryInput
    conversions: tuple[Plain, ...]
    profile: SummaryProfile
    features: tuple[Plain, ...]
    dropped_columns: tuple[Plain, ...]
    described_columns: tuple[str, ...]
    outcomes: tuple[Plain, ...]
    profiled: tuple[Plain, ...]
    k_selection: SummaryKSelection
    silhouette: float | None
    silhouette_sample: int
    parameters: Plain
    summary: str  # the executive summary
    segments: tuple[SummarySegment, ...]
    report: SummaryReport | None = field(default=None, metadata={OMIT_NONE: True})
    comparison: SummaryComparison | None = field(default=None, metadata={OMIT_NONE: True})
    transactions: SummaryTransactions

    def to_dict(self) -> dict[str, Any]:
        """summary.json's content as JSON values."""
        data: dict[str, Any] = to_plain(self)
        return data

    def to_json(self) -> str:
        """summary.json's text."""
        return json_text(self.to_dict())

    @classmethod
    def from_json(cls, data: str | Mapping[str, Any], source: str = "summary.json") -> Summary:
        """A summary from summary.json's text (or its parsed content); ``source`` names the
        file in the one-line SummaryError raised when it is not a reportgen summary."""
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise SummaryError(f"{source} cannot be read ({exc})") from None
        if not isinstance(data, Mapping) or not isinstance(data.get("segments"), list):
            raise SummaryError(f"{source} is not a reportgen summary (no segments)")
        try:
            return from_plain(cls, dict(data))
        except SchemaError as exc:
            what = f"no {exc.where}" if exc.problem == "is missing" else str(exc)
            raise SummaryError(f"{source} is not a reportgen summary ({what})") from None


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
    *,
    report: SummaryReport,
    comparison: Comparison | None = None,
    log: TransactionLog | None = None,
) -> Summary:
    """The run's summary, its numbers as summary.json holds them (so that reading the file
    back gives an equal Summary); ``log`` is None when INPUT was not checked for one."""
    draft = Summary(
        reportgen_version=__version__,
        input=_input(dataset, input_label, profile, parameters),
        conversions=tuple(asdict(c) for c in dataset.conversions),
        profile=SummaryProfile(
            columns=tuple(_column(c) for c in profile.columns),
            alerts=tuple(asdict(a) for a in profile.alerts),
            duplicate_rows=profile.n_duplicate_rows,
        ),
        features=tuple(_feature(s) for s in features.specs),
        dropped_columns=tuple(asdict(d) for d in features.dropped),
        described_columns=tuple(features.described),
        outcomes=tuple(_outcome(o) for o in features.descriptors.outcomes),
        profiled=tuple(
            {"name": name, "overall": overall, "note": profiles.profiled_notes.get(name, "")}
            for name, overall in profiles.profiled_overall.items()
        ),
        k_selection=_k_selection(selection),
        silhouette=segmentation.silhouette,
        silhouette_sample=segmentation.silhouette_rows,
        parameters=parameters,
        summary=narratives.summary,
        segments=tuple(_segment(s, narratives) for s in profiles.segments),
        report=report,
        comparison=_comparison(comparison) if comparison is not None else None,
        transactions=transactions(log),
    )
    return from_plain(Summary, draft.to_dict())  # numpy numbers as plain, rounded ones


def _input(
    dataset: Dataset, input_label: str, profile: Profile, parameters: dict[str, Any]
) -> SummaryInput:
    return SummaryInput(
        path=input_label,
        sha256=dataset.sha256 or None,
        engine=parameters.get("engine", "local"),
        rows=profile.n_rows,
        columns=profile.n_columns,
        format=dataset.format,
        encoding=dataset.encoding,
        delimiter=dataset.delimiter,
        sheet=dataset.sheet,
        id_column=profile.id_column,
        notes=tuple(dataset.notes),
    )


def _column(c: ColumnProfile) -> SummaryColumn:
    data = asdict(c)
    data["top_values"] = tuple(tuple(v) for v in c.top_values)
    data["pseudo_levels"] = tuple(data["pseudo_levels"])
    return SummaryColumn(**data)


def _feature(s: FeatureSpec) -> Plain:
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


def _outcome(o: Any) -> Plain:
    return {
        "column": o.column,
        "label": o.label,
        "level": o.level,
        "how": o.how,
        "overall": _rate(o.values),
    }


def _k_selection(selection: KSelection) -> SummaryKSelection:
    return SummaryKSelection(
        k=selection.k,
        method=selection.method,
        rationale=selection.rationale,
        ambiguous=selection.ambiguous,
        alternatives=tuple(selection.alternatives),
        votes=selection.votes,
        elbow=selection.elbow,
        sample_size=selection.sample_size,
        silhouette_sample=selection.silhouette_sample,
        candidates=tuple(asdict(c) for c in selection.candidates),
        structure=selection.structure.as_dict() if selection.structure else None,
        outliers=selection.outliers,
        k_range=tuple(selection.k_range),
        extended=selection.extended,
    )


def _segment(s: SegmentProfile, narratives: Narratives) -> SummarySegment:
    story = narratives.for_segment(s.id)
    return SummarySegment(
        id=s.id,
        name=s.name,
        size=s.size,
        share=s.share,
        centroid=s.centroid,
        median=s.median,
        traits=tuple(
            SummaryTrait(
                feature=t.feature,
                role=t.role,
                direction=t.direction,
                value=t.segment_value,
                overall=t.overall_value,
                pct_diff=t.pct_diff,
                z=t.z,
            )
            for t in s.traits
        ),
        category_skews=tuple(asdict(k) for k in s.skews),
        outcomes=tuple(asdict(o) for o in s.outcomes),
        profiled=s.profiled,
        tightness=s.tightness,
        story=story.story,
        recommendations=tuple(SummaryRecommendation(**asdict(r)) for r in story.recommendations),
        kpis=tuple(story.kpis),
    )


def _rate(values: Any) -> float | None:
    known = values[values == values]  # NaN != NaN
    return float(known.mean()) if len(known) else None


def transactions(log: TransactionLog | None) -> SummaryTransactions:
    """The ``transactions`` object: whether INPUT was read as a transaction log, and if so
    what was set aside and why, and how the customers spread over the RFM grid."""
    if log is None:
        return SummaryTransactions(
            detected=False, how="not checked", reason="read as a customer table"
        )
    if not log.detected:
        return SummaryTransactions(detected=False, how=log.how, reason=log.reason)
    return SummaryTransactions(
        detected=True, how=log.how, reason=log.reason, details=_log_details(log)
    )


def _log_details(log: TransactionLog) -> Plain:
    rfm = log.rfm_map
    assert log.columns is not None and log.dates is not None  # a detected log has both
    return {
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


def _comparison(c: Comparison) -> SummaryComparison:
    m = c.migration
    return SummaryComparison(
        previous_period=c.previous_period,
        mode=c.mode,
        segments=tuple(
            SummaryChange(
                id=s.id,
                name=s.name,
                status=s.status,
                note=s.note,
                size_then=s.size_then,
                share_then=s.share_then,
                size_now=s.size_now,
                share_now=s.share_now,
                moves={f: {"then": a, "now": b} for f, (a, b) in s.moves.items()},
            )
            for s in c.changes
        ),
        migration=None
        if m is None
        else SummaryMigration(
            from_ids=tuple(m.from_ids),
            to_ids=tuple(m.to_ids),
            counts=tuple(tuple(row) for row in m.counts.tolist()),
            customers_in_both=m.n_both,
        ),
        new_customers=c.n_new_customers,
        gone_customers=c.n_gone_customers,
        drift=tuple(c.drift),
    )
