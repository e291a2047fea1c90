"""Exact (exhaustive) retrieval metrics and linear alignment baselines, numpy only.

* :func:`precision_at_k` -- cross-language retrieval: query i's true counterpart is candidate i.
* :func:`nearest_neighbours` -- the k nearest products of a universe (paper 4.2: Euclidean).
* :func:`procrustes_fit`, :func:`least_squares_fit` -- linear maps a -> b, the baselines the
  multimodal autoencoder (paper 5) should be compared with; :func:`random_baseline`.

All searches are brute force over the whole candidate set, in float64, chunked over queries so
that the distance block held in memory stays under ``max_bytes`` (default 128 MiB) whatever N is.
Squared Euclidean distances are ranked through ``|q|^2 - 2 q.c + |c|^2``; the distances that
:func:`nearest_neighbours` returns are recomputed directly as ``|q - c|`` for the k hits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Literal, Sequence

import numpy as np

__all__ = [
    "precision_at_k",
    "random_baseline",
    "nearest_neighbours",
    "LinearMap",
    "procrustes_fit",
    "least_squares_fit",
]

Metric = Literal["euclidean", "cosine"]
_DEFAULT_MAX_BYTES = 128 * 2**20


def as_matrix(x, name: str, dtype=np.float64) -> np.ndarray:
    a = np.asarray(x, dtype=dtype)
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-d, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains non-finite values")
    return a


def _unit_rows(a: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(a, axis=1, keepdims=True)
    return a / np.where(norm > 0, norm, 1.0)  # zero rows stay zero (cosine 0 to everything)


def _prepare(q: np.ndarray, c: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    if metric == "cosine":
        return _unit_rows(q), _unit_rows(c)
    if metric != "euclidean":
        raise ValueError(f"metric must be 'euclidean' or 'cosine', got {metric!r}")
    return q, c


def _chunks(n_rows: int, n_cols: int, chunk_size: int | None, max_bytes: int) -> Iterator[slice]:
    if chunk_size is None:
        # the float64 distance block plus about two boolean/temporary blocks of the same shape
        chunk_size = max(1, int(max_bytes // (max(n_cols, 1) * 8 * 3)))
    for start in range(0, n_rows, chunk_size):
        yield slice(start, min(start + chunk_size, n_rows))


def _scores(q: np.ndarray, c: np.ndarray, c_sq: np.ndarray | None, metric: str) -> np.ndarray:
    """Smaller = closer: squared Euclidean distance, or 1 - cosine similarity."""
    dots = q @ c.T
    if metric == "cosine":
        return 1.0 - dots
    d2 = (q * q).sum(1)[:, None] - 2.0 * dots + c_sq[None, :]
    np.maximum(d2, 0.0, out=d2)
    return d2


def precision_at_k(
    queries,
    candidates,
    ks: Sequence[int] = (1, 10),
    metric: Metric = "euclidean",
    chunk_size: int | None = None,
    max_bytes: int = _DEFAULT_MAX_BYTES,
) -> dict:
    """Exact retrieval precision when row i of ``candidates`` is query i's true counterpart.

    ``p@k`` = fraction of queries whose counterpart is among their k closest candidates (all N
    candidates are searched; with a single relevant item this is also called hit-rate or
    recall@k).  The rank of the counterpart counts every candidate strictly closer *and* every
    other candidate at exactly the same distance (ties count against the query), so a
    collapsed embedding (all rows equal) scores 0, not 1.  Also returns ``mrr`` (mean
    reciprocal rank), ``median_rank`` and ``mean_rank`` (1 = first), ``n`` and ``metric``.
    """
    q = as_matrix(queries, "queries")
    c = as_matrix(candidates, "candidates")
    if q.shape != c.shape:
        raise ValueError(f"queries and candidates must have the same shape: {q.shape} vs {c.shape}")
    n = q.shape[0]
    if n == 0:
        raise ValueError("no queries")
    ks = tuple(int(k) for k in ks)
    if any(k < 1 for k in ks):
        raise ValueError("every k must be >= 1")
    q, c = _prepare(q, c, metric)
    c_sq = (c * c).sum(1) if metric == "euclidean" else None
    ranks = np.empty(n, dtype=np.int64)  # 0-based
    for sl in _chunks(n, n, chunk_size, max_bytes):
        d = _scores(q[sl], c, c_sq, metric)
        rows = np.arange(d.shape[0])
        true = d[rows, rows + sl.start][:, None]
        ranks[sl] = (d < true).sum(1) + (d == true).sum(1) - 1
    out: dict = {f"p@{k}": float((ranks < k).mean()) for k in ks}
    out.update(
        n=n,
        metric=metric,
        mrr=float((1.0 / (ranks + 1)).mean()),
        median_rank=float(np.median(ranks + 1)),
        mean_rank=float((ranks + 1).mean()),
    )
    return out


def random_baseline(n: int, ks: Sequence[int] = (1, 10)) -> dict:
    """Expected ``p@k`` of a random ranking of n candidates: min(k, n) / n (same keys as
    :func:`precision_at_k`)."""
    if n < 1:
        raise ValueError("n must be >= 1")
    return {f"p@{int(k)}": min(int(k), n) / n for k in ks}


def nearest_neighbours(
    query,
    universe,
    k: int = 9,
    exclude_self: bool = False,
    query_index=None,
    metric: Metric = "euclidean",
    chunk_size: int | None = None,
    max_bytes: int = _DEFAULT_MAX_BYTES,
    dtype=np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours of each query row among the ``universe`` rows.

    Returns ``(indices (q, k) int64, distances (q, k) float64)``, closest first; ties are
    broken by the smaller universe index.  Distances are Euclidean (or 1 - cosine).

    ``exclude_self``: the query rows are themselves universe rows and must not be returned as
    their own neighbour.  Their universe positions are ``query_index`` (q,), or, when it is
    None, ``range(q)`` (the usual call ``nearest_neighbours(U, U, exclude_self=True)``).
    Exclusion is by position, not by distance 0: a duplicate product elsewhere in the universe
    is still a legitimate neighbour. ``dtype=np.float32`` halves the memory and time of a large
    search (the neighbours table); ranks can then differ where two distances agree to ~1e-7.
    """
    qx = as_matrix(query, "query", dtype)
    ux = as_matrix(universe, "universe", dtype)
    if qx.shape[1] != ux.shape[1]:
        raise ValueError(f"dimension mismatch: query {qx.shape[1]}, universe {ux.shape[1]}")
    nq, nu = qx.shape[0], ux.shape[0]
    self_idx = None
    if exclude_self:
        if query_index is None:
            if nq > nu:
                raise ValueError("exclude_self without query_index needs query rows <= universe rows")
            self_idx = np.arange(nq)
        else:
            self_idx = np.asarray(query_index, dtype=np.int64).reshape(-1)
            if self_idx.shape[0] != nq or (nq and (self_idx.min() < 0 or self_idx.max() >= nu)):
                raise ValueError("query_index must give one valid universe row per query row")
    avail = nu - (1 if exclude_self else 0)
    if not 1 <= k <= avail:
        raise ValueError(f"k must be in [1, {avail}], got {k}")
    qp, up = _prepare(qx, ux, metric)
    u_sq = (up * up).sum(1) if metric == "euclidean" else None
    idx_out = np.empty((nq, k), dtype=np.int64)
    for sl in _chunks(nq, nu, chunk_size, max_bytes):
        d = _scores(qp[sl], up, u_sq, metric)
        if self_idx is not None:
            d[np.arange(d.shape[0]), self_idx[sl]] = np.inf
        if k < nu:
            part = np.argpartition(d, k - 1, axis=1)[:, :k]
        else:
            part = np.broadcast_to(np.arange(nu), d.shape).copy()
        vals = np.take_along_axis(d, part, 1)
        order = np.lexsort((part, vals), axis=1)  # by score, then by universe index
        idx_out[sl] = np.take_along_axis(part, order, 1)
        kth = vals.max(1)
        n_le = (d <= kth[:, None]).sum(1)
        for r in np.flatnonzero(n_le > k):  # a tie at the k-th place: argpartition chose
            cand = np.flatnonzero(d[r] <= kth[r])  # arbitrarily; take the smallest indices
            idx_out[sl.start + r] = cand[np.lexsort((cand, d[r, cand]))][:k]
    if metric == "cosine":
        dist = 1.0 - np.einsum("qkd,qd->qk", up[idx_out], qp)
    else:
        dist = np.linalg.norm(ux[idx_out] - qx[:, None, :], axis=2)
    return idx_out, dist


@dataclass(frozen=True)
class LinearMap:
    """``x -> (x - mean_a) @ W + mean_b``; fitted by :func:`procrustes_fit` or
    :func:`least_squares_fit`."""

    W: np.ndarray
    mean_a: np.ndarray
    mean_b: np.ndarray
    kind: str

    def __call__(self, x) -> np.ndarray:
        return (np.asarray(x, dtype=np.float64) - self.mean_a) @ self.W + self.mean_b


def _centred_pair(a, b) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    a = as_matrix(a, "a")
    b = as_matrix(b, "b")
    if a.shape[0] != b.shape[0] or a.shape[0] < 2:
        raise ValueError(f"need >= 2 paired rows, got {a.shape[0]} and {b.shape[0]}")
    ma, mb = a.mean(0), b.mean(0)
    return a - ma, b - mb, ma, mb


def procrustes_fit(a, b, centre: bool = True) -> LinearMap:
    """Orthogonal Procrustes after centring: ``W = argmin ||A_c W - B_c||_F`` subject to
    ``W^T W = I`` (semi-orthogonal if the dimensions differ): ``W = U V^T`` with
    ``A_c^T B_c = U S V^T``. ``centre=False``: a pure rotation (or reflection) of the raw
    vectors, which keeps every norm, dot product and cosine."""
    ac, bc, ma, mb = _centred_pair(a, b)
    if not centre:
        ac, bc, ma, mb = ac + ma, bc + mb, np.zeros_like(ma), np.zeros_like(mb)
    u, _, vt = np.linalg.svd(ac.T @ bc, full_matrices=False)
    return LinearMap(u @ vt, ma, mb, "procrustes")


def least_squares_fit(a, b, ridge: float = 1e-3) -> LinearMap:
    """Ridge regression after centring: ``W = argmin (1/N) ||A_c W - B_c||^2 + ridge ||W||^2``
    = ``(A_c^T A_c + N ridge I)^-1 A_c^T B_c``."""
    ac, bc, ma, mb = _centred_pair(a, b)
    n, d = ac.shape
    gram = ac.T @ ac + n * float(ridge) * np.eye(d)
    w = np.linalg.solve(gram, ac.T @ bc)
    return LinearMap(w, ma, mb, "least_squares")
