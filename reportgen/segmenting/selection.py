"""Stage 4, select k: is there structure at all, which k, and the reasons in words.

No single criterion is reliable (Calinski-Harabasz can keep rising, the elbow drifts,
silhouette merges neighbours), so each k gets a weighted consensus of silhouette,
Davies-Bouldin, the gap statistic, resample stability and (at half weight)
Calinski-Harabasz, among the k whose smallest segment is big enough to act on.  The inertia
elbow is shown but does not vote: on tables of known structure it pulled k down.

Before any k is trusted, the data is compared with reference data that has no clusters (a
Gaussian with the data's mean and covariance, and a uniform box in its principal axes): the
gap statistic measures how much faster the within-segment spread falls with k than it does on
those references.  A handful of far-away customers is set aside as outliers first, so they
neither become a segment nor veto a k.

The sweep runs on a seeded sample, its starts and resamples on a smaller one, and silhouette
on a smaller one still, so cost does not grow with the table.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from reportgen.errors import InputError
from reportgen.formatting import percent
from reportgen.options import Clustering

MIN_ROWS = 10  # fewer customers than this cannot be segmented meaningfully
START_ROWS = 3_000  # each k's starts are compared on at most this many rows of the sample
STABILITY_ROWS = 1_500  # resample fits draw from at most this many of those
STABILITY_FRACTION = 0.8
SHARED_DISTANCE_ROWS = 5_000  # up to this many silhouette rows, their distances are kept (200 MB)
REFERENCE_ROWS = 1_500  # rows of each no-cluster reference set (and of the data they meet)
REFERENCES = 2  # reference sets of each kind (Gaussian, uniform box), at least
REFERENCE_BUDGET = 3_000  # rows per kind: small tables get more sets, up to MAX_REFERENCES
MAX_REFERENCES = 10
REFERENCE_STARTS = 1  # K-Means starts on each reference set (no clusters: starts agree)
REFERENCE_ITERATIONS = 50  # Lloyd steps on a reference set; later ones barely move inertia
EXTENDED_K_MAX = 15  # how far the sweep goes when the best k sits at the top of the range
STABLE = 0.9  # resample agreement (adjusted Rand) from which a k counts as reproducible
SILHOUETTE_NOISE = 0.02  # a 3,000-row silhouette sample moves by about 0.01; twice that
GAP_NOISE = 2.0  # gaps closer than this many reference standard deviations are a tie
STRUCTURE_NONE = 0.05  # gap (log units) below which the data clusters no better than noise
STRUCTURE_CLEAR = 0.15  # gap from which the structure is clear (and the chosen k is stable)
STRUCTURE_STABLE = 0.8  # resample agreement the chosen k needs for a "clear" verdict
OUTLIER_FENCE = 3.0  # Tukey's far-out fence: beyond the quartiles by 3 interquartile ranges
HANDFUL = 10  # at most this many outliers (or HANDFUL_SHARE of rows, if more) are set aside
HANDFUL_SHARE = 0.0025
ISOLATION = 5.0  # an outlier's nearest ordinary customer is this many typical gaps away
WEIGHTS = {  # how much each criterion counts in the consensus; the elbow only illustrates
    "silhouette": 1.0,
    "davies_bouldin": 1.0,
    "gap": 1.0,
    "stability": 1.0,
    "calinski_harabasz": 0.5,
}
CRITERIA = ("silhouette", "calinski_harabasz", "davies_bouldin", "gap", "stability", "elbow")
LABELS = {
    "silhouette": "silhouette",
    "calinski_harabasz": "Calinski-Harabasz",
    "davies_bouldin": "Davies-Bouldin",
    "gap": "the gap statistic",
    "stability": "stability",
    "elbow": "the inertia elbow",
}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class KScore:
    """Every criterion for one k (on the sweep sample)."""

    k: int
    inertia: float
    silhouette: float
    calinski_harabasz: float
    davies_bouldin: float
    stability: float | None  # mean adjusted Rand index of resample fits vs the full fit
    min_share: float  # share of the smallest segment
    eligible: bool  # smallest segment at least the minimum share
    score: float | None  # consensus score in [0, 1]; None where not eligible
    gap: float | None = None  # gap statistic vs the reference that clusters best (log units)
    gap_sd: float | None = None  # its noise: spread of the references, Tibshirani's s_k
    gap_gaussian: float | None = None  # the gap against the Gaussian references alone
    gap_uniform: float | None = None  # the gap against the uniform-box references alone


@dataclass(frozen=True)
class Structure:
    """Whether the customers fall into distinct segments at all, and the figures behind it."""

    verdict: str  # "clear" | "weak" | "none"
    reason: str
    gap: float  # largest gap over the eligible k (log units): the data vs no-cluster references
    gap_k: int  # the k where it is largest
    gap_sd: float  # the references' noise at that k
    gaussian_gap: float  # at gap_k, against the Gaussian references alone
    uniform_gap: float  # at gap_k, against the uniform-box references alone
    stability: float | None  # resample agreement at the chosen k
    references: int  # reference sets of each kind
    reference_rows: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class KSelection:
    k: int
    method: str  # "consensus" or "fixed"
    rationale: str
    ambiguous: bool
    alternatives: tuple[int, ...]  # other k the criteria point to
    candidates: tuple[KScore, ...]
    votes: dict[str, int]  # criterion -> the k it favours
    elbow: int | None
    sample_size: int  # rows the sweep ran on
    silhouette_sample: int  # rows silhouette was computed on
    n_rows: int
    centroids: np.ndarray  # the sweep's centroids at the chosen k (standardized units)
    structure: Structure | None = None
    outliers: int = 0  # far-away customers set aside before the sweep (all rows)
    outlier_note: str = ""
    k_range: tuple[int, int] = (0, 0)  # the k swept, after any extension
    extended: bool = False  # True when the sweep went past k_max
    options: Clustering = field(default_factory=Clustering)  # the settings it ran with

    def candidate(self, k: int) -> KScore:
        return next(c for c in self.candidates if c.k == k)


@dataclass(frozen=True)
class _References:
    """No-cluster reference sets and the data rows they are compared with."""

    data: np.ndarray  # REFERENCE_ROWS rows of the sweep sample
    sets: tuple[tuple[str, np.ndarray], ...]  # (kind, rows)


@dataclass(frozen=True)
class _Sweep:
    sample: np.ndarray
    sil_idx: np.ndarray
    sub_idx: np.ndarray
    references: _References
    seed: int
    n_init: int
    min_share: float
    resamples: int
    handful: int  # a segment this small and far from the rest is outliers, not a segment
    stab_idx: np.ndarray  # rows of the start subset that resamples are drawn from
    distances: np.ndarray | None = None  # the silhouette rows' distances, transposed (or None)


def select_k(
    X: np.ndarray,
    options: Clustering,
    *,
    progress: Progress | None = None,
) -> KSelection:
    """Sweep k on a sample, test for structure and choose k by consensus (or take
    ``options.k``); the selection records ``options``.

    When the best k is ``k_max`` and the criteria still improve there, the sweep goes on up
    to EXTENDED_K_MAX, unless ``options.stops_at_k_max`` (the user chose that limit).
    """
    k, k_min, k_max, seed = options.k, options.k_min, options.k_max, options.seed
    min_share, silhouette_sample = options.min_share, options.silhouette_sample
    n_init, stability_resamples = options.n_init, options.stability_resamples
    k_max_given, sample_size = options.stops_at_k_max, options.sample_size
    n = len(X)
    distinct = _distinct_rows(X)
    _check_size(n, distinct, k)
    limit = min(distinct - 1, n // 5)  # at least five customers a segment on average
    asked = list(range(k_min, min(k_max, limit) + 1)) or [min(k_min, distinct)]
    ks = [k] if k is not None else asked
    rng = np.random.default_rng(seed)
    settings = (silhouette_sample, seed, n_init, min_share, stability_resamples)
    sample, sweep, scores, centroids, outliers = _swept(X, ks, sample_size, rng, settings, progress)
    extended = False
    room = min(EXTENDED_K_MAX, limit)
    if k is None and not k_max_given and _worth_extending(scores, ks, room):
        wider = list(range(max(ks) + 1, room + 1))
        more, more_centroids, _ = _run_sweep(sweep, wider, progress)
        scores, ks, extended = scores + more, ks + wider, True
        centroids.update(more_centroids)
    total_ss = float(((sample - sample.mean(axis=0)) ** 2).sum())
    elbow = _kneedle([1, *ks], [total_ss, *(s.inertia for s in scores)]) if k is None else None
    scored = _consensus(scores)
    note = _outlier_note(outliers, n)
    common: dict[str, Any] = {"sample_size": len(sample), "n_rows": n}
    common["silhouette_sample"] = len(sweep.sil_idx)
    common |= {"outliers": outliers, "outlier_note": note, "k_range": (min(ks), max(ks))}
    common |= {"extended": extended, "options": options}
    if k is not None:
        return _fixed(k, scored, sweep, centroids[k], note, common)
    chosen, alternatives, votes = _choose(scored, elbow)
    structure = _structure(scored, chosen, len(sweep.references.data))
    rationale = _rationale(
        scored, chosen, alternatives, votes, min_share, structure, (k_max, k_max_given, extended)
    )
    text = " ".join(x for x in (rationale, note) if x)
    return KSelection(
        chosen, "consensus", text, bool(alternatives), alternatives, tuple(scored), votes, elbow,
        centroids=centroids[chosen], structure=structure, **common,  # type: ignore[arg-type]
    )  # fmt: skip


def _fixed(
    k: int,
    scored: list[KScore],
    sweep: _Sweep,
    centroids: np.ndarray,
    note: str,
    common: dict[str, Any],
) -> KSelection:
    """The selection when the user set k: scored and tested for structure, not chosen."""
    structure = _structure(scored, k, len(sweep.references.data))
    rationale = f"k={k} was set by the user (--k); no choice was made. {structure.reason}"
    return KSelection(
        k,
        "fixed",
        " ".join(x for x in (rationale, note) if x),
        False,
        (),
        tuple(scored),
        {},
        None,
        centroids=centroids,
        structure=structure,
        **common,
    )


def _swept(
    X: np.ndarray,
    ks: list[int],
    sample_size: int,
    rng: np.random.Generator,
    settings: tuple[int, int, int, float, int],
    progress: Progress | None,
) -> tuple[np.ndarray, _Sweep, list[KScore], dict[int, np.ndarray], int]:
    """The sweep over ``ks`` on a seeded sample, far-away customers set aside: before it,
    and again when a handful of them made a segment of their own in it."""
    n = len(X)
    sample = _sample(X, sample_size, rng)
    outliers, sample = _set_aside(X, sample)
    sweep = _new_sweep(sample, rng, *settings)
    scores, centroids, lonely = _run_sweep(sweep, ks, progress)
    if len(lonely):
        sample = np.delete(sample, lonely, axis=0)
        outliers += round(len(lonely) * n / (len(sample) + len(lonely)))
        sweep = _new_sweep(sample, rng, *settings)
        scores, centroids, _ = _run_sweep(sweep, ks, progress)
    return sample, sweep, scores, centroids, outliers


def _worth_extending(scores: list[KScore], ks: list[int], room: int) -> bool:
    """The best k is the top of the range, there is room above, and the criteria still
    improve there: the sweep goes on."""
    scored = _consensus(scores)
    top = max(ks)
    return _ranked(scored)[0].k == top and top < room and _still_improving(scored, top)


def _new_sweep(
    sample: np.ndarray,
    rng: np.random.Generator,
    silhouette_sample: int,
    seed: int,
    n_init: int,
    min_share: float,
    resamples: int,
) -> _Sweep:
    sil_idx = np.sort(rng.choice(len(sample), min(silhouette_sample, len(sample)), replace=False))
    sub_idx = np.sort(rng.choice(len(sample), min(START_ROWS, len(sample)), replace=False))
    stab_idx = np.sort(rng.choice(len(sub_idx), min(STABILITY_ROWS, len(sub_idx)), replace=False))
    references = _references(sample[sub_idx], seed)
    handful = int(max(HANDFUL, HANDFUL_SHARE * len(sample)))
    distances = _distances(sample[sil_idx]) if len(sil_idx) <= SHARED_DISTANCE_ROWS else None
    return _Sweep(
        sample, sil_idx, sub_idx, references, seed, n_init, min_share, resamples, handful, stab_idx,
        distances,
    )  # fmt: skip


def _run_sweep(
    sweep: _Sweep, ks: list[int], progress: Progress | None
) -> tuple[list[KScore], dict[int, np.ndarray], np.ndarray]:
    """Score every k; also the sample rows that formed a far-away handful at some k."""
    # Many small fits: one OpenMP thread each, and the k run side by side on the cores
    # (scikit-learn's Lloyd loop releases the GIL). Two threads spinning per fit were up to
    # 30x slower when another process held a core. Each k has its own seed, so the result
    # does not depend on the order the threads finish in.
    workers = max(1, min(len(ks), os.cpu_count() or 1))
    scores, centroids, lonely = [], {}, []
    with ThreadPoolExecutor(workers, initializer=_one_openmp_thread) as pool:
        jobs = [pool.submit(_score_k, sweep, kk) for kk in ks]
        for i, (kk, job) in enumerate(zip(ks, jobs, strict=True)):
            score, centers, members = job.result()
            scores.append(score)
            lonely.append(members)
            centroids[kk] = centers
            if progress:
                progress(i + 1, len(ks))
    return scores, centroids, np.unique(np.concatenate(lonely)).astype(np.int64)


def _one_openmp_thread() -> None:
    """Limit a pool thread's K-Means to one OpenMP thread.

    OpenMP's thread count belongs to each thread: a limit set in the thread that starts the
    pool does not reach the pool's threads, whose fits then ran as many threads as cores each.
    """
    from threadpoolctl import threadpool_limits  # scikit-learn and SciPy load on first use

    threadpool_limits(limits=1, user_api="openmp")  # kept until the pool's thread ends


def _distinct_rows(X: np.ndarray) -> int:
    """Distinct rows, as ``np.unique(X, axis=0)`` counts them (200,000 for larger tables).

    Each row is compared as one block of bytes, -0.0 made 0.0 first: the same count, three
    times faster than unique's sort of the rows as records of floats.
    """
    if len(X) > 200_000:
        return 200_000
    if X.dtype != np.float64 or X.ndim != 2 or not X.shape[1] or np.isnan(X).any():
        return len(np.unique(X, axis=0))  # NaN is unequal to itself there, equal as bytes
    rows = np.ascontiguousarray(X + 0.0)
    return len(np.unique(rows.view(np.dtype((np.void, rows.itemsize * rows.shape[1])))))


def _check_size(n: int, distinct: int, k: int | None) -> None:
    if n < MIN_ROWS:
        raise InputError(f"only {n} rows; segmenting needs at least {MIN_ROWS} customers")
    if distinct < 2:
        raise InputError(
            f"all {n} rows are identical in the clustering columns; there is nothing to segment"
        )
    if k is not None and k > distinct:
        raise InputError(
            f"--k {k} asks for more segments than the {distinct} "
            "distinct customers; choose a smaller k"
        )


def _sample(X: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    if len(X) <= size:
        return X
    return X[np.sort(rng.choice(len(X), size, replace=False))]


def _far_out(X: np.ndarray, sample: np.ndarray) -> np.ndarray:
    """Rows beyond Tukey's far-out fence in some column (quartiles from the sample).

    Columns without spread between their quartiles (flags, rare categories) have no fence.
    """
    q1, q3 = np.percentile(sample, [25, 75], axis=0)
    iqr = q3 - q1
    spread = iqr > 1e-9
    if not spread.any():
        return np.zeros(len(X), dtype=bool)
    lo = (q1 - OUTLIER_FENCE * iqr)[spread]
    hi = (q3 + OUTLIER_FENCE * iqr)[spread]
    far = np.zeros(len(X), dtype=bool)
    for start in range(0, len(X), 1_000_000):
        part = X[start : start + 1_000_000][:, spread]
        far[start : start + 1_000_000] = ((part < lo) | (part > hi)).any(axis=1)
    return far


def _set_aside(X: np.ndarray, sample: np.ndarray) -> tuple[int, np.ndarray]:
    """Count the handful of far-away customers and drop them from the sweep sample.

    Far away means beyond the far-out fence and also isolated: the nearest ordinary customer
    is ISOLATION times further than ordinary customers' nearest neighbours are, so the tail
    of a real small segment is not taken for outliers.  More than a handful is not outliers
    but a long tail or a segment of its own, and nothing is set aside.
    """
    far = _far_out(sample, sample)
    flagged = far if X is sample else _far_out(X, sample)
    count = int(flagged.sum())
    if count == 0 or count > max(HANDFUL, HANDFUL_SHARE * len(X)) or far.all():
        return 0, sample
    from sklearn.metrics import pairwise_distances_argmin_min

    ordinary = sample[~far]
    rng = np.random.default_rng(len(sample))
    probe = rng.choice(len(ordinary), min(300, len(ordinary)), replace=False)
    nearest = np.sort(
        ((ordinary[probe, None, :] - ordinary[None]) ** 2).sum(-1)
        if len(ordinary) <= 3_000
        else _nearest_two(ordinary[probe], ordinary),
        axis=1,
    )[:, 1]  # the first is the point itself
    typical = float(np.sqrt(np.median(nearest)))
    if typical <= 0:
        return 0, sample
    _, gap_all = pairwise_distances_argmin_min(X[flagged], ordinary)
    isolated = int((gap_all > ISOLATION * typical).sum())
    keep = np.ones(len(sample), dtype=bool)
    if far.any():  # on a large table the sample may hold none of them
        _, gap_sample = pairwise_distances_argmin_min(sample[far], ordinary)
        keep[np.flatnonzero(far)[gap_sample > ISOLATION * typical]] = False
    return isolated, sample[keep]


def _nearest_two(points: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Squared distances from each point to its two nearest rows of ``pool`` (chunked)."""
    out = np.empty((len(points), 2))
    for start in range(0, len(points), 50):
        d = ((points[start : start + 50, None, :] - pool[None]) ** 2).sum(-1)
        out[start : start + 50] = np.partition(d, 1, axis=1)[:, :2]
    return out


def _outlier_note(outliers: int, n: int) -> str:
    if not outliers:
        return ""
    who = "customer lies" if outliers == 1 else "customers lie"
    return (
        f"{outliers:,} {who} far from all the others ({outliers / n:.2%} of customers): "
        "reported as outliers; they were left out of the choice of k, so they neither became "
        "a segment of their own nor ruled out a k by making a tiny one."
    )


def _references(data: np.ndarray, seed: int) -> _References:
    """No-cluster reference sets shaped like the data: Gaussian and uniform in its axes."""
    rng = np.random.default_rng(seed + 104_729)
    rows = data[np.sort(rng.choice(len(data), min(REFERENCE_ROWS, len(data)), replace=False))]
    mean = rows.mean(axis=0)
    variances, vectors = np.linalg.eigh(np.atleast_2d(np.cov(rows, rowvar=False)))
    axes = vectors.T  # principal axes, one per row
    scale = np.sqrt(np.maximum(variances, 0.0))
    projected = (rows - mean) @ axes.T
    lo, hi = projected.min(axis=0), projected.max(axis=0)
    sets: list[tuple[str, np.ndarray]] = []
    for _ in range(_reference_count(len(rows))):
        gaussian = rng.normal(size=(len(rows), len(scale))) * scale @ axes + mean
        box = rng.uniform(lo, hi, size=(len(rows), len(lo))) @ axes + mean
        sets += [("gaussian", gaussian), ("uniform", box)]
    return _References(rows, tuple(sets))


def _reference_count(rows: int) -> int:
    """Sets of each kind: two on large samples; more on small ones, whose noise is larger."""
    return int(min(MAX_REFERENCES, max(REFERENCES, REFERENCE_BUDGET // max(rows, 1))))


def _log_drop(points: np.ndarray, within: float) -> float:
    """How far the within-segment spread fell from one segment (log of the ratio)."""
    total = float(((points - points.mean(axis=0)) ** 2).sum())
    return float(np.log(max(total, 1e-300) / max(within, 1e-300)))


def _gap(
    references: _References, centers: np.ndarray, k: int, seed: int
) -> tuple[float, float, dict[str, float]]:
    """Gap statistic on the log drop of inertia: data vs each kind of reference set.

    The drop from k=1 is compared (not inertia itself), so a box that is wider or narrower
    than the data does not matter; the reference that clusters best sets the gap.
    """
    from sklearn.cluster import KMeans

    data = references.data
    within = ((data[:, None, :] - centers[None]) ** 2).sum(-1).min(axis=1).sum()
    observed = _log_drop(data, float(within))
    drops: dict[str, list[float]] = {}
    for i, (kind, rows) in enumerate(references.sets):
        fit = KMeans(
            n_clusters=k,
            n_init=REFERENCE_STARTS,
            max_iter=REFERENCE_ITERATIONS,
            random_state=seed + 31 * i,
        )
        drops.setdefault(kind, []).append(_log_drop(rows, float(fit.fit(rows).inertia_)))
    gaps = {kind: observed - float(np.mean(d)) for kind, d in drops.items()}
    worst = min(gaps, key=lambda kind: gaps[kind])
    sd = float(np.std(drops[worst], ddof=1)) * np.sqrt(1 + 1 / len(drops[worst]))
    return gaps[worst], sd, gaps


def _score_k(sweep: _Sweep, k: int) -> tuple[KScore, np.ndarray, np.ndarray]:
    """Every criterion at one k: the best of ``n_init`` starts on the subset, then refined."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

    sample, seed = sweep.sample, sweep.seed
    sub = sample[sweep.sub_idx]
    model = KMeans(n_clusters=k, init="k-means++", n_init=sweep.n_init, random_state=seed)
    model.fit(sub)
    if len(sub) < len(sample):  # refine the best start on the whole sweep sample
        model = KMeans(n_clusters=k, init=model.cluster_centers_, n_init=1, random_state=seed)
        model.fit(sample)
    labels = model.labels_
    smallest = float(np.bincount(labels, minlength=k).min() / len(labels))
    sil_labels = labels[sweep.sil_idx]
    several = len(np.unique(sil_labels)) > 1
    gap, gap_sd, kinds = _gap(sweep.references, model.cluster_centers_, k, seed)
    score = KScore(
        k=k,
        inertia=float(model.inertia_),
        silhouette=_silhouette(sweep, sil_labels) if several else 0.0,
        calinski_harabasz=float(calinski_harabasz_score(sample, labels)),
        davies_bouldin=float(davies_bouldin_score(sample, labels)),
        stability=_stability(sub[sweep.stab_idx], labels[sweep.sub_idx][sweep.stab_idx], k, sweep),
        min_share=smallest,
        eligible=smallest >= sweep.min_share,
        score=None,
        gap=gap,
        gap_sd=gap_sd,
        gap_gaussian=kinds["gaussian"],
        gap_uniform=kinds["uniform"],
    )
    lonely = _lonely(labels, model.cluster_centers_, float(model.inertia_), sweep)
    return score, model.cluster_centers_, lonely


def _distances(points: np.ndarray) -> np.ndarray:
    """The rows' distances as scikit-learn's silhouette computes them, once for every k;
    transposed, so a cluster's distances to each row are whole rows of it."""
    from sklearn.metrics import pairwise_distances_chunked

    return np.ascontiguousarray(np.vstack(list(pairwise_distances_chunked(points))).T)


def _silhouette(sweep: _Sweep, labels: np.ndarray) -> float:
    """``silhouette_score`` on the silhouette rows, from the distances kept in the sweep.

    The same float as scikit-learn's: each row's distances to a cluster are summed one by one
    in row order, as its ``np.bincount`` does (adding whole rows of the transposed distances
    is elementwise, so no pairwise summation reorders them), then the same operations follow.
    """
    codes = np.unique(labels, return_inverse=True)[1].ravel()
    freqs = np.bincount(codes)
    if sweep.distances is None or len(freqs) >= len(labels):  # large, or it raises there
        from sklearn.metrics import silhouette_score

        return float(silhouette_score(sweep.sample[sweep.sil_idx], labels))
    sums = np.empty((len(labels), len(freqs)))
    for c in range(len(freqs)):
        sums[:, c] = np.add.reduce(sweep.distances[codes == c], axis=0)
    rows = np.arange(len(labels))
    intra = sums[rows, codes]
    sums[rows, codes] = np.inf
    sums /= freqs
    inter = sums.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        intra /= (freqs - 1).take(codes, mode="clip")
        values = inter - intra
        values /= np.maximum(intra, inter)
    return float(np.mean(np.nan_to_num(values)))


def _lonely(labels: np.ndarray, centers: np.ndarray, inertia: float, sweep: _Sweep) -> np.ndarray:
    """Rows of segments that are a handful of customers far from every other segment.

    Far: the nearest other centre is ISOLATION times further away than the typical distance
    of a customer from its own centre.  Such a segment is outliers, not a segment to act on.
    """
    counts = np.bincount(labels, minlength=len(centers))
    small = np.flatnonzero(
        (counts <= sweep.handful) & (counts < sweep.min_share * len(labels)) & (counts > 0)
    )
    if not len(small) or len(centers) < 2:
        return np.empty(0, dtype=np.int64)
    spread = np.sqrt(inertia / len(labels))
    between = np.sqrt(((centers[:, None] - centers[None]) ** 2).sum(-1))
    np.fill_diagonal(between, np.inf)
    far = [c for c in small if between[c].min() > ISOLATION * spread]
    return np.flatnonzero(np.isin(labels, far)).astype(np.int64)


def _stability(points: np.ndarray, labels: np.ndarray, k: int, sweep: _Sweep) -> float | None:
    """Mean agreement (adjusted Rand) between fits on resamples and the full fit.

    Each resample fit gets as many starts as the fit it is compared with: with fewer, a
    small segment was lost by the resamples rather than by the data.
    """
    if sweep.resamples == 0:
        return None
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(sweep.seed + 7919 * k)
    agreement = []
    for b in range(sweep.resamples):
        idx = rng.choice(len(points), int(STABILITY_FRACTION * len(points)), replace=False)
        fit = KMeans(
            n_clusters=k, init="k-means++", n_init=sweep.n_init, random_state=sweep.seed + b + 1
        )
        fit.fit(points[idx])
        agreement.append(adjusted_rand_score(labels, fit.predict(points)))
    return float(np.mean(agreement))


def _kneedle(ks: list[int], inertia: list[float]) -> int | None:
    """Knee of the decreasing inertia curve (Satopaa et al. 2011), or None if it is flat."""
    if len(ks) < 3 or inertia[0] <= inertia[-1]:
        return None
    x = (np.array(ks, float) - ks[0]) / (ks[-1] - ks[0])
    y = (inertia[0] - np.array(inertia)) / (inertia[0] - inertia[-1])
    diff = y - x
    best = int(np.argmax(diff))
    return ks[best] if diff[best] > 0.05 and ks[best] != ks[0] else None


def _normalized(values: list[float], higher_is_better: bool) -> list[float]:
    lo, hi = min(values), max(values)
    if hi - lo <= 1e-12:
        return [1.0] * len(values)
    scaled = [(v - lo) / (hi - lo) for v in values]
    return scaled if higher_is_better else [1 - s for s in scaled]


def _parts(pool: list[KScore]) -> dict[str, list[float]]:
    """Each criterion scaled to [0, 1] over the pool (stability is already on that scale)."""
    parts = {
        "silhouette": _normalized([s.silhouette for s in pool], True),
        "calinski_harabasz": _normalized([s.calinski_harabasz for s in pool], True),
        "davies_bouldin": _normalized([s.davies_bouldin for s in pool], False),
    }
    if all(s.gap is not None for s in pool):
        parts["gap"] = _normalized([s.gap or 0.0 for s in pool], True)
    if pool[0].stability is not None:
        parts["stability"] = [max(0.0, s.stability or 0.0) for s in pool]
    return parts


def _consensus(scores: list[KScore]) -> list[KScore]:
    """Weighted mean of the criteria, each scaled to [0, 1] over the eligible k."""
    pool = [s for s in scores if s.eligible] or scores
    if len(pool) == 1:
        return [KScore(**{**s.__dict__, "score": 1.0 if s in pool else None}) for s in scores]
    parts = _parts(pool)
    weights = np.array([WEIGHTS[c] for c in parts])
    mean = weights @ np.array(list(parts.values())) / weights.sum()
    by_k = {s.k: float(m) for s, m in zip(pool, mean, strict=True)}
    return [KScore(**{**s.__dict__, "score": by_k.get(s.k)}) for s in scores]


def _ranked(scored: list[KScore]) -> list[KScore]:
    pool = [s for s in scored if s.score is not None]
    return sorted(pool, key=lambda s: (-(s.score or 0.0), -s.silhouette, s.k))


def _still_improving(scored: list[KScore], top: int) -> bool:
    """At the top k, is the consensus and at least one criterion better than one k below?"""
    by_k = {s.k: s for s in scored}
    below = by_k.get(top - 1)
    if below is None or below.score is None:
        return True
    last = by_k[top]
    return (last.score or 0.0) > below.score and (
        last.silhouette > below.silhouette or (last.gap or 0.0) > (below.gap or 0.0)
    )


def _gap_rule(pool: list[KScore]) -> int:
    """The gap statistic's own k (Tibshirani et al. 2001): the smallest k whose gap is within
    one standard deviation of the next k's."""
    ordered = sorted(pool, key=lambda s: s.k)
    for this, following in zip(ordered, ordered[1:], strict=False):
        if (this.gap or 0.0) >= (following.gap or 0.0) - (following.gap_sd or 0.0):
            return this.k
    return ordered[-1].k


def _votes(pool: list[KScore], elbow: int | None) -> dict[str, int]:
    votes = {
        "silhouette": max(pool, key=lambda s: (s.silhouette, -s.k)).k,
        "calinski_harabasz": max(pool, key=lambda s: (s.calinski_harabasz, -s.k)).k,
        "davies_bouldin": min(pool, key=lambda s: (s.davies_bouldin, s.k)).k,
    }
    if all(s.gap is not None for s in pool):
        votes["gap"] = _gap_rule(pool)
    if pool[0].stability is not None:
        votes["stability"] = max(pool, key=lambda s: (s.stability or 0.0, -s.k)).k
    if elbow is not None:
        votes["elbow"] = elbow
    return votes


def _close(rival: KScore, best: KScore, votes: dict[str, int]) -> bool:
    """A real alternative: some criterion prefers it, it is reproducible on resamples, and
    its silhouette is within sampling noise of the chosen k's (or better).

    Silhouette is on an absolute scale (a 3,000-row sample moves it by about 0.01); the
    consensus score is relative to the sweep and is not used to call a tie.
    """
    favoured = any(v == rival.k for c, v in votes.items() if c != "elbow")
    stable = rival.stability is None or rival.stability >= STABLE
    return favoured and stable and rival.silhouette >= best.silhouette - SILHOUETTE_NOISE


def _choose(scored: list[KScore], elbow: int | None) -> tuple[int, tuple[int, ...], dict[str, int]]:
    ranked = _ranked(scored)
    best = ranked[0]
    votes = _votes(ranked, elbow)
    alternatives = tuple(sorted(s.k for s in ranked[1:] if _close(s, best, votes)))
    return best.k, alternatives, votes


def _structure(scored: list[KScore], chosen: int, rows: int) -> Structure:
    """Is the data more clustered than references without clusters? The gap says how much.

    The k that counts is the one whose gap stands furthest above the references' noise; the
    verdict is "none" when no k's gap reaches STRUCTURE_NONE and GAP_NOISE times that noise.
    """
    pool = [s for s in scored if s.eligible and s.gap is not None] or [
        s for s in scored if s.gap is not None
    ]
    top = max(pool, key=lambda s: ((s.gap or 0.0) - GAP_NOISE * (s.gap_sd or 0.0), -s.k))
    at = next(s for s in scored if s.k == chosen)
    gap, sd = top.gap or 0.0, top.gap_sd or 0.0
    stable = at.stability is None or at.stability >= STRUCTURE_STABLE
    if gap < max(STRUCTURE_NONE, GAP_NOISE * sd):
        verdict = "none"
        limit = (
            f"under {STRUCTURE_NONE:g}"
            if gap < STRUCTURE_NONE
            else f"within the references' own noise, {GAP_NOISE:g} x {sd:.3f}"
        )
        reason = (
            "No distinct segments: the within-segment spread shrinks with k no more than on "
            f"reference data without clusters (gap {gap:.3f} at k={top.k}, {limit}); any k "
            "splits one continuous cloud."
        )
    elif gap >= STRUCTURE_CLEAR and stable:
        verdict = "clear"
        reason = (
            "The customers fall into distinct segments: the within-segment spread shrinks "
            f"{np.exp(gap):.1f} times more than on reference data without clusters "
            f"(gap {gap:.3f} at k={top.k})."
        )
    elif not stable and at.stability is not None:
        verdict = "weak"
        reason = (
            "The segments are weak: the data clusters better than reference data without "
            f"clusters (gap {gap:.3f} at k={top.k}), but fits on resamples agree only "
            f"{at.stability:.2f} at k={chosen}; treat the boundaries as soft."
        )
    else:
        verdict = "weak"
        reason = (
            "The segments are weak: the data clusters better than reference data without "
            f"clusters, but not by much (gap {gap:.3f} at k={top.k}, under "
            f"{STRUCTURE_CLEAR:g}); treat the boundaries as soft."
        )
    return Structure(
        verdict=verdict,
        reason=reason,
        gap=round(gap, 4),
        gap_k=top.k,
        gap_sd=round(sd, 4),
        gaussian_gap=round(top.gap_gaussian or 0.0, 4),
        uniform_gap=round(top.gap_uniform or 0.0, 4),
        stability=at.stability,
        references=_reference_count(rows),
        reference_rows=rows,
    )


def _rationale(
    scored: list[KScore],
    chosen: int,
    alternatives: tuple[int, ...],
    votes: dict[str, int],
    min_share: float,
    structure: Structure,
    edge: tuple[int, bool, bool],
) -> str:
    best = next(s for s in scored if s.k == chosen)
    voting = {c: v for c, v in votes.items() if c != "elbow"}
    agree = [LABELS[c] for c, v in voting.items() if v == chosen]
    text = [
        f"k={chosen} has the best consensus score ({best.score:.2f}): the weighted mean of "
        "silhouette, Davies-Bouldin, the gap statistic, resample stability and (at half "
        "weight) Calinski-Harabasz, each scaled so the best k in this sweep scores 1 and the "
        "worst 0; it ranks the k of this table and is not a grade of the segments.",
        structure.reason,
    ]
    if agree:
        text.append(f"It is favoured by {_join(agree)}.")
    stability = f", stability {best.stability:.2f}" if best.stability is not None else ""
    text.append(
        f"At k={chosen}: silhouette {best.silhouette:.3f}{stability}, "
        f"smallest segment {percent(best.min_share)} of customers."
    )
    text += _rejected(scored, best, voting)
    if "elbow" in votes and votes["elbow"] != chosen:
        text.append(
            f"The inertia elbow is at k={votes['elbow']}; it is shown for illustration and "
            "does not vote (it tends to land below the true k)."
        )
    excluded = [s.k for s in scored if not s.eligible]
    if excluded:
        text.append(
            f"k={_join([str(k) for k in excluded])} left out: a segment would hold "
            f"under {percent(min_share)} of customers."
        )
    text += _edge(scored, chosen, *edge)
    if alternatives:
        options = _join([str(k) for k in sorted({chosen, *alternatives})], "and")
        text.append(
            f"k is ambiguous between {options}: each is preferred by some criterion, "
            f"reproducible on resamples (agreement at least {STABLE:g}) and within "
            f"{SILHOUETTE_NOISE:g} of the best silhouette, about its sampling noise; consider "
            "--k to compare."
        )
    return " ".join(text)


def _rejected(scored: list[KScore], best: KScore, voting: dict[str, int]) -> list[str]:
    """Why each k some criterion preferred lost."""
    lines = []
    by_k = {s.k: s for s in scored}
    for rival_k in sorted({v for v in voting.values() if v != best.k}):
        rival = by_k[rival_k]
        fans = _join([LABELS[c] for c, v in voting.items() if v == rival_k])
        why = []
        if rival.silhouette < best.silhouette - SILHOUETTE_NOISE:
            why.append(f"lower silhouette ({rival.silhouette:.3f})")
        if rival.stability is not None and rival.stability < STABLE:
            why.append(f"resamples agree only {rival.stability:.2f}")
        if (rival.gap or 0.0) < (best.gap or 0.0) - GAP_NOISE * (best.gap_sd or 0.0):
            why.append(f"a smaller gap ({rival.gap:.3f} vs {best.gap:.3f})")
        if not why:
            why.append("the other criteria, taken together, rank it lower")
        lines.append(
            f"k={rival_k} (favoured by {fans}) scores {rival.score or 0.0:.2f}: {_join(why)}."
        )
    return lines


def _edge(scored: list[KScore], chosen: int, k_max: int, given: bool, extended: bool) -> list[str]:
    top = max(s.k for s in scored)
    if extended:
        return [
            f"The best k was at the top of the range (k={k_max}) with the criteria still "
            f"improving, so the sweep was extended to k={top}."
        ]
    if chosen == top and given and _still_improving(scored, top):
        return [
            f"k={chosen} is the top of the range you set and the criteria were still "
            "improving there: a larger k may fit better; raise k_max to check."
        ]
    return []


def _join(items: list[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]
