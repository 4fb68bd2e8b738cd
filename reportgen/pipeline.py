"""``run(config)``: every stage in order, then all outputs written at once.

This is the library entry point the CLI and notebooks share.  It never prints: progress goes
to an optional callback ``progress(stage, done, total)`` (``done == total == 0`` when a stage
starts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from reportgen.config import Config
from reportgen.engines.analysis import (
    Analysis,
    Assignments,
    Notify,
    Progress,
    Stage,
    silent,
    stage_timer,
)
from reportgen.errors import ConfigError
from reportgen.profiling import profile as profiling
from reportgen.reading import tables as loader
from reportgen.reading import transactions as logs
from reportgen.report import charts, display, narrative, outdir, outputs, render, views, workers
from reportgen.report import summary as summarising
from reportgen.report.templating import environment
from reportgen.segmenting import clustering, features
from reportgen.segmenting import comparison as comparing
from reportgen.segmenting import model as saved_model
from reportgen.segmenting import segments as describing
from reportgen.segmenting import selection as choosing

STAGES = (  # in the order they run
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
    "write",
    "pdf",  # the wait for the PDF, which a helper writes while the data files are written
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
    summary: summarising.Summary
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
    with reserved as target, workers.owned(enabled=bool(config.report.formats)) as helpers:
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
        from reportgen.engines import spark  # needs the pyspark extra

        return spark
    from reportgen.engines import local

    return local


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
    playbook = checked(lambda: narrative.load_playbook(config.report.playbook))
    limit = config.report.max_text_length
    html_env = checked(lambda: environment(config.report.template_dir, max_text_length=limit))
    if problems:
        raise ConfigError("; ".join(problems))
    text_env = environment(config.report.template_dir, html=False, max_text_length=limit)
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
    with stage("narrative"):
        stories = narrative.write(
            a.profiles,
            a.selection,
            prepared.playbook,
            prepared.text_env,
            baseline=a.comparison.previous_period if a.comparison is not None else "",
        )
    parameters = {**_parameters(config, a.selection, a.segmentation), **a.parameters}
    summary, log = _summary(config, a, stories, parameters)
    names = {s.id: s.name for s in a.profiles.segments}
    with prepared.target.stage() as folder:
        files, pdf_written = _report_files(
            config, prepared, a, folder, stories, parameters, log, stage, progress
        )
        with stage("write"):
            if assignments is not None:
                files.update(assignments(folder, names))
            else:
                files.update(
                    _segments_files(folder, a.matrix, a.segmentation, names, a.comparison, log)
                )
            files["summary.json"] = _write(folder / "summary.json", summary.to_json())
            model = _model(config, a.dataset, a.matrix, a.segmentation, a.profiles)
            files["model.json"] = _write(folder / "model.json", saved_model.to_json(model))
        with stage("pdf"):  # a helper writes it while the data files are written: the wait
            pdf_written()
    out = prepared.target.out
    return RunResult(
        out,
        {name: out / name for name in files},
        a.dataset,
        a.profile,
        a.matrix,
        a.selection,
        a.segmentation,
        a.profiles,
        stories,
        summary,
        timings,
        log,
    )


def _report_files(
    config: Config,
    prepared: Prepared,
    a: Analysis,
    folder: Path,
    stories: narrative.Narratives,
    parameters: dict[str, Any],
    log: logs.TransactionLog | None,
    stage: Stage,
    progress: Progress | None,
) -> tuple[dict[str, Path], Callable[[], None]]:
    """report.html, and report.pdf begun in a helper; the second is the wait for the PDF."""
    files: dict[str, Path] = {}
    formats = config.report.formats
    if not formats:
        return files, lambda: None
    pages = _pages(config, prepared, a, log, stories, parameters, stage, progress)
    if "html" in formats:
        files["report.html"] = _write(folder / "report.html", pages)
    if "pdf" not in formats:
        return files, lambda: None
    files["report.pdf"] = folder / "report.pdf"
    return files, render.begin_pdf(pages, folder / "report.pdf", prepared.helpers)


def _summary(
    config: Config, a: Analysis, stories: narrative.Narratives, parameters: dict[str, Any]
) -> tuple[summarising.Summary, logs.TransactionLog | None]:
    """summary.json's content, and the transaction log (with its RFM map) if one was read."""
    log = a.log
    if log is not None and log.detected:
        names = {s.id: s.name for s in a.profiles.segments}
        log = replace(log, rfm_map=logs.rfm_map(log, a.segmentation.labels, names))
    summary = summarising.build(
        a.dataset,
        config.source,
        a.profile,
        a.matrix,
        a.selection,
        a.segmentation,
        a.profiles,
        stories,
        parameters,
        report=summarising.SummaryReport(
            title=config.report.title,
            period=views.period(config),
            max_text_length=config.report.max_text_length,  # the email cuts names as the report did
        ),
        comparison=a.comparison,
        log=log,
    )
    return summary, log if log is not None and log.detected else None


def _pages(
    config: Config,
    prepared: Prepared,
    a: Analysis,
    log: logs.TransactionLog | None,
    stories: narrative.Narratives,
    parameters: dict[str, Any],
    stage: Stage,
    progress: Progress | None,
) -> str:
    """The charts, then the report's HTML (the PDF is made from it)."""
    with stage("charts"):
        colors = charts.palette(
            config.branding.primary_color,
            config.branding.accent_color,
            max(a.segmentation.segment_ids),
        )
        drawn = charts.draw(
            a.matrix,
            a.segmentation,
            a.selection,
            a.profiles,
            colors,
            font_family=config.branding.font_family,
            seed=config.clustering.seed,
            progress=(lambda d, t: progress("charts", d, t)) if progress else None,
            comparison=a.comparison,
            distinct=views.distinct(a.profile),
            max_text_length=config.report.max_text_length,
            helpers=prepared.helpers,
        )
    css = render.theme_css(prepared.html_env, config.branding, config.report)
    context = views.report_context(
        config, a, log, stories, drawn, colors, prepared.logo, parameters, css
    )
    shown = views.shortener(a.dataset, a.profile, a.profiles, config.report.max_text_length)
    context = display.report_context(context, shown)
    with stage("html"):
        return render.html(prepared.html_env, context)


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


# summary.json's parameters, in the order they have always been written
_RECORDED = "seed k k_min k_max min_share n_init sample_size silhouette_sample stability_resamples"


def _parameters(
    config: Config, selection: choosing.KSelection, segmentation: clustering.Segmentation
) -> dict[str, Any]:
    """The settings summary.json and the method table record: the k stage's own options."""
    options = selection.options
    return {
        "engine": config.engine,
        **{name: getattr(options, name) for name in _RECORDED.split()},
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
        config.clustering.seed,
        views.period(config),
        dataset.sha256,
        segmentation.inertia / max(len(segmentation.labels), 1),
        saved_model.decile_edges(matrix.X, matrix.names),
    )
