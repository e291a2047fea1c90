"""Unit tests of mrnet.retrieval against brute-force numpy computations."""

from __future__ import annotations

import numpy as np
import pytest

from mrnet.retrieval import (
    least_squares_fit,
    nearest_neighbours,
    precision_at_k,
    procrustes_fit,
    random_baseline,
)


def _brute_distances(q, c, metric):
    q = q.astype(np.float64)
    c = c.astype(np.float64)
    if metric == "cosine":
        qn = q / np.linalg.norm(q, axis=1, keepdims=True)
        cn = c / np.linalg.norm(c, axis=1, keepdims=True)
        return 1.0 - qn @ cn.T
    return np.sqrt(((q[:, None, :] - c[None, :, :]) ** 2).sum(2))


def _brute_precision(q, c, ks, metric):
    d = _brute_distances(q, c, metric)
    n = len(q)
    rank = np.array([int(np.flatnonzero(np.argsort(d[i], kind="stable") == i)[0]) for i in range(n)])
    return {f"p@{k}": float((rank < k).mean()) for k in ks}, rank


def _noisy_pairs(n=300, d=12, noise=1.0, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, d)).astype(np.float32)
    b = (a + noise * rng.normal(size=(n, d))).astype(np.float32)
    return a, b


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("chunk_size", [None, 1, 7, 1000])
def test_precision_at_k_equals_brute_force(metric, chunk_size):
    q, c = _noisy_pairs()
    ks = (1, 5, 10, 300, 1000)
    got = precision_at_k(q, c, ks=ks, metric=metric, chunk_size=chunk_size)
    want, rank = _brute_precision(q, c, ks, metric)
    for k in ks:
        assert got[f"p@{k}"] == pytest.approx(want[f"p@{k}"], abs=1e-12)
    assert 0 < got["p@1"] < 1  # the test data are neither trivial nor hopeless
    assert got["p@300"] == 1.0 and got["p@1000"] == 1.0
    assert got["mrr"] == pytest.approx(float((1.0 / (rank + 1)).mean()))
    assert got["median_rank"] == pytest.approx(float(np.median(rank + 1)))
    assert got["n"] == 300 and got["metric"] == metric


def test_precision_at_k_memory_bound_chunks_agree():
    q, c = _noisy_pairs(n=2000, d=8, noise=0.5, seed=1)
    small = precision_at_k(q, c, ks=(1, 10), max_bytes=100_000)  # 4 queries per chunk
    large = precision_at_k(q, c, ks=(1, 10))
    assert small == large


def test_precision_ties_count_against_the_query():
    c = np.ones((50, 4))
    assert precision_at_k(c, c, ks=(1, 49, 50))["p@1"] == 0.0  # collapsed embedding scores 0
    assert precision_at_k(c, c, ks=(50,))["p@50"] == 1.0
    q = np.eye(4)
    assert precision_at_k(q, q, ks=(1,))["p@1"] == 1.0
    assert precision_at_k(q, q, ks=(1,), metric="cosine")["p@1"] == 1.0


def test_precision_input_checks():
    with pytest.raises(ValueError):
        precision_at_k(np.zeros((5, 3)), np.zeros((4, 3)))
    with pytest.raises(ValueError):
        precision_at_k(np.zeros((5, 3)), np.zeros((5, 3)), ks=(0,))
    with pytest.raises(ValueError):
        precision_at_k(np.zeros((5, 3)), np.zeros((5, 3)), metric="manhattan")
    nan = np.zeros((5, 3))
    nan[1, 1] = np.nan
    with pytest.raises(ValueError):
        precision_at_k(nan, np.zeros((5, 3)))


def test_random_baseline():
    assert random_baseline(100, ks=(1, 10)) == {"p@1": 0.01, "p@10": 0.1}
    assert random_baseline(5, ks=(10,)) == {"p@10": 1.0}
    # it is the expected precision of a random embedding
    rng = np.random.default_rng(0)
    p = np.mean([precision_at_k(rng.normal(size=(200, 4)), rng.normal(size=(200, 4)), ks=(10,))["p@10"]
                 for _ in range(20)])
    assert p == pytest.approx(0.05, abs=0.02)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("chunk_size", [None, 3])
def test_nearest_neighbours_equals_brute_force(metric, chunk_size):
    rng = np.random.default_rng(2)
    universe = rng.normal(size=(120, 6))
    query = rng.normal(size=(17, 6))
    idx, dist = nearest_neighbours(query, universe, k=9, metric=metric, chunk_size=chunk_size)
    d = _brute_distances(query, universe, metric)
    want = np.argsort(d, axis=1, kind="stable")[:, :9]
    np.testing.assert_array_equal(idx, want)
    np.testing.assert_allclose(dist, np.take_along_axis(d, want, 1), rtol=1e-10, atol=1e-12)
    assert (np.diff(dist, axis=1) >= 0).all()


def test_nearest_neighbours_exclude_self():
    rng = np.random.default_rng(3)
    universe = rng.normal(size=(60, 5))
    idx, dist = nearest_neighbours(universe, universe, k=9, exclude_self=True, chunk_size=8)
    d = _brute_distances(universe, universe, "euclidean")
    np.fill_diagonal(d, np.inf)
    np.testing.assert_array_equal(idx, np.argsort(d, axis=1, kind="stable")[:, :9])
    assert not (idx == np.arange(60)[:, None]).any()
    # without exclusion the product itself comes first at distance 0
    idx0, dist0 = nearest_neighbours(universe, universe, k=3)
    np.testing.assert_array_equal(idx0[:, 0], np.arange(60))
    np.testing.assert_allclose(dist0[:, 0], 0.0, atol=1e-12)
    # a subset of the universe as queries, located by query_index
    pick = np.array([5, 40, 7])
    idx_s, _ = nearest_neighbours(universe[pick], universe, k=9, exclude_self=True, query_index=pick)
    np.testing.assert_array_equal(idx_s, idx[pick])
    # k may use the whole rest of the universe
    idx_all, _ = nearest_neighbours(universe, universe, k=59, exclude_self=True)
    assert sorted(idx_all[0]) == list(range(1, 60))
    with pytest.raises(ValueError):
        nearest_neighbours(universe, universe, k=60, exclude_self=True)


def test_nearest_neighbours_duplicates_are_neighbours_and_ties_by_index():
    base = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0], [5.0, 5.0]])
    universe = np.vstack([base, base[:1]])  # row 6 duplicates row 0
    idx, dist = nearest_neighbours(universe, universe, k=3, exclude_self=True)
    assert list(idx[0]) == [6, 1, 2]  # the duplicate at distance 0, then ties by index
    np.testing.assert_allclose(dist[0], [0.0, 1.0, 1.0])
    assert list(idx[6]) == [0, 1, 2]


def test_procrustes_recovers_a_rotation_and_beats_chance():
    rng = np.random.default_rng(4)
    d = 10
    rotation, _ = np.linalg.qr(rng.normal(size=(d, d)))
    a = rng.normal(size=(400, d)) + 2.0
    b = a @ rotation - 3.0
    fit = procrustes_fit(a, b)
    np.testing.assert_allclose(fit.W, rotation, atol=1e-8)
    np.testing.assert_allclose(fit.W.T @ fit.W, np.eye(d), atol=1e-10)
    np.testing.assert_allclose(fit(a), b, atol=1e-8)
    assert precision_at_k(fit(a), b)["p@1"] == 1.0
    # different dimensions: a semi-orthogonal map
    fit2 = procrustes_fit(a, b[:, :6])
    assert fit2.W.shape == (d, 6)
    np.testing.assert_allclose(fit2.W.T @ fit2.W, np.eye(6), atol=1e-10)


def test_least_squares_recovers_a_linear_map():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(500, 8))
    w = rng.normal(size=(8, 5))
    b = a @ w + 1.5
    fit = least_squares_fit(a, b, ridge=1e-8)
    np.testing.assert_allclose(fit.W, w, atol=1e-5)
    np.testing.assert_allclose(fit(a), b, atol=1e-4)
    # heavier ridge shrinks the map
    assert np.linalg.norm(least_squares_fit(a, b, ridge=10.0).W) < np.linalg.norm(fit.W)
    with pytest.raises(ValueError):
        least_squares_fit(a, b[:10])
