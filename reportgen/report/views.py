"""The report's template context, built from a run: the segments, the method table, the
input, the column uses, and the shortener that cuts long names for the reader.

``pipeline.report`` calls ``report_context`` once the charts are drawn; templates receive the
``context.ReportContext`` it returns, views of plain values (``stageviews`` turns each stage's
result into one), as the README's template context table lists them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from reportgen import __version__
from reportgen.config import Config
from reportgen.engines.analysis import Analysis
from reportgen.profiling import profile as profiling
from reportgen.reading import tables as loader
from reportgen.reading import transactions as logs
from reportgen.report import charts, display, narrative, render
from reportgen.report import stageviews as staged
from reportgen.report.context import ChartView, ColumnView, ReportContext, SegmentView, SourceView
from reportgen.segmenting import features
from reportgen.segmenting import segments as describing
from reportgen.segmenting import selection as choosing


def report_context(
    config: Config,
    analysis: Analysis,
    log: logs.TransactionLog | None,
    stories: narrative.Narratives,
    drawn: dict[str, charts.Chart],
    colors: charts.Palette,
    logo: str | None,
    parameters: dict[str, Any],
    css: str,
) -> ReportContext:
    """The template context; ``log`` is the detected transaction log with its RFM map."""
    dataset, profile, matrix = analysis.dataset, analysis.profile, analysis.matrix
    profiles = analysis.profiles
    views = {key: render.chart_view(chart) for key, chart in drawn.items()}
    return ReportContext(
        title=config.report.title,
        period=period(config),
        generated=date.today().isoformat(),
        company=config.branding.company,
        logo=logo,
        footer=config.branding.footer,
        paper=config.report.paper,
        css=css,
        source=_source(config, dataset, profile),
        summary=stories.summary,
        segments=_segment_views(profiles, stories, colors, views),
        k=analysis.selection.k,
        selection=staged.selection(analysis.selection),
        silhouette=analysis.segmentation.silhouette,
        columns=staged.columns(profile),
        column_uses=column_uses(profile, matrix),
        alerts=staged.alerts(profile),
        conversions=staged.conversions(dataset),
        features=staged.feature_views(matrix),
        dropped=staged.dropped(matrix),
        described=matrix.described,
        charts=views,
        mix_charts=tuple(v for k, v in views.items() if k.startswith("mix_")),
        uncharted=tuple(
            p.note for p in charts.category_plans(profiles, distinct(profile)) if not p.charted
        ),
        distribution_charts=tuple(v for k, v in views.items() if k.startswith("distributions")),
        method=_method_table(config, analysis, log, parameters),
        comparison=staged.comparison(analysis.comparison),
        transactions=staged.transactions(log),
        playbook=stories.playbook,
        reportgen_version=__version__,
    )


def _segment_views(
    profiles: describing.SegmentProfiles,
    stories: narrative.Narratives,
    colors: charts.Palette,
    views: dict[str, ChartView],
) -> tuple[SegmentView, ...]:
    """Each segment as the templates see it: its profile, story, actions and chart."""
    return tuple(
        SegmentView(
            id=s.id,
            name=s.name,
            size=s.size,
            share=s.share,
            color=colors.segment(s.id),
            traits=staged.traits(s),
            skews=staged.skews(s),
            centroid=s.centroid,
            z=s.z,
            tightness=s.tightness,
            story=stories.for_segment(s.id).story,
            recommendations=staged.recommendations(stories.for_segment(s.id)),
            kpis=stories.for_segment(s.id).kpis,
            note=stories.for_segment(s.id).note,
            chart=views.get(f"profile_{s.id}"),
            outcomes=staged.outcomes(s),
            profiled=tuple(
                (name, value, profiles.profiled_overall.get(name, float("nan")))
                for name, value in s.profiled.items()
            ),
        )
        for s in profiles.segments
    )


def _method_table(
    config: Config,
    analysis: Analysis,
    log: logs.TransactionLog | None,
    parameters: dict[str, Any],
) -> dict[str, str]:
    """The method and reproducibility table: what was read, the settings, the versions."""
    dataset, profile, matrix = analysis.dataset, analysis.profile, analysis.matrix
    selection, segmentation = analysis.selection, analysis.segmentation
    versions = _versions()
    return {
        "Input file": config.source,
        "Input SHA-256": dataset.sha256 or "not computed (read by Spark)",
        "Rows and columns": f"{profile.n_rows:,} × {profile.n_columns}",
        **(
            {
                "Transaction log": f"{log.rows_read:,} lines, {log.rows_used:,} used, "
                f"{log.n_customers:,} customers as of {log.as_of}"
            }
            if log
            else {}
        ),
        **analysis.engine_rows,
        "Features": ", ".join(matrix.names),
        "k": f"{selection.k} ("
        + ("set by the user" if selection.method == "fixed" else "chosen by consensus")
        + ")",
        **({"K range swept": _swept(selection)} if selection.method == "consensus" else {}),
        "Seed": str(selection.options.seed),
        **{
            name.replace("_", " ").capitalize(): str(value)
            for name, value in parameters.items()
            if name not in ("seed", "k")
        },
        "Silhouette (final fit)": f"{segmentation.silhouette:.3f} on "
        f"{segmentation.silhouette_rows:,} customers",
        "Library versions": ", ".join(f"{k} {v}" for k, v in versions.items()),
        "reportgen": __version__,
    }


def _source(config: Config, dataset: loader.Dataset, profile: profiling.Profile) -> SourceView:
    """What the input was: name, format, encoding, delimiter, size."""
    return SourceView(
        name=config.source,
        format=dataset.format,
        encoding=dataset.encoding,
        delimiter=dataset.delimiter,
        delimiter_name=dataset.delimiter_name,
        sheet=dataset.sheet,
        sha256=dataset.sha256,
        rows=profile.n_rows,
        # the input's own columns: dates joined from year/month columns are extra
        columns=profile.n_columns - len({c.name for c in profile.columns} & set(dataset.joined)),
    )


def column_uses(
    profile: profiling.Profile, matrix: features.FeatureMatrix
) -> tuple[ColumnView, ...]:
    """Each column's meaning, the reason, and what the run did with it, for the data section."""
    specs = {s.column: s for s in matrix.specs}
    dropped = {d.name: d.reason for d in matrix.dropped}
    outcomes = {o.column: o.how for o in matrix.descriptors.outcomes}
    extra = matrix.descriptors
    profiled = {column: extra.notes.get(label, "") for label, column in extra.sources.items()}
    views = []
    for c in profile.columns:
        meaning = c.meaning + (f" ({c.meaning_detail})" if c.meaning_detail else "")
        if c.name in specs:
            use = "clustered: " + specs[c.name].reason
        elif c.name in outcomes:
            use = f"an outcome: its rate per segment ({outcomes[c.name]})"
        elif c.name in profiled:
            use = "shown per segment as an average" + (
                f" ({profiled[c.name]})" if profiled[c.name] else ""
            )
        elif c.name == profile.id_column:
            use = "the customer id: names each row of segments.csv"
        elif c.name in matrix.described:
            use = "described per segment"
        else:
            use = "left out: " + dropped.get(c.name, "not used")
        flag = c.sentinel.flag if c.sentinel else None
        if flag and flag in matrix.described and flag not in use:
            use += f"; the flag '{flag}' is described per segment"
        views.append(ColumnView(c.name, meaning, c.meaning_reason or c.role_reason, use))
    return tuple(views)


def shortener(
    dataset: loader.Dataset,
    profile: profiling.Profile,
    profiles: describing.SegmentProfiles,
    limit: int,
) -> display.Shortener:
    """What the reader sees of this run's names and values: the input's and the customer
    table's column names, and the values the report can name (most common values, the
    levels of described columns), each cut at ``limit`` characters."""
    names = [*map(str, dataset.frame.columns), *(c.name for c in profile.columns)]
    values = [value for c in profile.columns for value, _ in c.top_values]
    levels = [level for mix in profiles.overall_mix.values() for level in mix]
    return display.Shortener.of([*names, *values, *levels], limit)


def _swept(selection: choosing.KSelection) -> str:
    """The k the sweep covered, which is not the range asked for when it was extended (or
    cut short by a small table)."""
    low, high = selection.k_range
    asked = selection.options
    text = f"{low} to {high}"
    if selection.extended:
        return (
            text + f" (k max {asked.k_max} extended: the best k was at the top and still improving)"
        )
    if (low, high) != (asked.k_min, asked.k_max):
        return text + f" (asked {asked.k_min} to {asked.k_max}; a table this small allows no more)"
    return text


def period(config: Config) -> str:
    return config.report.period or date.today().strftime("%Y-%m")


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in ("pandas", "numpy", "scikit-learn", "matplotlib", "jinja2", "weasyprint"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def distinct(profile: Any) -> dict[str, int]:
    """How many values each input column holds (the category charts say what they pool)."""
    return {c.name: c.n_distinct for c in profile.columns}
