"""The feature steps, written once for both engines (``reportgen.segmenting.steps``): numpy
values against an independent computation, and the order of the steps as both engines run
them (no JVM)."""

from __future__ import annotations

import inspect
from dataclasses import replace

import numpy as np
import pytest

from reportgen.segmenting import steps
from reportgen.segmenting.features import FeatureSpec

SPEC = FeatureSpec(
    name="spend",
    column="spend",
    kind="numeric",
    transform="log1p",
    impute_value=10.0,
    n_imputed=0,
    clip_low=0.5,
    clip_high=5.0,
    n_clipped=0,
    center=2.0,
    scale=0.75,
    reason="",
    missing_codes=(-1.0, 999.0),
)
RAW = np.array([3.0, np.nan, -1.0, 999.0, np.inf, 0.0, 1e6, -5.0, 200.0])


def expected(raw: np.ndarray, spec: FeatureSpec) -> tuple[np.ndarray, np.ndarray]:
    """The steps by hand, one value at a time."""
    out, flags = [], []
    for v in raw:
        if not np.isfinite(v) or v in spec.missing_codes:
            v = spec.impute_value
        x = float(np.log(1 + max(v, 0.0))) if spec.transform == "log1p" else v
        flag = 0
        if spec.clip_low is not None and spec.clip_high is not None:
            flag = int(x < spec.clip_low or x > spec.clip_high)
            x = min(max(x, spec.clip_low), spec.clip_high)
        out.append((x - spec.center) / spec.scale)
        flags.append(flag)
    return np.array(out), np.array(flags)


@pytest.mark.parametrize(
    "spec",
    [
        SPEC,
        replace(SPEC, transform="none"),
        replace(SPEC, clip_low=None, clip_high=None),
        replace(SPEC, missing_codes=()),
    ],
)
def test_numpy_steps_match_the_steps_by_hand(spec: FeatureSpec) -> None:
    want, want_flags = expected(RAW, spec)
    assert np.allclose(steps.standardized(RAW, spec, steps.NUMPY), want, rtol=0, atol=1e-12)
    assert steps.limited(RAW, spec, steps.NUMPY).tolist() == want_flags.tolist()


class Recorder:
    """An algebra of symbols: what each step does, in order, as text."""

    def missing(self, raw: str) -> str:
        return f"missing({raw})"

    def equals(self, raw: str, value: float) -> str:
        return f"({raw}=={value:g})"

    def either(self, a: str, b: str) -> str:
        return f"{a}|{b}"

    def where(self, condition: str, value: float, otherwise: str) -> str:
        return f"where({condition}, {value:g}, {otherwise})"

    def log1p_of_positive(self, x: str) -> str:
        return f"log1p(max({x},0))"

    def outside(self, x: str, low: float, high: float) -> str:
        return f"outside({x}, {low:g}, {high:g})"

    def clip(self, x: str, low: float, high: float) -> str:
        return f"clip({x}, {low:g}, {high:g})"

    def nothing(self, like: str) -> str:
        return "0"

    def affine(self, x: str, center: float, scale: float) -> str:
        return f"({x}-{center:g})/{scale:g}"


def test_the_steps_run_in_the_documented_order() -> None:
    imputed = "where(missing(x)|(x==-1)|(x==999), 10, x)"
    assert steps.standardized("x", SPEC, Recorder()) == (
        f"(clip(log1p(max({imputed},0)), 0.5, 5)-2)/0.75"
    )
    assert steps.limited("x", SPEC, Recorder()) == f"outside(log1p(max({imputed},0)), 0.5, 5)"


def test_the_spark_algebra_has_every_step_the_numpy_one_has() -> None:
    """Checked without a JVM: the Spark engine implements the same operations, and its
    feature column is made by the shared steps, not by steps of its own."""
    from reportgen.engines import spark as spark_engine

    wanted = {name for name, _ in inspect.getmembers(steps.Algebra) if not name.startswith("_")}
    numpy_side = {n for n, _ in inspect.getmembers(steps.NumpyAlgebra) if not n.startswith("_")}
    spark_side = {
        n for n, _ in inspect.getmembers(spark_engine.SparkAlgebra) if not n.startswith("_")
    }
    assert wanted and wanted == numpy_side == spark_side
    source = inspect.getsource(spark_engine.feature_column)
    assert "steps.standardized(" in source and "steps.limited(" in source
