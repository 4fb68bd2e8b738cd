"""Stage 5, cluster: the final K-Means fit, numbered in a stable order.

K-Means numbers its clusters by luck; segments are renumbered by size (largest first, ties by
centroid) so the same data and seed always give "Segment 1" the same customers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from reportgen.options import Clustering

CHUNK = 1_000_000  # rows assigned at a time, to bound memory on large inputs
PARALLEL_ROWS = 200_000  # below this, one OpenMP thread fits faster than several


@dataclass(frozen=True)
class Segmentation:
    k: int
    labels: np.ndarray  # segment id per row, 1..k
    centers: np.ndarray  # k x p, standardized units, row i is segment i+1
    sizes: tuple[int, ...]
    distances: np.ndarray  # each row's distance to its segment centre (standardized units)
    inertia: float
    silhouette: float  # on a seeded sample of at most ``silhouette_rows`` rows
    silhouette_rows: int
    seed: int
    n_init: int
    warm_start: bool  # True when the fit started from the sweep sample's centres
    ids: tuple[int, ...] = ()  # segment id of each centre row; empty means 1..k

    @property
    def segment_ids(self) -> tuple[int, ...]:
        return self.ids or tuple(range(1, self.k + 1))


def fit(
    X: np.ndarray,
    k: int,
    options: Clustering,
    *,
    init_centers: np.ndarray | None = None,
) -> Segmentation:
    """Fit K-Means on all rows; warm-start from ``init_centers`` when they are given."""
    seed, n_init, silhouette_sample = options.seed, options.n_init, options.silhouette_sample
    from sklearn.cluster import KMeans  # scikit-learn loads on first use (fast --help)
    from threadpoolctl import threadpool_limits

    if init_centers is not None:
        model = KMeans(n_clusters=k, init=init_centers, n_init=1, random_state=seed)
    else:
        model = KMeans(n_clusters=k, init="k-means++", n_init=n_init, random_state=seed)
    threads = 1 if len(X) < PARALLEL_ROWS else None  # see selection.select_k
    with threadpool_limits(limits=threads, user_api="openmp"):
        model.fit(X)
    centers = _ordered(model.cluster_centers_, np.bincount(model.labels_, minlength=k))
    labels, distances = assign(X, centers)
    sil, rows = silhouette(X, labels, seed, silhouette_sample)
    return Segmentation(
        k=k,
        labels=labels,
        centers=centers,
        sizes=tuple(int(c) for c in np.bincount(labels, minlength=k + 1)[1:]),
        distances=distances,
        inertia=float((distances**2).sum()),
        silhouette=sil,
        silhouette_rows=rows,
        seed=seed,
        n_init=1 if init_centers is not None else n_init,
        warm_start=init_centers is not None,
    )


def assign(
    X: np.ndarray, centers: np.ndarray, ids: tuple[int, ...] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest centre's id (default 1-based row number) and the distance to it, in chunks."""
    lookup = np.array(ids or range(1, len(centers) + 1), dtype=np.int64)
    labels = np.empty(len(X), dtype=np.int64)
    distances = np.empty(len(X), dtype=np.float64)
    sq_centers = (centers**2).sum(axis=1)
    for start in range(0, len(X), CHUNK):
        block = X[start : start + CHUNK]
        d2 = (block**2).sum(axis=1)[:, None] - 2 * block @ centers.T + sq_centers[None, :]
        nearest = np.argmin(d2, axis=1)
        labels[start : start + CHUNK] = lookup[nearest]
        distances[start : start + CHUNK] = np.sqrt(
            np.maximum(d2[np.arange(len(block)), nearest], 0.0)
        )
    return labels, distances


def from_centers(
    X: np.ndarray,
    centers: np.ndarray,
    ids: tuple[int, ...],
    options: Clustering,
) -> Segmentation:
    """Assign rows to saved centres (a baseline model) without fitting anything."""
    seed, silhouette_sample = options.seed, options.silhouette_sample
    labels, distances = assign(X, centers, ids)
    sil, rows = silhouette(X, labels, seed, silhouette_sample)
    return Segmentation(
        k=len(centers),
        labels=labels,
        centers=centers,
        sizes=tuple(int((labels == i).sum()) for i in ids),
        distances=distances,
        inertia=float((distances**2).sum()),
        silhouette=sil,
        silhouette_rows=rows,
        seed=seed,
        n_init=0,
        warm_start=False,
        ids=tuple(ids),
    )


def relabel(segmentation: Segmentation, mapping: dict[int, int]) -> Segmentation:
    """The same partition with segment ``old`` renamed ``mapping[old]`` (centres reordered
    by the new ids)."""
    order = sorted(segmentation.segment_ids, key=lambda i: mapping[i])
    position = {i: n for n, i in enumerate(segmentation.segment_ids)}
    lookup = np.zeros(max(segmentation.segment_ids) + 1, dtype=np.int64)
    for old, new in mapping.items():
        lookup[old] = new
    return replace(
        segmentation,
        labels=lookup[segmentation.labels],
        centers=segmentation.centers[[position[i] for i in order]],
        sizes=tuple(segmentation.sizes[position[i]] for i in order),
        ids=tuple(mapping[i] for i in order),
    )


def _ordered(centers: np.ndarray, counts: np.ndarray) -> np.ndarray:
    return centers[size_order(centers, counts)]


def size_order(centers: np.ndarray, counts: np.ndarray) -> list[int]:
    """Cluster indices by segment size (largest first), ties by the centre's coordinates:
    position i holds the cluster that becomes segment i + 1."""
    keys = [(-int(counts[i]), tuple(np.round(centers[i], 9))) for i in range(len(centers))]
    return sorted(range(len(centers)), key=lambda i: keys[i])


def silhouette(X: np.ndarray, labels: np.ndarray, seed: int, size: int) -> tuple[float, int]:
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(X), size, replace=False)) if len(X) > size else np.arange(len(X))
    if len(np.unique(labels[idx])) < 2:
        return 0.0, len(idx)
    from sklearn.metrics import silhouette_score

    return float(silhouette_score(X[idx], labels[idx])), len(idx)
