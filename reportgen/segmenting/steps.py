"""The feature steps of a ``FeatureSpec``, written once for both engines.

A clustering feature is computed from its column's raw numbers in a fixed order: a sentinel
code counts as missing, missing values take the imputation value, the log transform, the
limits at the fences, and the standardization.  ``standardized`` and ``limited`` spell that
order once over an ``Algebra``: numpy arrays for the local engine (``NUMPY``), Spark columns
for the Spark engine (``spark_engine.SparkAlgebra``), so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np


class FeatureSpec(Protocol):
    """What the steps read of a ``features.FeatureSpec`` (this module sits below it)."""

    @property
    def missing_codes(self) -> tuple[float, ...]: ...
    @property
    def impute_value(self) -> float: ...
    @property
    def transform(self) -> str: ...
    @property
    def clip_low(self) -> float | None: ...
    @property
    def clip_high(self) -> float | None: ...
    @property
    def center(self) -> float: ...
    @property
    def scale(self) -> float: ...


class Algebra(Protocol):
    """The operations the steps need, on whole columns of numbers."""

    def missing(self, raw: Any) -> Any: ...  # true where missing, NaN or infinite
    def equals(self, raw: Any, value: float) -> Any: ...
    def either(self, a: Any, b: Any) -> Any: ...
    def where(self, condition: Any, value: float, otherwise: Any) -> Any: ...
    def log1p_of_positive(self, x: Any) -> Any: ...  # log(1 + max(x, 0))
    def outside(self, x: Any, low: float, high: float) -> Any: ...  # 1 where beyond a limit
    def clip(self, x: Any, low: float, high: float) -> Any: ...
    def nothing(self, like: Any) -> Any: ...  # 0 everywhere
    def affine(self, x: Any, center: float, scale: float) -> Any: ...  # (x - center) / scale


def imputed(raw: Any, spec: FeatureSpec, ops: Algebra) -> Any:
    """The raw numbers with sentinel codes and missing values replaced by the imputation."""
    missing = ops.missing(raw)
    for code in spec.missing_codes:
        missing = ops.either(missing, ops.equals(raw, float(code)))
    return ops.where(missing, float(spec.impute_value), raw)


def transformed(imputed_raw: Any, spec: FeatureSpec, ops: Algebra) -> Any:
    """Log-transformed when the spec says so, then limited at the fences."""
    x = ops.log1p_of_positive(imputed_raw) if spec.transform == "log1p" else imputed_raw
    if spec.clip_low is not None and spec.clip_high is not None:
        x = ops.clip(x, float(spec.clip_low), float(spec.clip_high))
    return x


def standardized(raw: Any, spec: FeatureSpec, ops: Algebra) -> Any:
    """The feature as K-Means sees it, from the column's raw numbers."""
    return ops.affine(transformed(imputed(raw, spec, ops), spec, ops), spec.center, spec.scale)


def limited(raw: Any, spec: FeatureSpec, ops: Algebra) -> Any:
    """1 where the value was pulled in to a fence, else 0."""
    if spec.clip_low is None or spec.clip_high is None:
        return ops.nothing(raw)
    x = imputed(raw, spec, ops)
    x = ops.log1p_of_positive(x) if spec.transform == "log1p" else x
    return ops.outside(x, float(spec.clip_low), float(spec.clip_high))


class NumpyAlgebra:
    """The steps on numpy arrays of float64 (NaN for missing)."""

    def missing(self, raw: np.ndarray) -> np.ndarray:
        return ~np.isfinite(raw)

    def equals(self, raw: np.ndarray, value: float) -> np.ndarray:
        return raw == value

    def either(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a | b

    def where(self, condition: np.ndarray, value: float, otherwise: np.ndarray) -> np.ndarray:
        return np.where(condition, value, otherwise)

    def log1p_of_positive(self, x: np.ndarray) -> np.ndarray:
        return np.log1p(np.maximum(x, 0))

    def outside(self, x: np.ndarray, low: float, high: float) -> np.ndarray:
        return ((x < low) | (x > high)).astype(np.int64)

    def clip(self, x: np.ndarray, low: float, high: float) -> np.ndarray:
        return np.clip(x, low, high)

    def nothing(self, like: np.ndarray) -> np.ndarray:
        return np.zeros(len(like), dtype=np.int64)

    def affine(self, x: np.ndarray, center: float, scale: float) -> np.ndarray:
        return (x - center) / scale


NUMPY = NumpyAlgebra()
