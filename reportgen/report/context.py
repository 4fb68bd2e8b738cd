"""The template API: ``ReportContext`` and the views it holds, every field documented.

Templates see these frozen dataclasses of plain values (numbers computed, labels readable,
a percent change ready or None), never a stage's objects: a stage can rename a field or
change a type without breaking a user's template, and a template needs no method calls or
NaN tests.  ``views.py`` builds them from a run.  Each field's documentation is the text in
its ``Annotated`` type, machine-readable, so the README's context table is written from it
(``context_table``; ``python -m reportgen.report.context --readme README.md``) and a test
checks that the README says what templates receive.
"""

from __future__ import annotations

import sys
import types
import typing
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Annotated, Any

START, END = "<!-- context-table:start -->", "<!-- context-table:end -->"


@dataclass(frozen=True, slots=True)
class ChartView:
    """A chart: ``{% call figure(chart) %}caption{% endcall %}`` (macros.html) draws one."""

    key: Annotated[str, "its key in `charts`: `k_selection`, `sizes`, `map`, `heatmap`, ..."]
    title: Annotated[str, "the chart's title"]
    alt: Annotated[str, "what the chart shows, in words (its alt text)"]
    src: Annotated[str, "the PNG as a `data:` URI, for `<img src>`"]
    width: Annotated[float, "width in inches at print size"]
    height: Annotated[float, "height in inches at print size"]


@dataclass(frozen=True, slots=True)
class SourceView:
    """The input file and how it was read."""

    name: Annotated[str, "the input's file name (or what Spark read)"]
    format: Annotated[str, "`csv`, `excel` or `parquet`"]
    encoding: Annotated[str | None, "the text encoding, e.g. `utf-8`; none for binary formats"]
    delimiter: Annotated[str | None, "the delimiter as read (`,`, `\\t`, ...); none for binary"]
    delimiter_name: Annotated[str | None, "the delimiter in words: `comma`, `tab`, ..."]
    sheet: Annotated[str | None, "the Excel sheet read, or none"]
    sha256: Annotated[str, "the input's SHA-256 (empty when Spark read it)"]
    rows: Annotated[int, "customers: rows of the customer table"]
    columns: Annotated[int, "the input's own columns (dates joined from parts not counted)"]


@dataclass(frozen=True, slots=True)
class TraitView:
    """A measure on which a segment differs from the average customer."""

    feature: Annotated[str, "the feature's name (`label` turns it into words)"]
    role: Annotated[str | None, "its marketing role (`spend`, `recency`, ...), or none"]
    direction: Annotated[str, "`high` or `low`"]
    segment_value: Annotated[float, "the segment's average, in the column's units"]
    overall_value: Annotated[float, "every customer's average"]
    pct_diff: Annotated[float | None, "percent above or below average; none when it is 0"]
    z: Annotated[float, "the difference in standard deviations"]


@dataclass(frozen=True, slots=True)
class SkewView:
    """A category level more or less common in a segment than among all customers."""

    column: Annotated[str, "the described column"]
    value: Annotated[str, "the level"]
    label: Annotated[str, "how the text names it: `Female`, `Region 3`, a flag's column"]
    segment_share: Annotated[float, "its share in the segment (0 to 1, known values only)"]
    overall_share: Annotated[float, "its share among all customers"]


@dataclass(frozen=True, slots=True)
class OutcomeView:
    """How often an outcome (churn, response) happens in a segment, against everyone."""

    column: Annotated[str, "the outcome column"]
    label: Annotated[str, "its name in the report: `Churn`, `Categoria = Cancelado`"]
    level: Annotated[str, "the value counted"]
    rate: Annotated[float, "share of the segment's customers with it (0 to 1)"]
    overall: Annotated[float, "share of all customers with it"]
    points: Annotated[float, "rate minus overall, in percentage points"]
    count: Annotated[int, "customers in the segment with it"]


@dataclass(frozen=True, slots=True)
class RecommendationView:
    """A recommended action for a segment, from the playbook."""

    rank: Annotated[int, "1 for the top action"]
    objective: Annotated[str, "what the action is for"]
    offer: Annotated[str, "what to offer"]
    channel: Annotated[str, "where to reach the customers"]
    tone: Annotated[str, "how to speak to them"]
    kpi: Annotated[str, "what to measure"]
    trigger: Annotated[str, "the trait that called for it, in words"]
    matched: Annotated[bool, "false for an action from the segment's position (no rule fit)"]


@dataclass(frozen=True, slots=True)
class SegmentView:
    """One segment with its story and actions, in the order of the report."""

    id: Annotated[int, "the segment's number (1 is the largest)"]
    name: Annotated[str, "its name"]
    size: Annotated[int, "customers in it"]
    share: Annotated[float, "its share of all customers (0 to 1)"]
    color: Annotated[str, "its colour in every chart (`#rrggbb`)"]
    traits: Annotated[tuple[TraitView, ...], "what sets it apart, strongest first"]
    skews: Annotated[tuple[SkewView, ...], "notable category differences, strongest first"]
    centroid: Annotated[dict[str, float], "feature -> the segment's average, original units"]
    z: Annotated[dict[str, float], "feature -> difference from average, standard deviations"]
    tightness: Annotated[str, "`tight`, `typical` or `loose` against the other segments"]
    story: Annotated[str, "its story, paragraphs separated by a blank line"]
    recommendations: Annotated[tuple[RecommendationView, ...], "recommended actions, in order"]
    kpis: Annotated[tuple[str, ...], "KPIs to watch"]
    note: Annotated[str, "a note on the actions (e.g. that no playbook rule fit), or empty"]
    chart: Annotated[ChartView | None, "how it differs from the average customer"]
    outcomes: Annotated[tuple[OutcomeView, ...], "outcome rates against overall"]
    profiled: Annotated[
        tuple[tuple[str, float, float], ...],
        "(label, segment average, overall average) of ages and household members",
    ]


@dataclass(frozen=True, slots=True)
class KScoreView:
    """Every criterion for one k of the sweep (computed on the sweep's sample)."""

    k: Annotated[int, "the number of segments"]
    inertia: Annotated[float, "K-Means inertia"]
    silhouette: Annotated[float, "silhouette (higher is better)"]
    calinski_harabasz: Annotated[float, "Calinski-Harabasz (higher is better)"]
    davies_bouldin: Annotated[float, "Davies-Bouldin (lower is better)"]
    stability: Annotated[float | None, "agreement of resampled fits, or none"]
    gap: Annotated[float | None, "the gap statistic, or none"]
    min_share: Annotated[float, "share of the smallest segment"]
    eligible: Annotated[bool, "whether the smallest segment is big enough"]
    score: Annotated[float | None, "consensus score (0 to 1); none where not eligible"]


@dataclass(frozen=True, slots=True)
class StructureView:
    """Whether the customers fall into distinct segments at all."""

    verdict: Annotated[str, "`clear`, `weak` or `none`"]
    reason: Annotated[str, "why, in a sentence"]
    gap: Annotated[float, "the largest gap against data without groups (log units)"]
    gap_k: Annotated[int, "the k where it is largest"]
    stability: Annotated[float | None, "resample agreement at the chosen k, or none"]


@dataclass(frozen=True, slots=True)
class KSelectionView:
    """How the number of segments was chosen."""

    k: Annotated[int, "the chosen number of segments"]
    method: Annotated[str, "`consensus`, `fixed` (set by the user) or `baseline`"]
    rationale: Annotated[str, "why this k, in words"]
    ambiguous: Annotated[bool, "whether another k is about as good"]
    alternatives: Annotated[tuple[int, ...], "the other k the criteria point to"]
    votes: Annotated[dict[str, int], "criterion -> the k it favours"]
    elbow: Annotated[int | None, "the k at the inertia elbow, or none"]
    candidates: Annotated[tuple[KScoreView, ...], "the scores of every k swept"]
    k_range: Annotated[tuple[int, int], "the lowest and highest k swept"]
    extended: Annotated[bool, "whether the sweep went past the k max asked for"]
    sample_size: Annotated[int, "customers the sweep ran on"]
    silhouette_sample: Annotated[int, "customers silhouette was computed on"]
    n_rows: Annotated[int, "all customers"]
    outliers: Annotated[int, "far-away customers set aside before the sweep"]
    outlier_note: Annotated[str, "about them, or empty"]
    structure: Annotated[StructureView | None, "whether there are distinct segments, or none"]


@dataclass(frozen=True, slots=True)
class ColumnProfileView:
    """One input column's profile: type, missing values, statistics."""

    name: Annotated[str, "the column's name"]
    role: Annotated[str, "`numeric`, `binary`, `categorical`, `coded_category`, `date`, ..."]
    role_reason: Annotated[str, "why that role"]
    meaning: Annotated[str, "what it is about: `money`, `age`, `identifier`, ..."]
    meaning_detail: Annotated[str, "more precisely (`month`, `recency`, ...), or empty"]
    dtype: Annotated[str, "the pandas type"]
    n_missing: Annotated[int, "empty cells"]
    missing_share: Annotated[float, "their share (0 to 1)"]
    n_distinct: Annotated[int, "distinct values"]
    stats: Annotated[
        dict[str, float], "`mean`, `std`, `min`, `q1`, `median`, `q3`, `max` (numbers and dates)"
    ]
    skew: Annotated[float | None, "skewness, or none"]
    n_outliers: Annotated[int, "values beyond the 1.5 IQR fences"]
    n_extreme: Annotated[int, "values beyond the 3 IQR fences"]
    top_values: Annotated[tuple[tuple[str, int], ...], "(value, count), most common first"]


@dataclass(frozen=True, slots=True)
class ColumnView:
    """One input column: what reportgen took it to mean, why, and what it did with it."""

    name: Annotated[str, "the column's name"]
    meaning: Annotated[str, "e.g. `money`, `calendar (month)`, `contact (phone)`"]
    why: Annotated[str, "the reason, from the column's name and values"]
    use: Annotated[str, "`clustered: ...`, `described per segment`, `left out: ...`, ..."]


@dataclass(frozen=True, slots=True)
class AlertView:
    """Something a reader should know about the data."""

    kind: Annotated[str, "`missing`, `skewed`, `duplicate_ids`, `sentinel_code`, ..."]
    column: Annotated[str | None, "the column it is about, or none"]
    message: Annotated[str, "one plain sentence"]
    severity: Annotated[str, "`info` or `warning`"]


@dataclass(frozen=True, slots=True)
class ConversionView:
    """How the values of a text column were read."""

    column: Annotated[str, "the column"]
    kind: Annotated[str, "`number`, `currency`, `percent`, `decimal_comma`, `date`, ..."]
    detail: Annotated[str, "what was done, in words"]


@dataclass(frozen=True, slots=True)
class FeatureView:
    """A clustering feature and the steps that computed it from its column."""

    name: Annotated[str, "the feature's name"]
    column: Annotated[str, "the input column it comes from"]
    meaning: Annotated[str, "the column's meaning"]
    transform: Annotated[str, "`none` or `log1p`"]
    transform_note: Annotated[str, "why it was log-transformed, or empty"]
    impute_value: Annotated[float, "the median, which fills missing values"]
    n_imputed: Annotated[int, "missing values filled"]
    clip_low: Annotated[float | None, "the lower fence (transformed scale), or none"]
    clip_high: Annotated[float | None, "the upper fence, or none"]
    n_clipped: Annotated[int, "values clipped at the fences"]
    reason: Annotated[str, "why the column is used and how, in words"]


@dataclass(frozen=True, slots=True)
class DroppedView:
    """A column left out of the clustering."""

    name: Annotated[str, "the column"]
    reason: Annotated[str, "why"]


@dataclass(frozen=True, slots=True)
class MoveView:
    """How a feature's segment average moved since the baseline."""

    feature: Annotated[str, "the feature"]
    then: Annotated[float, "the baseline's average (NaN when it had none)"]
    now: Annotated[float, "this run's average (NaN when the segment is gone)"]
    pct_change: Annotated[float | None, "percent change; none when then is 0 or unknown"]


@dataclass(frozen=True, slots=True)
class ChangeView:
    """What happened to one segment since the baseline."""

    id: Annotated[int, "the segment's number"]
    name: Annotated[str, "its name"]
    status: Annotated[str, "`survived`, `shrank`, `grew`, `new`, `vanished`, `split`, `merged`"]
    note: Annotated[str, "more on the status (`split into 2 and 5`), or empty"]
    size_then: Annotated[int, "customers then"]
    size_now: Annotated[int, "customers now"]
    share_then: Annotated[float, "share of all customers then"]
    share_now: Annotated[float, "share now"]
    moves: Annotated[tuple[MoveView, ...], "how its averages moved, feature by feature"]


@dataclass(frozen=True, slots=True)
class MigrationView:
    """Customers present in both periods, by segment then (rows) and now (columns)."""

    from_ids: Annotated[tuple[int, ...], "the baseline's segments (rows)"]
    to_ids: Annotated[tuple[int, ...], "this run's segments (columns)"]
    counts: Annotated[tuple[tuple[int, ...], ...], "customers per (then, now) pair"]
    n_both: Annotated[int, "customers in both periods"]


@dataclass(frozen=True, slots=True)
class ComparisonView:
    """Changes since the baseline (a run with `--baseline`)."""

    previous_period: Annotated[str, "the baseline's period label"]
    mode: Annotated[str, "`assign` (the saved model) or `refit`"]
    changes: Annotated[tuple[ChangeView, ...], "one per segment then or now"]
    migration: Annotated[MigrationView | None, "customers followed by id, or none"]
    n_new_customers: Annotated[int | None, "customers not in the baseline; none without ids"]
    n_gone_customers: Annotated[int | None, "baseline customers no longer present"]
    drift: Annotated[tuple[str, ...], "drift alerts, plain sentences"]


@dataclass(frozen=True, slots=True)
class LogColumnView:
    """A column of the transaction log and the part it plays."""

    part: Annotated[str, "`customer`, `date`, `amount`, `quantity`, `price`, `invoice`, ..."]
    label: Annotated[str, "the part in words: `Customer`, `Purchase date`, ..."]
    column: Annotated[str, "the log's column"]
    given: Annotated[bool, "named by the user (true) or recognised (false)"]


@dataclass(frozen=True, slots=True)
class DatesView:
    """How the purchase dates were read."""

    column: Annotated[str, "the date column"]
    order: Annotated[str, "`iso`, `day-first`, `month-first`, `yyyymmdd`, ..."]
    detail: Annotated[str, "in words, with an example"]


@dataclass(frozen=True, slots=True)
class SetAsideView:
    """Log lines that are not purchases, by reason."""

    reason: Annotated[str, "a short key: `missing_date`, `duplicate`, `return`, ..."]
    explanation: Annotated[str, "the reason in words"]
    rows: Annotated[int, "lines"]
    share: Annotated[float, "their share of the lines read"]


@dataclass(frozen=True, slots=True)
class StatusView:
    """A status column that marks lines that are not purchases."""

    column: Annotated[str, "the column"]
    set_aside: Annotated[tuple[tuple[str, str, int], ...], "(value, reason, lines) set aside"]
    kept: Annotated[tuple[tuple[str, int], ...], "(value, lines) kept"]


@dataclass(frozen=True, slots=True)
class RfmMapView:
    """How the segments spread over the RFM grid's names."""

    segments: Annotated[tuple[tuple[int, str], ...], "(segment id, name): the rows"]
    names: Annotated[tuple[str, ...], "the RFM names present, in grid order: the columns"]
    counts: Annotated[tuple[tuple[int, ...], ...], "customers per segment and name"]
    shares: Annotated[tuple[tuple[float, ...], ...], "the same as shares of each segment"]
    totals: Annotated[tuple[int, ...], "customers per name, all segments"]


@dataclass(frozen=True, slots=True)
class TransactionsView:
    """How a transaction log became the customer table."""

    how: Annotated[str, "`detected` (from its columns) or `forced` (flags or config)"]
    reason: Annotated[str, "why it was taken for a log"]
    columns: Annotated[tuple[LogColumnView, ...], "the columns used and their parts"]
    dates: Annotated[DatesView, "how the dates were read"]
    first_date: Annotated[str, "the first purchase date (ISO)"]
    last_date: Annotated[str, "the last purchase date"]
    as_of: Annotated[str, "the date recency and tenure are counted to"]
    rows_read: Annotated[int, "lines read"]
    set_aside: Annotated[tuple[SetAsideView, ...], "lines that are not purchases, by reason"]
    rows_used: Annotated[int, "purchase lines used"]
    used_share: Annotated[float, "their share of the lines read"]
    return_rows: Annotated[int, "cancelled and returned lines (they give the return share)"]
    customers_only_returns: Annotated[int, "customers with returns but no purchase: left out"]
    n_customers: Annotated[int, "customers derived"]
    frequency_basis: Annotated[str, "what a purchase counts: invoices or purchase days"]
    status: Annotated[StatusView | None, "the status column, or none"]
    features: Annotated[tuple[tuple[str, str], ...], "(derived column, what it means)"]
    scores: Annotated[str, "what customers.csv adds to each customer, in words"]
    rfm_map: Annotated[RfmMapView | None, "segments on the RFM grid; none without amounts"]


@dataclass(frozen=True, slots=True)
class ReportContext:
    """Everything a report template receives: the template API (the README lists it)."""

    title: Annotated[str, "the report's title"]
    period: Annotated[str, "the period label, e.g. `2026-11`"]
    generated: Annotated[str, "the date the report was generated (YYYY-MM-DD)"]
    company: Annotated[str, "branding: the company name, or empty"]
    logo: Annotated[str | None, "branding: the logo as a `data:` URI, or none"]
    footer: Annotated[str, "branding: the footer text"]
    paper: Annotated[str, "`A4` or `letter`"]
    css: Annotated[str, "the theme CSS (branding filled in) followed by custom.css"]
    source: Annotated[SourceView, "the input file"]
    summary: Annotated[str, "the executive summary, paragraphs separated by a blank line"]
    segments: Annotated[tuple[SegmentView, ...], "the segments, largest first"]
    k: Annotated[int, "the number of segments"]
    selection: Annotated[KSelectionView, "how k was chosen"]
    silhouette: Annotated[float, "the final fit's silhouette (on a sample: see `method`)"]
    columns: Annotated[tuple[ColumnProfileView, ...], "the profile of every input column"]
    column_uses: Annotated[tuple[ColumnView, ...], "every input column: meaning, why, use"]
    alerts: Annotated[tuple[AlertView, ...], "data quality alerts"]
    conversions: Annotated[tuple[ConversionView, ...], "how text values were read"]
    features: Annotated[tuple[FeatureView, ...], "the clustering features"]
    dropped: Annotated[tuple[DroppedView, ...], "columns left out, with reasons"]
    described: Annotated[tuple[str, ...], "category columns described per segment"]
    charts: Annotated[dict[str, ChartView], "every chart by key (`charts.map`)"]
    mix_charts: Annotated[tuple[ChartView, ...], "one per charted category column"]
    uncharted: Annotated[tuple[str, ...], "category columns not charted, each with why"]
    distribution_charts: Annotated[tuple[ChartView, ...], "the feature distributions"]
    method: Annotated[dict[str, str], "the method table: setting -> value, in order"]
    comparison: Annotated[ComparisonView | None, "changes since the baseline, or none"]
    transactions: Annotated[TransactionsView | None, "for a transaction log, or none"]
    playbook: Annotated[str, "where the recommendations came from"]
    reportgen_version: Annotated[str, "the version of reportgen"]


# --------------------------------------------------------------------------- documentation


def documented(root: type = ReportContext) -> dict[type, dict[str, tuple[Any, str]]]:
    """Every view reachable from ``root``, each followed by the views inside it: field ->
    (type, documentation).  A field without documentation is a mistake, and raises."""
    found: dict[type, dict[str, tuple[Any, str]]] = {}

    def visit(cls: type) -> None:
        hints = typing.get_type_hints(cls, include_extras=True)
        found[cls] = {}
        for f in fields(cls):
            hint = hints[f.name]
            if typing.get_origin(hint) is not Annotated or not isinstance(
                hint.__metadata__[0], str
            ):
                raise TypeError(f"{cls.__name__}.{f.name} has no documentation")
            found[cls][f.name] = (hint.__origin__, hint.__metadata__[0])
        for hint, _ in list(found[cls].values()):
            for view in _inner(hint):
                if view not in found:
                    visit(view)

    visit(root)
    return found


def _inner(hint: Any) -> list[type]:
    """The views inside a type: ``SegmentView`` in ``tuple[SegmentView, ...] | None``."""
    if isinstance(hint, type) and is_dataclass(hint):
        return [hint]
    return [view for arg in typing.get_args(hint) for view in _inner(arg)]


_WORDS = {str: "text", int: "whole number", float: "number", bool: "true/false"}


def kind(hint: Any) -> str:
    """A type in a reader's words: ``tuple[TraitView, ...]`` -> "list of `TraitView`"."""
    args = typing.get_args(hint)
    origin = typing.get_origin(hint)
    if hint in _WORDS:
        return _WORDS[hint]
    if isinstance(hint, type) and is_dataclass(hint):
        return f"`{hint.__name__}`"
    if origin in (typing.Union, types.UnionType):
        shown = [kind(a) for a in args if a is not type(None)]
        return " or ".join(shown) + (" or none" if type(None) in args else "")
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return f"list of {kind(args[0])}"
    if origin is tuple:
        return "(" + ", ".join(kind(a) for a in args) + ")"
    if origin is dict:
        return f"{kind(args[0])} -> {kind(args[1])}"
    raise TypeError(f"no words for the type {hint!r}")


def context_table() -> str:
    """The README's context table: ``ReportContext``'s fields, then each view's."""
    views = documented()
    out = [
        "<!-- written from reportgen/report/context.py by `python -m reportgen.report.context "
        "--readme README.md`: edit the documentation there -->"
    ]
    for cls, described in views.items():
        if cls is not ReportContext:
            text = " ".join((cls.__doc__ or "").split()).replace("``", "`")
            out += ["", f"#### `{cls.__name__}`", "", text]
        out += ["", "| field | type | content |", "|---|---|---|"]
        out += [_row(name, hint, doc) for name, (hint, doc) in described.items()]
    return "\n".join(out)


def _row(name: str, hint: Any, doc: str) -> str:
    """A field's row; a ``|`` in its documentation is escaped so the table holds."""
    escaped = doc.replace("|", "\\|")
    return f"| `{name}` | {kind(hint)} | {escaped} |"


def with_table(readme: str) -> str:
    """``readme`` with the text between the context table's markers replaced."""
    head, start, rest = readme.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"the README has no {START} ... {END} section")
    return f"{head}{START}\n{context_table()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    """``python -m reportgen.report.context``: print the table; ``--readme FILE`` rewrites
    FILE's."""
    if not argv:
        sys.stdout.write(context_table() + "\n")
    elif argv[0] == "--readme" and len(argv) == 2:
        path = Path(argv[1])
        path.write_text(with_table(path.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        sys.stderr.write("usage: python -m reportgen.report.context [--readme README.md]\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
