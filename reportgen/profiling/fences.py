"""Tukey's IQR fences, one rule for the profile, the feature steps and the Spark engine.

A value beyond 1.5 interquartile ranges from the quartiles is an outlier (counted in the
profile); beyond 3 it is extreme (an alert with examples, and clipped to the fence before
K-Means so a single value cannot make a segment of its own).
"""

from __future__ import annotations

OUTLIER = 1.5  # IQRs beyond the quartiles: an outlier
EXTREME = 3.0  # IQRs beyond the quartiles: extreme, clipped in the features


def fences(q1: float, q3: float, width: float) -> tuple[float, float]:
    """Low and high fence ``width`` interquartile ranges outside the quartiles."""
    iqr = q3 - q1
    return q1 - width * iqr, q3 + width * iqr
