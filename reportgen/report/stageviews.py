"""Each stage's result as the plain values templates see (``reportgen.report.context``).

One function per stage object: it copies what a template may show and computes what a
template would otherwise compute (a percent change, an RFM share, the parts of a log's
columns), so templates hold no method calls or NaN tests and a stage can change without
breaking anyone's template.
"""

from __future__ import annotations

import math

from reportgen.profiling import profile as profiling
from reportgen.reading import tables as loader
from reportgen.reading import transactions as logs
from reportgen.report import narrative
from reportgen.report.context import (
    AlertView,
    ChangeView,
    ColumnProfileView,
    ComparisonView,
    ConversionView,
    DatesView,
    DroppedView,
    FeatureView,
    KScoreView,
    KSelectionView,
    LogColumnView,
    MigrationView,
    MoveView,
    OutcomeView,
    RecommendationView,
    RfmMapView,
    SetAsideView,
    SkewView,
    StatusView,
    StructureView,
    TraitView,
    TransactionsView,
)
from reportgen.segmenting import comparison as comparing
from reportgen.segmenting import features
from reportgen.segmenting import segments as describing
from reportgen.segmenting import selection as choosing

# the parts of a transaction log's columns, in the order the report lists them
LOG_PARTS = {
    "customer": "Customer",
    "date": "Purchase date",
    "amount": "Amount",
    "quantity": "Quantity",
    "price": "Unit price",
    "invoice": "Invoice / order",
    "product": "Product",
    "description": "Description",
}


def traits(segment: describing.SegmentProfile) -> tuple[TraitView, ...]:
    return tuple(
        TraitView(t.feature, t.role, t.direction, t.segment_value, t.overall_value, t.pct_diff, t.z)
        for t in segment.traits
    )


def skews(segment: describing.SegmentProfile) -> tuple[SkewView, ...]:
    return tuple(
        SkewView(s.column, s.value, s.label, s.segment_share, s.overall_share)
        for s in segment.skews
    )


def outcomes(segment: describing.SegmentProfile) -> tuple[OutcomeView, ...]:
    return tuple(
        OutcomeView(o.column, o.label, o.level, o.rate, o.overall, o.points, o.count)
        for o in segment.outcomes
    )


def recommendations(story: narrative.SegmentNarrative) -> tuple[RecommendationView, ...]:
    return tuple(
        RecommendationView(
            r.rank, r.objective, r.offer, r.channel, r.tone, r.kpi, r.trigger, r.matched
        )
        for r in story.recommendations
    )


def selection(chosen: choosing.KSelection) -> KSelectionView:
    """The k selection without its sample centres (numbers for the model, not the reader)."""
    st = chosen.structure
    return KSelectionView(
        k=chosen.k,
        method=chosen.method,
        rationale=chosen.rationale,
        ambiguous=chosen.ambiguous,
        alternatives=chosen.alternatives,
        votes=chosen.votes,
        elbow=chosen.elbow,
        candidates=tuple(
            KScoreView(
                c.k,
                c.inertia,
                c.silhouette,
                c.calinski_harabasz,
                c.davies_bouldin,
                c.stability,
                c.gap,
                c.min_share,
                c.eligible,
                c.score,
            )
            for c in chosen.candidates
        ),
        k_range=chosen.k_range,
        extended=chosen.extended,
        sample_size=chosen.sample_size,
        silhouette_sample=chosen.silhouette_sample,
        n_rows=chosen.n_rows,
        outliers=chosen.outliers,
        outlier_note=chosen.outlier_note,
        structure=StructureView(st.verdict, st.reason, st.gap, st.gap_k, st.stability)
        if st
        else None,
    )


def columns(profile: profiling.Profile) -> tuple[ColumnProfileView, ...]:
    return tuple(
        ColumnProfileView(
            name=c.name,
            role=c.role,
            role_reason=c.role_reason,
            meaning=c.meaning,
            meaning_detail=c.meaning_detail,
            dtype=c.dtype,
            n_missing=c.n_missing,
            missing_share=c.missing_share,
            n_distinct=c.n_distinct,
            stats=c.stats,
            skew=c.skew,
            n_outliers=c.n_outliers,
            n_extreme=c.n_extreme,
            top_values=c.top_values,
        )
        for c in profile.columns
    )


def alerts(profile: profiling.Profile) -> tuple[AlertView, ...]:
    return tuple(AlertView(a.kind, a.column, a.message, a.severity) for a in profile.alerts)


def conversions(dataset: loader.Dataset) -> tuple[ConversionView, ...]:
    return tuple(ConversionView(c.column, c.kind, c.detail) for c in dataset.conversions)


def feature_views(matrix: features.FeatureMatrix) -> tuple[FeatureView, ...]:
    return tuple(
        FeatureView(
            s.name,
            s.column,
            s.meaning,
            s.transform,
            s.transform_note,
            s.impute_value,
            s.n_imputed,
            s.clip_low,
            s.clip_high,
            s.n_clipped,
            s.reason,
        )
        for s in matrix.specs
    )


def dropped(matrix: features.FeatureMatrix) -> tuple[DroppedView, ...]:
    return tuple(DroppedView(d.name, d.reason) for d in matrix.dropped)


def comparison(found: comparing.Comparison | None) -> ComparisonView | None:
    """The changes since the baseline, each centre's move with its percent change."""
    if found is None:
        return None
    m = found.migration
    return ComparisonView(
        previous_period=found.previous_period,
        mode=found.mode,
        changes=tuple(_change(c) for c in found.changes),
        migration=MigrationView(
            m.from_ids, m.to_ids, tuple(tuple(int(n) for n in row) for row in m.counts), m.n_both
        )
        if m
        else None,
        n_new_customers=found.n_new_customers,
        n_gone_customers=found.n_gone_customers,
        drift=found.drift,
    )


def _change(c: comparing.SegmentChange) -> ChangeView:
    moves = tuple(
        MoveView(feature, then, now, pct_change(then, now))
        for feature, (then, now) in c.moves.items()
    )
    return ChangeView(
        c.id, c.name, c.status, c.note, c.size_then, c.size_now, c.share_then, c.share_now, moves
    )


def pct_change(then: float, now: float) -> float | None:
    """``now`` against ``then`` in percent; None when ``then`` is 0 or either is unknown."""
    if not then or math.isnan(then) or math.isnan(now):
        return None
    return (now - then) / abs(then) * 100


def transactions(log: logs.TransactionLog | None) -> TransactionsView | None:
    """How a transaction log became the customer table; None for a customer table."""
    if log is None or not log.detected:
        return None
    assert log.columns is not None and log.dates is not None  # a detected log has both
    found = log.columns.as_dict()
    read = log.rows_read
    return TransactionsView(
        how=log.how,
        reason=log.reason,
        columns=tuple(
            LogColumnView(part, label, column, part in log.columns.given)
            for part, label in LOG_PARTS.items()
            if (column := found[part])
        ),
        dates=DatesView(log.dates.column, log.dates.order, log.dates.detail),
        first_date=log.first_date or "",
        last_date=log.last_date or "",
        as_of=log.as_of or "",
        rows_read=read,
        set_aside=tuple(
            SetAsideView(s.reason, s.explanation, s.rows, s.rows / read if read else 0.0)
            for s in log.set_aside
        ),
        rows_used=log.rows_used,
        used_share=log.rows_used / read if read else 0.0,
        return_rows=log.return_rows,
        customers_only_returns=log.customers_only_returns,
        n_customers=log.n_customers,
        frequency_basis=log.frequency_basis,
        status=StatusView(log.status.column, log.status.set_aside, log.status.kept)
        if log.status
        else None,
        features=log.features,
        scores=log.scores,
        rfm_map=_rfm_map(log.rfm_map),
    )


def _rfm_map(m: logs.RfmMap | None) -> RfmMapView | None:
    if m is None:
        return None
    shares = tuple(
        tuple(m.share(row, column) for column in range(len(m.names)))
        for row in range(len(m.segments))
    )
    return RfmMapView(m.segments, m.names, m.counts, shares, m.totals)
