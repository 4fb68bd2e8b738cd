"""Tables of known structure for judging how k is chosen.

Each table looks like a customer export (an id, skewed positive money-like measures made with
``exp``, counts) and comes with its ground truth kept apart: the true number of segments and
each row's segment (-1 for a planted outlier).  ``true_k`` is 0 for tables with no structure.
Everything is seeded, so a table is the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reportgen.options import Clustering
from reportgen.profiling.profile import profile
from reportgen.segmenting.clustering import fit
from reportgen.segmenting.features import build
from reportgen.segmenting.selection import KSelection, select_k

ROWS = 3_000
METHODS = (
    "reportgen",
    "silhouette",
    "davies_bouldin",
    "calinski_harabasz",
    "gap",
    "stability",
    "elbow",
)


@dataclass(frozen=True)
class Table:
    name: str
    kind: str  # separated | uneven | shape | noise | none | rfm | outliers
    frame: pd.DataFrame
    truth: np.ndarray  # segment per row; -1 marks a planted outlier
    true_k: int  # 0: no structure

    @property
    def structured(self) -> bool:
        return self.true_k > 0


def _sizes(rng: np.random.Generator, k: int, n: int, smallest: float = 0.04) -> np.ndarray:
    weights = smallest + rng.dirichlet(np.ones(k) * 3) * (1 - smallest * k)
    return rng.multinomial(n, weights)


def _centers(rng: np.random.Generator, k: int, p: int, gap: float, box: float) -> np.ndarray:
    for _ in range(10_000):
        centers = rng.uniform(-box, box, size=(k, p))
        d = np.sqrt(((centers[:, None] - centers[None]) ** 2).sum(-1))
        d[np.diag_indices(k)] = np.inf
        if d.min() > gap:
            return centers
    raise RuntimeError("no centres with that gap")


def _frame(latent: np.ndarray, counts: int = 1, seed: int = 0) -> pd.DataFrame:
    """Customer-like columns from latent values: the last ``counts`` become Poisson counts."""
    rng = np.random.default_rng(seed + 99)
    columns: dict[str, np.ndarray] = {
        "customer_id": np.array([f"C{i:05d}" for i in range(len(latent))])
    }
    money = latent.shape[1] - counts
    for j in range(money):
        columns[f"spend_{j + 1}"] = np.round(np.exp(latent[:, j] / 2.0 + 4), 2)
    for j in range(counts):
        columns[f"orders_{j + 1}"] = rng.poisson(np.exp(latent[:, money + j] / 2.0 + 3.5))
    return pd.DataFrame(columns)


def _shuffle(
    rng: np.random.Generator, X: np.ndarray, truth: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(len(X))
    return X[order], truth[order]


def separated(k: int, seed: int, p: int = 5, n: int = ROWS) -> Table:
    rng = np.random.default_rng(seed)
    sizes = _sizes(rng, k, n)
    centers = _centers(rng, k, p, gap=3.2, box=3.0 + 0.25 * k)
    X = np.vstack([rng.normal(c, 0.45, (s, p)) for c, s in zip(centers, sizes, strict=True)])
    X, truth = _shuffle(rng, X, np.repeat(np.arange(k), sizes))
    return Table(f"separated k={k}", "separated", _frame(X, seed=seed), truth, k)


def uneven(k: int, smallest: float, seed: int, p: int = 4, n: int = ROWS) -> Table:
    rng = np.random.default_rng(seed)
    rest = rng.dirichlet(np.ones(k - 1) * 4) * (1 - smallest)
    rest = np.maximum(rest, smallest * 2)
    weights = np.array([smallest, *rest])
    weights[1:] *= (1 - smallest) / weights[1:].sum()
    sizes = rng.multinomial(n, weights)
    centers = _centers(rng, k, p, gap=3.5, box=3.5)
    X = np.vstack([rng.normal(c, 0.45, (s, p)) for c, s in zip(centers, sizes, strict=True)])
    X, truth = _shuffle(rng, X, np.repeat(np.arange(k), sizes))
    return Table(f"uneven k={k}, smallest {smallest:.0%}", "uneven", _frame(X, seed=seed), truth, k)


def _rotation(rng: np.random.Generator, p: int) -> np.ndarray:
    q, _ = np.linalg.qr(rng.normal(size=(p, p)))
    return q


def elongated(k: int, seed: int, p: int = 4, n: int = ROWS) -> Table:
    """Rotated groups stretched 2.5x along one axis, each its own way."""
    rng = np.random.default_rng(seed)
    sizes = _sizes(rng, k, n)
    centers = _centers(rng, k, p, gap=4.5, box=4.0)
    parts = []
    for c, s in zip(centers, sizes, strict=True):
        scale = np.array([1.0] + [0.35] * (p - 1))
        parts.append(rng.normal(0, 1, (s, p)) * scale @ _rotation(rng, p).T + c)
    X, truth = _shuffle(rng, np.vstack(parts), np.repeat(np.arange(k), sizes))
    return Table(f"elongated rotated k={k}", "shape", _frame(X, seed=seed), truth, k)


def parallel_pair(seed: int, p: int = 3, n: int = ROWS) -> Table:
    """Two long groups side by side, close together, and a third one apart: k=3."""
    rng = np.random.default_rng(seed)
    sizes = rng.multinomial(n, [0.35, 0.35, 0.3])
    parts = []
    for j, (offset, s) in enumerate(zip((-1.0, 1.0, 0.0), sizes, strict=True)):
        part = rng.normal(0, 1, (s, p)) * np.array([0.9, 0.25, 0.25])
        part[:, 1] += offset
        if j == 2:
            part[:, 2] += 3.0
            part[:, 0] *= 0.3
        parts.append(part)
    X, truth = _shuffle(rng, np.vstack(parts), np.repeat(np.arange(3), sizes))
    return Table("two long groups side by side + one, k=3", "shape", _frame(X, counts=0), truth, 3)


def unequal_variance(k: int, seed: int, p: int = 4, n: int = ROWS) -> Table:
    rng = np.random.default_rng(seed)
    sizes = _sizes(rng, k, n)
    centers = _centers(rng, k, p, gap=5.0, box=4.0)
    spreads = np.linspace(0.3, 1.0, k)
    X = np.vstack(
        [rng.normal(c, sd, (s, p)) for c, s, sd in zip(centers, sizes, spreads, strict=True)]
    )
    X, truth = _shuffle(rng, X, np.repeat(np.arange(k), sizes))
    return Table(f"unequal variance k={k}", "shape", _frame(X, seed=seed), truth, k)


def with_noise(k: int, seed: int, informative: int = 3, noise: int = 5, n: int = ROWS) -> Table:
    rng = np.random.default_rng(seed)
    sizes = _sizes(rng, k, n)
    centers = _centers(rng, k, informative, gap=3.2, box=3.0)
    X = np.vstack(
        [rng.normal(c, 0.45, (s, informative)) for c, s in zip(centers, sizes, strict=True)]
    )
    X = np.hstack([X, rng.normal(0, 1.6, (len(X), noise))])
    X, truth = _shuffle(rng, X, np.repeat(np.arange(k), sizes))
    return Table(
        f"{informative} informative + {noise} noise, k={k}",
        "noise",
        _frame(X, counts=2, seed=seed),
        truth,
        k,
    )


def rfm(k: int, seed: int, n: int = ROWS) -> Table:
    """Behavioural groups: recency in days, order counts and spend, overlapping, heavy tails."""
    rng = np.random.default_rng(seed)
    profiles = [  # mean log recency, mean log orders, mean log spend per order
        (2.0, 2.6, 4.4),  # champions: recent, frequent, big baskets
        (5.2, 0.3, 3.0),  # lost: long ago, one order, small
        (2.4, 0.4, 3.1),  # new: recent, first order
        (4.6, 2.0, 4.8),  # at risk: used to buy a lot
        (3.6, 1.4, 2.3),  # bargain hunters: middling, small baskets
    ][:k]
    sizes = _sizes(rng, k, n, smallest=0.08)
    recency, orders, spend = [], [], []
    for (r, f, m), s in zip(profiles, sizes, strict=True):
        recency.append(np.exp(rng.normal(r, 0.25, s)))
        orders.append(1 + rng.poisson(np.exp(rng.normal(f, 0.25, s))))
        spend.append(np.exp(rng.normal(m, 0.25, s) + 0.1 * rng.standard_t(3, s)))
    truth = np.repeat(np.arange(k), sizes)
    o = np.concatenate(orders)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(len(truth))],
            "days_since_last_order": np.round(np.concatenate(recency)).astype(int),
            "orders": o,
            "total_spend": np.round(o * np.concatenate(spend), 2),
        }
    )
    order = rng.permutation(len(frame))
    return Table(
        f"RFM-like k={k}", "rfm", frame.iloc[order].reset_index(drop=True), truth[order], k
    )


def with_outliers(k: int, seed: int, extreme: int = 6, p: int = 4, n: int = ROWS) -> Table:
    """Separated groups plus a handful of extreme customers (truth -1)."""
    base = separated(k, seed, p=p, n=n - extreme)
    rng = np.random.default_rng(seed + 1)
    latent = rng.normal(0, 1, (extreme, p)) + np.where(rng.random((extreme, p)) < 0.5, 14.0, 0.0)
    latent[:, 0] = 16.0 + rng.normal(0, 1, extreme)
    extra = _frame(latent, seed=seed + 7)
    frame = pd.concat([base.frame, extra], ignore_index=True)
    frame["customer_id"] = [f"C{i:05d}" for i in range(len(frame))]
    truth = np.concatenate([base.truth, -np.ones(extreme, dtype=int)])
    return Table(f"separated k={k} + {extreme} extreme customers", "outliers", frame, truth, k)


def gaussian(seed: int, p: int = 5, n: int = ROWS) -> Table:
    rng = np.random.default_rng(seed)
    cov = np.cov(rng.normal(size=(p, 2 * p)))
    X = rng.multivariate_normal(np.zeros(p), cov + np.eye(p) * 0.3, n) * 1.5
    return Table("one Gaussian cloud", "none", _frame(X, seed=seed), np.zeros(n, int), 0)


def uniform(seed: int, p: int = 4, n: int = ROWS) -> Table:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-4, 4, (n, p))
    return Table("a uniform box", "none", _frame(X, counts=0, seed=seed), np.zeros(n, int), 0)


def lognormal(seed: int, p: int = 4, n: int = ROWS) -> Table:
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 2.0, (n, p))
    return Table("one log-normal cloud", "none", _frame(X, seed=seed), np.zeros(n, int), 0)


def suite() -> list[Callable[[], Table]]:
    """The tables, as makers (each builds its table on demand)."""
    makers: list[Callable[[], Table]] = []
    makers += [lambda k=k: separated(k, seed=k) for k in range(2, 13)]
    makers += [
        lambda: uneven(3, 0.03, seed=1),
        lambda: uneven(4, 0.03, seed=2),
        lambda: uneven(5, 0.04, seed=3),
    ]
    makers += [
        lambda: elongated(3, seed=4),
        lambda: elongated(5, seed=5),
        lambda: parallel_pair(seed=6),
        lambda: unequal_variance(4, seed=7),
    ]
    makers += [lambda k=k: with_noise(k, seed=10 + k) for k in (3, 4, 5)]
    makers += [lambda k=k: rfm(k, seed=20 + k) for k in (3, 4, 5)]
    makers += [lambda: with_outliers(4, seed=30)]
    makers += [lambda: gaussian(seed=40), lambda: uniform(seed=41), lambda: lognormal(seed=42)]
    return makers


@dataclass(frozen=True)
class Outcome:
    table: Table
    selection: KSelection
    ari: float | None  # reportgen's segments against the truth (planted outliers left out)
    seconds: float

    def k_of(self, method: str) -> int | None:
        if method == "reportgen":
            return self.selection.k
        return self.selection.votes.get(method)


def evaluate(table: Table, seed: int = 0) -> Outcome:
    """Profile, features and select_k as a run does; then the final fit against the truth."""
    import time

    from sklearn.metrics import adjusted_rand_score

    start = time.perf_counter()
    fm = build(table.frame, profile(table.frame))
    selection = select_k(fm.X, Clustering(seed=seed))
    seconds = time.perf_counter() - start
    ari = None
    if table.structured:
        labels = fit(
            fm.X, selection.k, Clustering(seed=seed), init_centers=selection.centroids
        ).labels
        kept = table.truth >= 0
        ari = float(adjusted_rand_score(table.truth[kept], labels[kept]))
    return Outcome(table, selection, ari, seconds)


def run_all() -> list[Outcome]:
    return [evaluate(make()) for make in suite()]


def counts(outcomes: list[Outcome]) -> dict[str, int]:
    """Per method, the structured tables where its k is the true k."""
    structured = [o for o in outcomes if o.table.structured]
    return {m: sum(o.k_of(m) == o.table.true_k for o in structured) for m in METHODS}
