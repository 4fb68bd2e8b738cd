"""Choosing k: the consensus finds the true k on tables with known segments, and explains it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.preprocessing import StandardScaler

from reportgen.errors import InputError
from reportgen.options import Clustering
from reportgen.profiling.profile import profile
from reportgen.segmenting.clustering import fit
from reportgen.segmenting.features import build
from reportgen.segmenting.selection import _kneedle, select_k
from tests.conftest import blobs
from tests.known_structure import Table, separated, unequal_variance


def _table(table: Table) -> tuple[pd.DataFrame, np.ndarray, int]:
    return table.frame, table.truth, table.true_k


CASES = [(3, 0), (4, 1), (5, 2), (6, 0), (7, 1), (8, 2)]


@pytest.mark.parametrize(("k", "seed"), CASES)
def test_true_k_is_chosen_and_segments_match_the_truth(k: int, seed: int) -> None:
    frame, truth = blobs(k, seed=seed)
    fm = build(frame, profile(frame))
    assert all(s.transform == "log1p" for s in fm.specs)  # the skew was recognised
    selection = select_k(fm.X, Clustering(seed=0))
    assert selection.k == k, selection.rationale
    segmentation = fit(fm.X, selection.k, Clustering(seed=0))
    assert adjusted_rand_score(truth, segmentation.labels) >= 0.9


def test_mall_income_and_spending_gives_five_segments() -> None:
    import pandas as pd

    from tests.conftest import MALL

    frame = pd.read_csv(MALL)
    columns = ["Annual Income (k$)", "Spending Score (1-100)"]
    fm = build(frame, profile(frame), features=columns)
    selection = select_k(fm.X, Clustering(seed=0))
    assert selection.k == 5
    # Independent reference: scikit-learn on standardized features, as in the literature.
    X = StandardScaler().fit_transform(frame[columns].to_numpy(float))
    reference = KMeans(5, n_init=10, random_state=0).fit_predict(X)
    assert silhouette_score(X, reference) == pytest.approx(0.5547, abs=0.002)
    assert selection.candidate(5).silhouette >= 0.55
    segmentation = fit(fm.X, 5, Clustering(seed=0))
    assert adjusted_rand_score(reference, segmentation.labels) == pytest.approx(1.0)


def test_candidates_hold_every_criterion_and_the_rationale_names_them() -> None:
    frame, _ = blobs(4, seed=3)
    fm = build(frame, profile(frame))
    selection = select_k(fm.X, Clustering(k_min=2, k_max=7, seed=0))
    assert [c.k for c in selection.candidates] == [2, 3, 4, 5, 6, 7]
    for c in selection.candidates:
        assert -1 <= c.silhouette <= 1 and c.calinski_harabasz > 0 and c.davies_bouldin > 0
        assert c.stability is not None and -0.5 <= c.stability <= 1
    chosen = selection.candidate(selection.k)
    assert chosen.stability is not None and chosen.stability > 0.95
    assert f"k={selection.k} has the best consensus score" in selection.rationale
    assert "silhouette" in selection.rationale
    inertia = [c.inertia for c in selection.candidates]
    assert inertia == sorted(inertia, reverse=True)


def test_small_segments_are_not_eligible() -> None:
    rng = np.random.default_rng(0)
    X = np.vstack(
        [
            rng.normal(0, 0.3, (490, 2)),
            rng.normal(8, 0.3, (490, 2)),
            rng.normal([0, 8], 0.3, (15, 2)),  # 1.5%: more than a handful, under 2%
        ]
    )
    selection = select_k(X, Clustering(k_min=2, k_max=4, min_share=0.02, seed=0))
    three = selection.candidate(3)
    assert three.min_share == pytest.approx(15 / 995)
    assert not three.eligible and three.score is None
    assert selection.k == 2 and selection.outliers == 0
    assert "k=3" in selection.rationale and "under 2%" in selection.rationale


def test_a_handful_of_far_away_customers_are_outliers_not_a_veto() -> None:
    # Five customers far from everyone: before, they vetoed every k that gave them a segment.
    rng = np.random.default_rng(0)
    X = np.vstack(
        [
            rng.normal(0, 0.3, (490, 2)),
            rng.normal(8, 0.3, (490, 2)),
            rng.normal([0, 8], 0.3, (5, 2)),
        ]
    )
    selection = select_k(X, Clustering(k_min=2, k_max=4, min_share=0.02, seed=0))
    assert selection.outliers == 5 and selection.k == 2
    assert all(c.eligible for c in selection.candidates)
    assert "5 customers lie far from all the others" in selection.rationale
    assert selection.sample_size == 980


def test_fixed_k_skips_the_choice() -> None:
    frame, _ = blobs(3, seed=0)
    fm = build(frame, profile(frame))
    selection = select_k(fm.X, Clustering(k=5, seed=0))
    assert selection.k == 5 and selection.method == "fixed"
    assert [c.k for c in selection.candidates] == [5]
    assert "--k" in selection.rationale


def test_a_rival_far_behind_on_silhouette_is_explained_not_called_a_tie() -> None:
    # Two tight pairs of blobs: 2 broad groups, each of two. Calinski-Harabasz prefers 4, but
    # its silhouette is far below k=2's (0.61 vs 0.92, against a sampling noise of about
    # 0.01) and the gap is no larger, so it is an alternative that lost, with the reason.
    rng = np.random.default_rng(1)
    centers = [(0, 0), (2.2, 0), (20, 0), (22.2, 0)]
    X = np.vstack([rng.normal(c, 0.5, (300, 2)) for c in centers])
    selection = select_k(X, Clustering(k_min=2, k_max=6, seed=0))
    assert selection.k == 2 and not selection.ambiguous
    assert "k=4 (favoured by Calinski-Harabasz)" in selection.rationale
    assert "lower silhouette" in selection.rationale


def test_ambiguity_is_reported_when_a_rival_ties_on_silhouette() -> None:
    # Four groups of unequal spread: the widest splits in two at almost no cost in silhouette.
    frame, truth, k = _table(unequal_variance(4, seed=7))
    selection = select_k(build(frame, profile(frame)).X, Clustering(seed=0))
    assert selection.ambiguous and k in {selection.k, *selection.alternatives}
    assert "ambiguous between" in selection.rationale
    for rival in selection.alternatives:
        best, other = selection.candidate(selection.k), selection.candidate(rival)
        assert other.silhouette >= best.silhouette - 0.02
        assert other.stability is not None and other.stability >= 0.9


def test_the_elbow_alone_does_not_make_k_ambiguous() -> None:
    frame, _ = blobs(6, seed=0)
    selection = select_k(build(frame, profile(frame)).X, Clustering(seed=0))
    assert selection.k == 6 and selection.votes.get("elbow") != 6
    assert not selection.ambiguous
    assert "shown for illustration and does not vote" in selection.rationale


def test_sweep_runs_on_a_seeded_sample_for_large_inputs() -> None:
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.5, (2000, 3)) for c in (0, 5, 10)])
    a = select_k(X, Clustering(k_min=2, k_max=4, sample_size=1000, silhouette_sample=300, seed=4))
    b = select_k(X, Clustering(k_min=2, k_max=4, sample_size=1000, silhouette_sample=300, seed=4))
    assert a.sample_size == 1000 and a.silhouette_sample == 300 and a.n_rows == 6000
    assert a.k == 3
    assert [c.silhouette for c in a.candidates] == [c.silhouette for c in b.candidates]


def test_kneedle_finds_the_knee_of_a_known_curve() -> None:
    ks = list(range(1, 10))
    inertia = [100, 40, 12, 10, 9, 8, 7.5, 7, 6.8]
    assert _kneedle(ks, inertia) == 3
    assert _kneedle(ks, [10 - 0.5 * k for k in ks]) is None  # a straight line has no knee


@pytest.mark.parametrize(
    ("X", "k", "message"),
    [
        (np.zeros((5, 2)), None, "only 5 rows; segmenting needs at least 10"),
        (np.ones((50, 2)), None, "all 50 rows are identical"),
        (np.repeat(np.eye(3), 10, axis=0), 4, "--k 4 asks for more segments than the 3 distinct"),
    ],
)
def test_too_little_to_segment_is_a_clear_error(X: np.ndarray, k: int | None, message: str) -> None:
    with pytest.raises(InputError, match=message):
        select_k(X, Clustering(k=k, seed=0))


def test_a_k_max_the_user_set_is_not_extended_but_the_edge_is_named() -> None:
    table = separated(12, seed=12)
    X = build(table.frame, profile(table.frame)).X
    given = select_k(X, Clustering(k_max=10, k_max_given=True, seed=0))
    assert given.k == 10 and not given.extended and given.k_range == (2, 10)
    assert "top of the range you set" in given.rationale and "raise k_max" in given.rationale
    free = select_k(X, Clustering(k_max=10, seed=0))
    assert free.k == 12 and free.extended and free.k_range == (2, 15)
    assert "so the sweep was extended to k=15" in free.rationale


def test_outliers_missing_from_the_sweep_sample_are_still_counted() -> None:
    """On a large table the sample may hold none of the far-away customers."""
    from reportgen.segmenting.selection import _set_aside

    rng = np.random.default_rng(5)
    X = rng.normal(size=(30_000, 3))
    X[:4] = 40.0  # four customers far from everyone
    sample = X[1000:21000]  # the sweep sample holds none of them
    outliers, kept = _set_aside(X, sample)
    assert outliers == 4 and len(kept) == len(sample)


def test_silhouette_from_the_kept_distances_is_scikit_learns_to_the_last_bit() -> None:
    """The sweep computes the silhouette rows' distances once for every k; each k's silhouette
    must still be the very float ``silhouette_score`` gives (the report prints them)."""
    from reportgen.segmenting.selection import _new_sweep, _silhouette

    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(c, 1.0, (300, 4)) for c in (0, 3, 6)])
    sweep = _new_sweep(X, rng, 700, 0, 2, 0.02, 0)
    assert sweep.distances is not None
    points = X[sweep.sil_idx]
    labelings = [KMeans(k, n_init=1, random_state=k).fit_predict(points) for k in range(2, 9)]
    odd = rng.integers(0, 4, len(points)) * 3  # label values with gaps
    odd[5] = 20  # a segment of one customer
    for labels in [*labelings, odd, rng.integers(0, 2, len(points))]:
        assert _silhouette(sweep, labels) == float(silhouette_score(points, labels))


def test_each_k_is_fitted_with_one_openmp_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """The k run side by side, one OpenMP thread each: OpenMP's limit is per thread, so it
    must be set in the pool's threads (set where the pool starts, it did not reach them)."""
    from threadpoolctl import threadpool_info

    from reportgen.segmenting import selection

    seen: list[set[int]] = []
    real = selection._score_k

    def spy(sweep: object, k: int) -> object:
        seen.append({i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp"})
        return real(sweep, k)  # type: ignore[arg-type]

    monkeypatch.setattr(selection, "_score_k", spy)
    frame, _ = blobs(3, seed=1)
    select_k(build(frame, profile(frame)).X, Clustering(k_max=5, seed=0))
    assert len(seen) == 4 and all(threads == {1} for threads in seen)


def test_distinct_rows_are_counted_as_numpy_unique_counts_them() -> None:
    from reportgen.segmenting.selection import _distinct_rows

    rng = np.random.default_rng(4)
    tables = [np.array([[0.0, 1.0], [-0.0, 1.0], [0.0, -1.0]]), np.array([[np.nan], [np.nan]])]
    for p, levels in [(1, 2), (3, 3), (5, 1000)]:
        X = rng.integers(-1, levels, size=(5_000, p)).astype(float)
        X[rng.random(X.shape) < 0.3] *= -1  # some zeros become -0.0
        tables += [X, X[:, ::-1], X.astype(np.float32)]
    for X in tables:
        assert _distinct_rows(X) == len(np.unique(X, axis=0))
