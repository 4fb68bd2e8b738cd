"""The local engine: pandas and scikit-learn on this machine, the whole table in memory.

Reads the input (a customer table or a transaction log), profiles it, builds the features,
chooses k, fits K-Means (or assigns to a baseline's segments) and describes the segments.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pandas as pd

from reportgen.config import Config
from reportgen.engines.analysis import Analysis, Assignments, Notify, Progress, Stage, choose_k
from reportgen.errors import naming
from reportgen.profiling import profile as profiling
from reportgen.reading import tables as loader
from reportgen.reading import transactions as logs
from reportgen.segmenting import clustering, features
from reportgen.segmenting import comparison as comparing
from reportgen.segmenting import model as saved_model
from reportgen.segmenting import segments as describing
from reportgen.segmenting import selection as choosing


@contextmanager
def analyse(
    config: Config, stage: Stage, progress: Progress | None, notify: Notify
) -> Iterator[tuple[Analysis, Assignments | None]]:
    """The analysis of ``config.input``; no assignments writer (segments.csv comes from the
    matrix)."""
    with naming(config.source):  # the stages' errors say what is wrong, this says where
        analysis = _analysis(config, stage, progress, notify)
    yield analysis, None


def _analysis(config: Config, stage: Stage, progress: Progress | None, notify: Notify) -> Analysis:
    with stage("load"):
        dataset = loader.load(config.input, sheet=config.sheet)
    with stage("transactions", announce=False):  # timed apart from "load", announced with it
        log = logs.derive(dataset, config.transactions)
    notify("read", (dataset, log if log.detected else None))
    # a transaction log is segmented through the customer table derived from it
    table = log.table if log.table is not None else dataset.frame
    with stage("profile"):
        profile = _profile(config, dataset, log, table)
    baseline = comparing.load_baseline(config.baseline) if config.baseline else None
    assign = baseline if baseline and config.mode == "assign" else None
    with stage("features"):
        if assign:
            comparing.check_columns(table, assign.model.features)
            matrix = features.from_specs(table, profile, assign.model.features)
        else:
            matrix = features.build(
                table, profile, features=config.features, exclude=config.exclude
            )
    notify("features", matrix)
    with stage("select k"):
        selection = choose_k(config, matrix, progress, assign.model.k if assign else None)
    with stage("fit"):
        segmentation, kept_names, selection = _segment(config, baseline, table, matrix, selection)
    with stage("describe"):
        roles = {**logs.ROLES, **config.roles} if log.detected else config.roles
        profiles = describing.describe(
            matrix,
            segmentation,
            table,
            role_overrides=roles,
            column_roles={c.name: c.role for c in profile.columns},
            names=kept_names,
        )
        comparison = _compare(config, baseline, table, matrix, segmentation, profiles)
    notify("segments", (selection, segmentation, profiles, comparison))
    return Analysis(dataset, profile, matrix, selection, segmentation, profiles, comparison, log)


def _profile(
    config: Config, dataset: loader.Dataset, log: logs.TransactionLog, table: pd.DataFrame
) -> profiling.Profile:
    """The profile of the customer table (the input, or the one derived from a log)."""
    return profiling.profile(
        table,
        id_column=log.id_column or config.id_column,
        date_formats={} if log.detected else dataset.date_formats,
        id_reason="the customers of the transaction log"
        if log.id_column
        else "chosen with --id-column",
        corrections=config.columns,
        mixed=dataset.mixed,
    )


def _compare(
    config: Config,
    baseline: comparing.Baseline | None,
    table: pd.DataFrame,
    matrix: features.FeatureMatrix,
    segmentation: clustering.Segmentation,
    profiles: describing.SegmentProfiles,
) -> comparing.Comparison | None:
    """What changed since the baseline run, if there is one."""
    if baseline is None:
        return None
    return comparing.compare(
        baseline,
        config.mode,
        table,
        matrix.ids,
        segmentation,
        {s.id: s.name for s in profiles.segments},
        {s.id: s.centroid for s in profiles.segments},
    )


def _segment(
    config: Config,
    baseline: comparing.Baseline | None,
    frame: Any,
    matrix: features.FeatureMatrix,
    selection: choosing.KSelection,
) -> tuple[clustering.Segmentation, dict[int, str] | None, choosing.KSelection]:
    """The final segments: the baseline's centres (assign), or a fit matched to the
    baseline (refit), or a plain fit; and the names to keep."""
    if baseline and config.mode == "assign":
        old = baseline.model
        segmentation = clustering.from_centers(
            matrix.X,
            old.centers,
            saved_model.ids(old),
            config.clustering,
        )
        rationale = (
            f"k={old.k} kept from the baseline model ({old.period or baseline.path}); "
            "customers were assigned to its segment centres (--mode assign)."
        )
        # the options as the user gave them (k fixed by the baseline, not by --k)
        selection = replace(
            selection, method="baseline", rationale=rationale, options=config.clustering
        )
        return segmentation, {s.id: s.name for s in old.segments}, selection
    sampled = selection.sample_size < selection.n_rows
    segmentation = clustering.fit(
        matrix.X,
        selection.k,
        config.clustering,
        init_centers=selection.centroids if sampled else None,
    )
    if baseline is None:
        return segmentation, None, selection
    mapping, old_names = comparing.match(baseline, frame, matrix.ids, segmentation)
    segmentation = clustering.relabel(segmentation, mapping)
    names = {mapping[new]: name for new, name in old_names.items() if name is not None}
    return segmentation, names or None, selection
