"""Final fit: stable numbering, distances, warm start and chunked assignment."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from reportgen.options import Clustering
from reportgen.segmenting import clustering
from reportgen.segmenting.clustering import assign, fit


def _data(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    sizes, centers = (300, 150, 60), ((0, 0), (6, 0), (0, 6))
    return np.vstack([rng.normal(c, 0.6, (s, 2)) for c, s in zip(centers, sizes, strict=True)])


def test_segments_are_numbered_by_size() -> None:
    seg = fit(_data(), 3, Clustering(seed=0))
    assert seg.sizes == (300, 150, 60)
    assert set(np.unique(seg.labels)) == {1, 2, 3}
    np.testing.assert_allclose(seg.centers[0], (0, 0), atol=0.15)
    np.testing.assert_allclose(seg.centers[2], (0, 6), atol=0.2)


def test_numbering_does_not_depend_on_the_seed_or_row_order() -> None:
    X = _data()
    a = fit(X, 3, Clustering(seed=0))
    order = np.random.default_rng(5).permutation(len(X))
    b = fit(X[order], 3, Clustering(seed=42))
    np.testing.assert_array_equal(a.labels[order], b.labels)


def test_distances_are_euclidean_to_the_own_centre() -> None:
    X = _data()
    seg = fit(X, 3, Clustering(seed=0))
    expected = np.linalg.norm(X - seg.centers[seg.labels - 1], axis=1)
    np.testing.assert_allclose(seg.distances, expected, rtol=1e-9)
    assert seg.inertia == pytest.approx((expected**2).sum())


def test_same_partition_as_scikit_learn() -> None:
    X = _data()
    reference = KMeans(3, n_init=10, random_state=0).fit_predict(X)
    assert adjusted_rand_score(reference, fit(X, 3, Clustering(seed=0)).labels) == 1.0


def test_warm_start_from_sample_centres() -> None:
    X = _data()
    sample_centers = KMeans(3, n_init=10, random_state=0).fit(X[::7]).cluster_centers_
    seg = fit(X, 3, Clustering(seed=0), init_centers=sample_centers)
    assert seg.warm_start and seg.n_init == 1
    assert adjusted_rand_score(fit(X, 3, Clustering(seed=0)).labels, seg.labels) == 1.0


def test_chunked_assignment_equals_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    X = _data()
    centers = fit(X, 3, Clustering(seed=0)).centers
    whole = assign(X, centers)
    monkeypatch.setattr(clustering, "CHUNK", 37)
    chunked = assign(X, centers)
    np.testing.assert_array_equal(whole[0], chunked[0])
    np.testing.assert_allclose(whole[1], chunked[1])


def test_segments_from_a_sample_sweep_agree_with_a_full_data_fit() -> None:
    """The large-table path (k swept on a 4,000-row sample, then a warm-started fit) finds
    the segments a full-data K-Means with ten starts finds (issue: ARI >= 0.95)."""
    from reportgen.segmenting.selection import select_k

    rng = np.random.default_rng(3)
    k, n = 5, 40_000
    centers = rng.normal(0, 1.2, size=(k, 6))
    truth = rng.choice(k, size=n, p=np.linspace(1, 2, k) / np.linspace(1, 2, k).sum())
    X = centers[truth] + rng.normal(0, 0.5, size=(n, 6))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    selection = select_k(X, Clustering(sample_size=4_000, silhouette_sample=1_000, seed=0))
    assert selection.sample_size == 4_000 and selection.k == k
    ours = fit(X, selection.k, Clustering(seed=0), init_centers=selection.centroids)
    full = KMeans(selection.k, n_init=10, random_state=1).fit_predict(X)
    assert adjusted_rand_score(full, ours.labels) >= 0.95
