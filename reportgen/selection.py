"""Stage 4, select k: several criteria on one K-Means sweep, a consensus, and the reasons.

No single criterion is reliable (Calinski-Harabasz can keep rising, the elbow drifts,
silhouette merges neighbours), so each k gets a consensus score from silhouette,
Calinski-Harabasz, Davies-Bouldin, the inertia elbow and bootstrap stability, among the k
whose smallest segment is big enough to act on.  The sweep runs on a seeded sample, and
silhouette on a smaller one, so cost does not grow with the table.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from reportgen.errors import InputError
from reportgen.formatting import percent

MIN_ROWS = 10  # fewer customers than this cannot be segmented meaningfully
STABILITY_ROWS = 3_000  # resample fits use at most this many rows
STABILITY_FRACTION = 0.8
AMBIGUITY_MARGIN = 0.05  # consensus scores closer than this count as a tie
DISAGREEMENT_MARGIN = 0.25  # a k some criterion prefers, scoring this close, is a real rival
CRITERIA = ("silhouette", "calinski_harabasz", "davies_bouldin", "elbow", "stability")
LABELS = {
    "silhouette": "silhouette",
    "calinski_harabasz": "Calinski-Harabasz",
    "davies_bouldin": "Davies-Bouldin",
    "elbow": "the inertia elbow",
    "stability": "stability",
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

    def candidate(self, k: int) -> KScore:
        return next(c for c in self.candidates if c.k == k)


def select_k(
    X: np.ndarray,
    *,
    k: int | None = None,
    k_min: int = 2,
    k_max: int = 10,
    seed: int = 0,
    min_share: float = 0.02,
    sample_size: int = 20_000,
    silhouette_sample: int = 3_000,
    n_init: int = 10,
    stability_resamples: int = 5,
    source: str = "input",
    progress: Progress | None = None,
) -> KSelection:
    """Sweep k on a sample and choose it by consensus (or take the fixed ``k``)."""
    n = len(X)
    distinct = _distinct_rows(X)
    _check_size(n, distinct, k, source)
    ks = [k] if k is not None else list(range(k_min, min(k_max, distinct - 1, n // 5) + 1))
    if not ks:
        ks = [min(k_min, distinct)]
    rng = np.random.default_rng(seed)
    sample = _sample(X, sample_size, rng)
    sil_idx = np.sort(rng.choice(len(sample), min(silhouette_sample, len(sample)), replace=False))
    stab_idx = np.sort(rng.choice(len(sample), min(STABILITY_ROWS, len(sample)), replace=False))
    scores, centroids = [], {}
    # Many small fits: one OpenMP thread each, and the k run side by side on the cores
    # (scikit-learn's Lloyd loop releases the GIL). Two threads spinning per fit were up to
    # 30x slower when another process held a core. Each k has its own seed, so the result
    # does not depend on the order the threads finish in.
    workers = max(1, min(len(ks), os.cpu_count() or 1))
    from threadpoolctl import threadpool_limits  # scikit-learn and SciPy load on first use

    with threadpool_limits(limits=1, user_api="openmp"), ThreadPoolExecutor(workers) as pool:
        jobs = [
            pool.submit(
                _score_k,
                sample,
                kk,
                seed,
                n_init,
                min_share,
                sil_idx,
                stab_idx,
                stability_resamples,
            )
            for kk in ks
        ]
        for i, (kk, job) in enumerate(zip(ks, jobs, strict=True)):
            score, centers = job.result()
            scores.append(score)
            centroids[kk] = centers
            if progress:
                progress(i + 1, len(ks))
    total_ss = float(((sample - sample.mean(axis=0)) ** 2).sum())
    elbow = _kneedle([1, *ks], [total_ss, *(s.inertia for s in scores)]) if k is None else None
    scored = _consensus(scores, elbow)
    if k is not None:
        return KSelection(
            k,
            "fixed",
            f"k={k} was set by the user (--k); no choice was made.",
            False,
            (),
            tuple(scored),
            {},
            None,
            len(sample),
            len(sil_idx),
            n,
            centroids[k],
        )
    chosen, ambiguous, alternatives, votes = _choose(scored, elbow)
    rationale = _rationale(scored, chosen, ambiguous, alternatives, votes, min_share)
    return KSelection(
        chosen,
        "consensus",
        rationale,
        ambiguous,
        alternatives,
        tuple(scored),
        votes,
        elbow,
        len(sample),
        len(sil_idx),
        n,
        centroids[chosen],
    )


def _distinct_rows(X: np.ndarray) -> int:
    return len(np.unique(X[:200_000], axis=0)) if len(X) <= 200_000 else 200_000


def _check_size(n: int, distinct: int, k: int | None, source: str) -> None:
    if n < MIN_ROWS:
        raise InputError(f"{source}: only {n} rows; segmenting needs at least {MIN_ROWS} customers")
    if distinct < 2:
        raise InputError(
            f"{source}: all {n} rows are identical in the clustering columns; "
            "there is nothing to segment"
        )
    if k is not None and k > distinct:
        raise InputError(
            f"{source}: --k {k} asks for more segments than the {distinct} "
            "distinct customers; choose a smaller k"
        )


def _sample(X: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    if len(X) <= size:
        return X
    return X[np.sort(rng.choice(len(X), size, replace=False))]


def _score_k(
    sample: np.ndarray,
    k: int,
    seed: int,
    n_init: int,
    min_share: float,
    sil_idx: np.ndarray,
    stab_idx: np.ndarray,
    resamples: int,
) -> tuple[KScore, np.ndarray]:
    from sklearn.cluster import KMeans
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

    model = KMeans(n_clusters=k, init="k-means++", n_init=n_init, random_state=seed).fit(sample)
    labels = model.labels_
    smallest = float(np.bincount(labels, minlength=k).min() / len(labels))
    sil_labels = labels[sil_idx]
    several = len(np.unique(sil_labels)) > 1
    score = KScore(
        k=k,
        inertia=float(model.inertia_),
        silhouette=float(silhouette_score(sample[sil_idx], sil_labels)) if several else 0.0,
        calinski_harabasz=float(calinski_harabasz_score(sample, labels)),
        davies_bouldin=float(davies_bouldin_score(sample, labels)),
        stability=_stability(sample, labels, k, seed, stab_idx, resamples),
        min_share=smallest,
        eligible=smallest >= min_share,
        score=None,
    )
    return score, model.cluster_centers_


def _stability(
    sample: np.ndarray, labels: np.ndarray, k: int, seed: int, base: np.ndarray, resamples: int
) -> float | None:
    """Mean agreement (adjusted Rand) between fits on resamples and the full fit."""
    if resamples == 0:
        return None
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(seed + 7919 * k)
    points = sample[base]
    agreement = []
    for b in range(resamples):
        idx = rng.choice(len(points), int(STABILITY_FRACTION * len(points)), replace=False)
        fit = KMeans(n_clusters=k, init="k-means++", n_init=3, random_state=seed + b + 1)
        fit.fit(points[idx])
        agreement.append(adjusted_rand_score(labels[base], fit.predict(points)))
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


def _consensus(scores: list[KScore], elbow: int | None) -> list[KScore]:
    """Mean of the criteria, each scaled to [0, 1] over the eligible k."""
    pool = [s for s in scores if s.eligible] or scores
    if len(pool) == 1:
        return [KScore(**{**s.__dict__, "score": 1.0 if s in pool else None}) for s in scores]
    parts = [
        _normalized([s.silhouette for s in pool], True),
        _normalized([s.calinski_harabasz for s in pool], True),
        _normalized([s.davies_bouldin for s in pool], False),
    ]
    if pool[0].stability is not None:
        parts.append([s.stability or 0.0 for s in pool])
    if elbow is not None:
        span = max(s.k for s in pool) - min(s.k for s in pool) or 1
        parts.append([max(0.0, 1 - abs(s.k - elbow) / span) for s in pool])
    mean = np.mean(np.array(parts), axis=0)
    by_k = {s.k: float(m) for s, m in zip(pool, mean, strict=True)}
    return [KScore(**{**s.__dict__, "score": by_k.get(s.k)}) for s in scores]


def _choose(
    scored: list[KScore], elbow: int | None
) -> tuple[int, bool, tuple[int, ...], dict[str, int]]:
    pool = [s for s in scored if s.score is not None]
    ranked = sorted(pool, key=lambda s: (-(s.score or 0.0), -s.silhouette, s.k))
    chosen = ranked[0].k
    votes = {
        "silhouette": max(pool, key=lambda s: (s.silhouette, -s.k)).k,
        "calinski_harabasz": max(pool, key=lambda s: (s.calinski_harabasz, -s.k)).k,
        "davies_bouldin": min(pool, key=lambda s: (s.davies_bouldin, s.k)).k,
    }
    if elbow is not None:
        votes["elbow"] = elbow
    best = ranked[0].score or 0.0
    close = {s.k for s in ranked[1:] if (s.score or 0.0) >= best - AMBIGUITY_MARGIN}
    contested = {
        s.k
        for s in ranked[1:]
        if s.k in votes.values() and (s.score or 0.0) >= best - DISAGREEMENT_MARGIN
    }
    alternatives = tuple(sorted(close | contested))
    ambiguous = bool(alternatives)
    return chosen, ambiguous, alternatives, votes


def _rationale(
    scored: list[KScore],
    chosen: int,
    ambiguous: bool,
    alternatives: tuple[int, ...],
    votes: dict[str, int],
    min_share: float,
) -> str:
    best = next(s for s in scored if s.k == chosen)
    agree = [LABELS[c] for c, v in votes.items() if v == chosen]
    disagree = {c: v for c, v in votes.items() if v != chosen}
    text = [
        f"k={chosen} has the best consensus score ({best.score:.2f}) across silhouette, "
        "Calinski-Harabasz, Davies-Bouldin, the inertia elbow and resample stability."
    ]
    if agree:
        text.append(f"It is favoured by {_join(agree)}.")
    if disagree:
        text.append(
            "Other views: "
            + "; ".join(f"{LABELS[c]} favours k={v}" for c, v in disagree.items())
            + "."
        )
    stability = f", stability {best.stability:.2f}" if best.stability is not None else ""
    text.append(
        f"At k={chosen}: silhouette {best.silhouette:.3f}{stability}, "
        f"smallest segment {percent(best.min_share)} of customers."
    )
    excluded = [s.k for s in scored if not s.eligible]
    if excluded:
        text.append(
            f"k={_join([str(k) for k in excluded])} left out: a segment would hold "
            f"under {percent(min_share)} of customers."
        )
    if ambiguous and alternatives:
        options = _join([str(k) for k in sorted({chosen, *alternatives})], "and")
        text.append(f"k is ambiguous between {options}; consider --k to compare.")
    return " ".join(text)


def _join(items: list[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]
