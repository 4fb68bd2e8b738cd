"""``run(config)``: every stage in order, then all outputs written at once.

This is the library entry point the CLI and notebooks share.  It never prints: progress goes
to an optional callback ``progress(stage, done, total)`` (``done == total == 0`` when a stage
starts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from reportgen import (
    __version__,
    charts,
    clustering,
    display,
    features,
    narrative,
    outdir,
    outputs,
    render,
    workers,
)
from reportgen import comparison as comparing
from reportgen import io as loader
from reportgen import model as saved_model
from reportgen import profile as profiling
from reportgen import segments as describing
from reportgen import selection as choosing
from reportgen import summary as summarising
from reportgen import transactions as logs
from reportgen.analysis import (
    Analysis,
    Assignments,
    Notify,
    Progress,
    Stage,
    silent,
    stage_timer,
)
from reportgen.config import Config
from reportgen.errors import ConfigError
from reportgen.templating import environment

STAGES = (  # in the order they run; bench/run.py prints them
    "load",
    "transactions",
    "profile",
    "features",
    "select k",
    "fit",
    "describe",
    "narrative",
    "charts",
    "html",
    "pdf",
    "write",
)


@dataclass(frozen=True)
class RunResult:
    out: Path
    files: dict[str, Path]
    dataset: loader.Dataset
    profile: profiling.Profile
    features: features.FeatureMatrix
    selection: choosing.KSelection
    segmentation: clustering.Segmentation
    segments: describing.SegmentProfiles
    narratives: narrative.Narratives
    summary: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    transactions: logs.TransactionLog | None = None  # None unless INPUT was a transaction log


@dataclass(frozen=True)
class Prepared:
    """What is checked before any data is read, so a bad logo or template fails fast."""

    target: outdir.Target  # the output folder, locked for the run
    helpers: workers.Helpers  # the run's chart and PDF processes, warming up
    logo: str | None
    playbook: narrative.Playbook
    html_env: Any
    text_env: Any


def run(
    config: Config, *, progress: Progress | None = None, notify: Notify | None = None
) -> RunResult:
    """Segment the customers in ``config.input`` and write the report to ``config.out``.

    ``notify(what, value)``, if given, hears of results as soon as they are known, so a
    command line can print them while the run goes on: ``("read", (dataset, log or None))``,
    ``("features", matrix)`` and ``("segments", (selection, segmentation, profiles,
    comparison or None))``.  An engine may send none of them; the RunResult has them all."""
    reserved = outdir.reserve(config.out, config.force, inputs=(config.input,))
    with reserved as target, workers.owned(enabled=bool(config.formats)) as helpers:
        timings: dict[str, float] = {}
        stage = stage_timer(timings, progress)
        prepared = prepare(config, target, helpers)
        engine = _engine(config.engine)
        with engine.analyse(config, stage, progress, notify or silent) as (analysis, writer):
            return report(config, prepared, analysis, timings, stage, progress, writer)


def _engine(name: str) -> Any:
    """The engine module: ``analyse(config, stage, progress, notify)`` yields the Analysis
    and, for an engine that keeps the rows itself, the writer of the per-customer file."""
    if name == "spark":
        from reportgen import spark_engine  # needs the pyspark extra

        return spark_engine
    from reportgen import local_engine

    return local_engine


def prepare(
    config: Config, target: outdir.Target, helpers: workers.Helpers = workers.IN_PROCESS
) -> Prepared:
    """Check the logo, playbook and templates before the data is read (the output folder is
    already reserved and the helpers are warming up)."""
    problems: list[str] = []

    def checked(make: Callable[[], Any]) -> Any:
        try:
            return make()
        except ConfigError as exc:  # every file's problem in one message, not one per run
            problems.append(str(exc))
            return None

    logo = checked(lambda: render.logo_uri(config.branding.logo))
    playbook = checked(lambda: narrative.load_playbook(config.playbook))
    limit = config.max_text_length
    html_env = checked(lambda: environment(config.template_dir, max_text_length=limit))
    if problems:
        raise ConfigError("; ".join(problems))
    text_env = environment(config.template_dir, html=False, max_text_length=limit)
    return Prepared(target, helpers, logo, playbook, html_env, text_env)


def report(
    config: Config,
    prepared: Prepared,
    analysis: Analysis,
    timings: dict[str, float],
    stage: Stage,
    progress: Progress | None,
    assignments: Assignments | None = None,
) -> RunResult:
    """Narrative, summary, charts, HTML, PDF and the files, staged and moved into place.

    ``assignments`` writes the per-customer file (default: segments.csv from the matrix)."""
    a = analysis
    dataset, profile, matrix, selection = a.dataset, a.profile, a.matrix, a.selection
    segmentation, profiles, comparison = a.segmentation, a.profiles, a.comparison
    log = a.log
    source = config.source
    with stage("narrative"):
        stories = narrative.write(
            profiles,
            selection,
            prepared.playbook,
            prepared.text_env,
            baseline=comparison.previous_period if comparison is not None else "",
        )
    parameters = {**_parameters(config, selection, segmentation), **a.parameters}
    summary = summarising.build(
        dataset, source, profile, matrix, selection, segmentation, profiles, stories, parameters
    )
    summary["report"] = {
        "title": config.title,
        "period": _period(config),
        "max_text_length": config.max_text_length,  # the email shows names as the report did
    }
    if comparison is not None:
        summary["comparison"] = summarising.comparison(comparison)
    names = {s.id: s.name for s in profiles.segments}
    if log is not None and log.detected:
        log = replace(log, rfm_map=logs.rfm_map(log, segmentation.labels, names))
    summary["transactions"] = (
        summarising.transactions(log)
        if log is not None
        else {"detected": False, "how": "not checked", "reason": "read as a customer table"}
    )
    log = log if log is not None and log.detected else None
    files: dict[str, Path] = {}
    with prepared.target.stage() as folder:
        pages = None
        if config.formats:
            with stage("charts"):
                colors = charts.palette(
                    config.branding.primary_color,
                    config.branding.accent_color,
                    max(segmentation.segment_ids),
                )
                drawn = charts.draw(
                    matrix,
                    segmentation,
                    selection,
                    profiles,
                    colors,
                    font_family=config.branding.font_family,
                    seed=config.seed,
                    progress=(lambda d, t: progress("charts", d, t)) if progress else None,
                    comparison=comparison,
                    distinct=_distinct(profile),
                    max_text_length=config.max_text_length,
                    helpers=prepared.helpers,
                )
            context = _context(
                config,
                a,
                log,
                stories,
                drawn,
                colors,
                prepared.logo,
                parameters,
                render.theme_css(prepared.html_env, config.branding, config.paper, config.title),
            )
            shown = shortener(dataset, profile, profiles, config.max_text_length)
            context = display.report_context(context, shown)
            with stage("html"):
                pages = render.html(prepared.html_env, context)
            if "html" in config.formats:
                files["report.html"] = _write(folder / "report.html", pages)
            if "pdf" in config.formats:
                with stage("pdf"):
                    render.pdf(pages, folder / "report.pdf", prepared.helpers)
                files["report.pdf"] = folder / "report.pdf"
        with stage("write"):
            if assignments is not None:
                files.update(assignments(folder, names))
            else:
                files.update(_segments_files(folder, matrix, segmentation, names, comparison, log))
            files["summary.json"] = _write(folder / "summary.json", outputs.to_json(summary))
            files["model.json"] = _write(
                folder / "model.json",
                saved_model.to_json(_model(config, dataset, matrix, segmentation, profiles)),
            )
    out = prepared.target.out
    final = {name: out / name for name in files}
    return RunResult(
        out,
        final,
        dataset,
        profile,
        matrix,
        selection,
        segmentation,
        profiles,
        stories,
        summary,
        timings,
        log,
    )


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


def column_uses(
    profile: profiling.Profile, matrix: features.FeatureMatrix
) -> tuple[render.ColumnView, ...]:
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
        views.append(render.ColumnView(c.name, meaning, c.meaning_reason or c.role_reason, use))
    return tuple(views)


def _segments_files(
    folder: Path,
    matrix: features.FeatureMatrix,
    segmentation: clustering.Segmentation,
    names: dict[int, str],
    comparison: comparing.Comparison | None,
    log: logs.TransactionLog | None,
) -> dict[str, Path]:
    """segments.csv, and customers.csv for a transaction log."""

    def per_customer(path: Path, extra: dict[str, Any] | None) -> Path:
        """Id, segment, name and distance, then ``extra`` columns."""
        return outputs.write_segments_csv(
            path,
            matrix.ids,
            matrix.id_label,
            segmentation.labels,
            names,
            segmentation.distances,
            extra,
        )

    files = {"segments.csv": per_customer(folder / "segments.csv", _previous(comparison))}
    if log is not None:
        files["customers.csv"] = per_customer(
            folder / "customers.csv", _customer_columns(log, matrix.id_label)
        )
    return files


def _customer_columns(log: logs.TransactionLog, id_label: str) -> dict[str, Any]:
    """customers.csv beyond segments.csv: the derived measures, R/F/M scores, RFM name, dates."""
    assert log.table is not None and log.extra is not None
    derived = {c: log.table[c].to_numpy() for c in log.table.columns if c != id_label}
    return {**derived, **{c: log.extra[c].to_numpy() for c in log.extra.columns}}


def _previous(comparison: comparing.Comparison | None) -> dict[str, Any] | None:
    """The previous_segment column, where customers can be followed from the baseline."""
    if comparison is None or comparison.previous_segment is None:
        return None
    return {"previous_segment": comparison.previous_segment.to_numpy()}


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="\n")
    return path


def _parameters(
    config: Config, selection: choosing.KSelection, segmentation: clustering.Segmentation
) -> dict[str, Any]:
    return {
        "engine": config.engine,
        "seed": config.seed,
        "k": config.k,
        "k_min": config.k_min,
        "k_max": config.k_max,
        "min_share": config.min_share,
        "n_init": config.n_init,
        "sample_size": config.sample_size,
        "silhouette_sample": config.silhouette_sample,
        "stability_resamples": config.stability_resamples,
        "algorithm": "K-Means (scikit-learn, k-means++ initialisation, Lloyd)",
        "final_fit": "warm-started from the sweep sample's centres"
        if segmentation.warm_start
        else f"all rows, {segmentation.n_init} initialisations",
    }


def _model(
    config: Config,
    dataset: loader.Dataset,
    matrix: features.FeatureMatrix,
    segmentation: clustering.Segmentation,
    profiles: describing.SegmentProfiles,
) -> saved_model.Model:
    segs = tuple(
        saved_model.SavedSegment(s.id, s.name, s.size, s.share, s.centroid)
        for s in profiles.segments
    )
    id_column = matrix.id_label if matrix.id_label != "row" else None
    return saved_model.Model(
        matrix.specs,
        segmentation.centers,
        segs,
        id_column,
        config.seed,
        _period(config),
        dataset.sha256,
        segmentation.inertia / max(len(segmentation.labels), 1),
        saved_model.decile_edges(matrix.X, matrix.names),
    )


def _swept(selection: choosing.KSelection, config: Config) -> str:
    """The k the sweep covered, which is not the range asked for when it was extended (or
    cut short by a small table)."""
    low, high = selection.k_range
    text = f"{low} to {high}"
    if selection.extended:
        return (
            text
            + f" (k max {config.k_max} extended: the best k was at the top and still improving)"
        )
    if (low, high) != (config.k_min, config.k_max):
        return (
            text + f" (asked {config.k_min} to {config.k_max}; a table this small allows no more)"
        )
    return text


def _period(config: Config) -> str:
    return config.period or date.today().strftime("%Y-%m")


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in ("pandas", "numpy", "scikit-learn", "matplotlib", "jinja2", "weasyprint"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def _distinct(profile: Any) -> dict[str, int]:
    """How many values each input column holds (the category charts say what they pool)."""
    return {c.name: c.n_distinct for c in profile.columns}


def _context(
    config: Config,
    analysis: Analysis,
    log: logs.TransactionLog | None,
    stories: narrative.Narratives,
    drawn: dict[str, charts.Chart],
    colors: charts.Palette,
    logo: str | None,
    parameters: dict[str, Any],
    css: str,
) -> render.ReportContext:
    """The template context; ``log`` is the detected transaction log with its RFM map."""
    dataset, profile, matrix = analysis.dataset, analysis.profile, analysis.matrix
    selection, segmentation = analysis.selection, analysis.segmentation
    profiles, comparison = analysis.profiles, analysis.comparison
    views = {key: render.chart_view(chart) for key, chart in drawn.items()}
    segment_views = tuple(
        render.SegmentView(
            id=s.id,
            name=s.name,
            size=s.size,
            share=s.share,
            color=colors.segment(s.id),
            traits=s.traits,
            skews=s.skews,
            centroid=s.centroid,
            z=s.z,
            tightness=s.tightness,
            story=stories.for_segment(s.id).story,
            recommendations=stories.for_segment(s.id).recommendations,
            kpis=stories.for_segment(s.id).kpis,
            note=stories.for_segment(s.id).note,
            chart=views.get(f"profile_{s.id}"),
            outcomes=s.outcomes,
            profiled=tuple(
                (name, value, profiles.profiled_overall.get(name, float("nan")))
                for name, value in s.profiled.items()
            ),
        )
        for s in profiles.segments
    )
    versions = _versions()
    method = {
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
        **({"K range swept": _swept(selection, config)} if selection.method == "consensus" else {}),
        "Seed": str(config.seed),
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
    source = {
        "name": config.source,
        "format": dataset.format,
        "encoding": dataset.encoding,
        "delimiter": dataset.delimiter,
        "delimiter_name": dataset.delimiter_name,
        "sheet": dataset.sheet,
        "sha256": dataset.sha256,
        "rows": profile.n_rows,
        # the input's own columns: dates joined from year/month columns are extra
        "columns": profile.n_columns - len({c.name for c in profile.columns} & set(dataset.joined)),
    }
    return render.ReportContext(
        title=config.title,
        period=_period(config),
        generated=date.today().isoformat(),
        company=config.branding.company,
        logo=logo,
        footer=config.branding.footer,
        paper=config.paper,
        css=css,
        source=source,
        summary=stories.summary,
        segments=segment_views,
        k=selection.k,
        selection=selection,
        silhouette=segmentation.silhouette,
        columns=profile.columns,
        column_uses=column_uses(profile, matrix),
        alerts=profile.alerts,
        conversions=dataset.conversions,
        features=matrix.specs,
        dropped=matrix.dropped,
        described=matrix.described,
        charts=views,
        mix_charts=tuple(v for k, v in views.items() if k.startswith("mix_")),
        uncharted=tuple(
            p.note for p in charts.category_plans(profiles, _distinct(profile)) if not p.charted
        ),
        distribution_charts=tuple(v for k, v in views.items() if k.startswith("distributions")),
        method=method,
        comparison=comparison,
        transactions=log,
        playbook=stories.playbook,
        reportgen_version=__version__,
    )
