"""``model.json``: everything needed to assign new customers to this run's segments.

Plain, versioned JSON (never pickle): a model from a shared folder is data, not code.  It holds
the feature steps (imputation, transform, limits, scaling), the centres and the names.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reportgen import __version__
from reportgen.errors import InputError
from reportgen.segmenting.features import FeatureSpec

FORMAT = "reportgen-model"
VERSION = 1
KINDS = ("numeric", "tenure_days")
TRANSFORMS = ("none", "log1p")


@dataclass(frozen=True)
class SavedSegment:
    id: int
    name: str
    size: int
    share: float
    centroid: dict[str, float]  # feature -> mean in original units


@dataclass(frozen=True)
class Model:
    features: tuple[FeatureSpec, ...]
    centers: np.ndarray  # k x p, standardized units; row i is segment i+1
    segments: tuple[SavedSegment, ...]
    id_column: str | None
    seed: int
    period: str | None
    input_sha256: str
    mean_sq_distance: float  # inertia per customer: how tight the segments were
    reference: dict[str, list[float]]  # feature -> decile edges of its standardized values

    @property
    def k(self) -> int:
        return len(self.segments)


def to_json(model: Model) -> str:
    data = {
        "format": FORMAT,
        "version": VERSION,
        "reportgen_version": __version__,
        "k": model.k,
        "seed": model.seed,
        "period": model.period,
        "id_column": model.id_column,
        "input_sha256": model.input_sha256,
        "mean_sq_distance": round(model.mean_sq_distance, 12),
        "reference": {
            k: [round(float(v), 12) for v in edges] for k, edges in model.reference.items()
        },
        "features": [asdict(f) for f in model.features],
        "centers": [[round(float(v), 12) for v in row] for row in model.centers],
        "segments": [asdict(s) for s in model.segments],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def load(path: Path) -> Model:
    """Read a model file, refusing anything that is not a reportgen model of this version."""
    if path.is_dir():
        path = path / "model.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such model file").at(str(path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise InputError("not a reportgen model (not readable JSON)").at(str(path)) from None
    except RecursionError:
        raise InputError("not a reportgen model (JSON nested too deeply)").at(str(path)) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError("not a reportgen model file").at(str(path))
    if data.get("version") != VERSION:
        raise InputError(
            f"model format version {data.get('version')} was written by "
            f"reportgen {data.get('reportgen_version', '?')}; this reportgen "
            f"({__version__}) reads version {VERSION}; refit with --mode refit"
        ).at(str(path))
    try:
        features = tuple(_spec(f) for f in data["features"])
        centers = np.array(data["centers"], dtype=float)
        segments = tuple(SavedSegment(**s) for s in data["segments"])
        model = Model(
            features,
            centers,
            segments,
            data["id_column"],
            int(data["seed"]),
            data["period"],
            str(data["input_sha256"]),
            float(data["mean_sq_distance"]),
            {str(k): [float(v) for v in edges] for k, edges in data["reference"].items()},
        )
    except (KeyError, TypeError, ValueError, RecursionError) as exc:
        raise InputError(f"damaged reportgen model ({exc})").at(str(path)) from None
    problem = _problem(model)
    if problem:
        raise InputError(f"damaged reportgen model ({problem}); refit with --mode refit").at(
            str(path)
        )
    return model


def _problem(model: Model) -> str | None:
    """What makes a parsed model unusable, if anything: a hand-edited or corrupted file must
    stop here, not assign every customer to one segment or print NaN in the report."""
    features, centers, segments = model.features, model.centers, model.segments
    if not segments or not features:
        return "no segments or no features"
    if centers.shape != (len(segments), len(features)):
        return "centres do not match segments and features"
    if not np.isfinite(centers).all():
        return "a segment centre is not a finite number"
    ids = [s.id for s in segments]
    if any(not isinstance(i, int) or isinstance(i, bool) or i < 1 for i in ids):
        return "segment ids must be whole numbers from 1"
    if len(set(ids)) != len(ids):
        return "segment ids repeat"
    names = [f.name for f in features]
    if len(set(names)) != len(names):
        return "feature names repeat"
    if not all(np.isfinite(edges).all() for edges in model.reference.values()):
        return "a drift reference edge is not a finite number"
    for f in features:
        problem = _feature_problem(f)
        if problem:
            return f"feature {f.name!r}: {problem}"
    return None


def _feature_problem(f: FeatureSpec) -> str | None:
    if f.kind not in KINDS:
        return f"unknown kind {f.kind!r} (expected {' or '.join(KINDS)})"
    if f.transform not in TRANSFORMS:
        return f"unknown transform {f.transform!r} (expected {' or '.join(TRANSFORMS)})"
    numbers = (f.impute_value, f.center, f.scale)
    if not all(isinstance(v, (int, float)) and np.isfinite(v) for v in numbers):
        return "imputation, centre and scale must be finite numbers"
    if f.scale <= 0:
        return "scale must be above zero"
    limits = (f.clip_low, f.clip_high)
    if any(v is not None and not (isinstance(v, (int, float)) and np.isfinite(v)) for v in limits):
        return "clip limits must be finite numbers or null"
    if f.kind == "tenure_days":
        try:
            unknown = pd.isna(pd.Timestamp(str(f.reference_date)))
        except ValueError:
            unknown = True
        if unknown:
            return f"reference date {f.reference_date!r} is not a date"
    return None


def _spec(data: dict[str, Any]) -> FeatureSpec:
    """A saved feature step; JSON lists back to the tuples the spec holds."""
    codes = data.get("missing_codes", ())
    if not isinstance(codes, (list, tuple)):
        raise TypeError("missing_codes is not a list")
    return FeatureSpec(**{**data, "missing_codes": tuple(float(c) for c in codes)})


def decile_edges(X: np.ndarray, names: tuple[str, ...]) -> dict[str, list[float]]:
    """Inner decile edges of each standardized feature: the reference for drift (PSI)."""
    # one column at a time: the same values as axis=0, a third faster and without a copy of X
    q = np.arange(10, 100, 10)
    return {name: np.percentile(X[:, j], q).tolist() for j, name in enumerate(names)}


def psi(reference_edges: list[float], values: np.ndarray) -> float:
    """Population stability index of ``values`` against the reference deciles."""
    edges = np.asarray(reference_edges)
    expected = np.diff(np.concatenate([[0.0], np.linspace(0.1, 0.9, len(edges)), [1.0]]))
    actual = np.bincount(
        np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1
    ) / max(len(values), 1)
    expected, actual = np.clip(expected, 1e-4, None), np.clip(actual, 1e-4, None)
    return float(((actual - expected) * np.log(actual / expected)).sum())


def ids(model: Model) -> tuple[int, ...]:
    return tuple(s.id for s in model.segments)
