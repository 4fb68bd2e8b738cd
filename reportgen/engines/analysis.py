"""What every engine hands the report, and what the engines share.

An engine (``reportgen.engines.local``, ``reportgen.engines.spark``) reads the input and runs
the stages up to the segment descriptions; ``reportgen.pipeline`` checks the files first and
writes the report from the ``Analysis`` after.  This module sits below all three, so neither
engine imports the pipeline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from reportgen.config import Config
from reportgen.profiling import profile as profiling
from reportgen.reading import tables as loader
from reportgen.reading import transactions as logs
from reportgen.segmenting import clustering, features
from reportgen.segmenting import comparison as comparing
from reportgen.segmenting import segments as describing
from reportgen.segmenting import selection as choosing

# progress(stage, done, total); done == total == 0 when a stage starts.
Progress = Callable[[str, int, int], None]
# Hears of results as soon as they are known (see ``pipeline.run``): what, value.
Notify = Callable[[str, Any], None]
# Times a stage: ``with stage("fit"): ...``; ``announce=False`` times it without a notice.
Stage = Callable[..., Any]


@dataclass(frozen=True)
class Analysis:
    """Everything the report is drawn from, whichever engine computed it."""

    dataset: loader.Dataset
    profile: profiling.Profile
    matrix: features.FeatureMatrix
    selection: choosing.KSelection
    segmentation: clustering.Segmentation
    profiles: describing.SegmentProfiles
    comparison: comparing.Comparison | None = None
    log: logs.TransactionLog | None = None  # None when the engine does not read logs
    engine_rows: dict[str, str] = field(default_factory=dict)  # extra rows, method table
    parameters: dict[str, Any] = field(default_factory=dict)  # engine's own run parameters


# Writes the per-customer assignments into the staging folder; returns file name -> path.
Assignments = Callable[[Path, dict[int, str]], dict[str, Path]]


def silent(what: str, value: Any) -> None:
    """A Notify that hears nothing."""
    return None


def stage_timer(timings: dict[str, float], progress: Progress | None) -> Stage:
    """A context manager per stage that announces it and records its seconds in timings."""

    @contextmanager
    def stage(name: str, announce: bool = True) -> Iterator[None]:
        if progress and announce:
            progress(name, 0, 0)
        start = time.perf_counter()
        yield
        timings[name] = round(time.perf_counter() - start, 4)

    return stage


def choose_k(
    config: Config,
    matrix: features.FeatureMatrix,
    progress: Progress | None,
    fixed: int | None = None,
) -> choosing.KSelection:
    """The k selection stage with the run's clustering options (``fixed``: a baseline's k)."""
    options = config.clustering if fixed is None else replace(config.clustering, k=fixed)
    return choosing.select_k(
        matrix.X,
        options,
        progress=(lambda d, t: progress("select k", d, t)) if progress else None,
    )
