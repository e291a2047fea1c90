"""The paper's "SIOC (unseen population)" split: a test set of products whose titles overlap
every training title by at most ``theta`` (numpy/scipy/sklearn on the driver, no Spark).

* :func:`max_title_overlap` -- each test title's largest token overlap with any training title,
  exactly, in bounded memory.
* :func:`unseen_population_split` -- the split itself; score it with
  :func:`mrnet.evaluation.classifiers.compare_on_split`.
* :func:`overlap_survival` -- how many test products each threshold keeps.
"""
from __future__ import annotations

from typing import Iterable, Literal, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.model_selection import train_test_split

from mrnet.evaluation.inputs import label_counts
from mrnet.text import tokenize_many

__all__ = ["SURVIVAL_THETAS", "max_title_overlap", "unseen_population_split", "overlap_survival"]

Measure = Literal["fraction", "count"]
SURVIVAL_THETAS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
_MAX_BYTES = 128 * 2**20
_BYTES_PER_PRODUCT_ENTRY = 40.0  # scipy's sparse product, per stored entry


def _token_matrix(token_lists, vocab: dict[str, int], grow: bool) -> sp.csr_matrix:
    """Binary CSR ``(len(token_lists), len(vocab))``: 1 where the title has the token (distinct
    tokens only).  ``grow``: add unseen tokens to ``vocab``; otherwise they are left out."""
    indptr, indices = [0], []
    for toks in token_lists:
        cols = set()
        for t in toks:
            j = vocab.get(t)
            if j is None and grow:
                j = vocab[t] = len(vocab)
            if j is not None:
                cols.add(j)
        indices.extend(sorted(cols))
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.int32)
    return sp.csr_matrix((data, np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
                         shape=(len(token_lists), len(vocab)))


def _row_chunks(cost: np.ndarray, budget: float) -> Iterable[slice]:
    """Consecutive row slices whose summed ``cost`` ``(n,)`` stays within ``budget`` (>= 1 row
    each)."""
    start, n = 0, len(cost)
    csum = np.concatenate([[0.0], np.cumsum(cost, dtype=np.float64)])
    while start < n:
        end = int(np.searchsorted(csum, csum[start] + budget, side="right")) - 1
        end = min(max(end, start + 1), n)
        yield slice(start, end)
        start = end


def _best_shared_counts(a_test: sp.csr_matrix, a_train: sp.csr_matrix, max_bytes: int) -> np.ndarray:
    """``(n_test,)`` int64: per test row, the most tokens it shares with any training row, from
    ``A_test @ A_train.T`` computed in row chunks of about ``max_bytes`` each."""
    best = np.zeros(a_test.shape[0], dtype=np.int64)
    if not (a_train.shape[0] and a_test.nnz):
        return best
    b = a_train.T.tocsr()  # (V, n_train)
    df = np.asarray(a_train.sum(axis=0), dtype=np.float64).ravel()
    cost = np.minimum(a_test @ df, a_train.shape[0])  # upper bound of stored entries per row
    for sl in _row_chunks(cost, max(1.0, max_bytes / _BYTES_PER_PRODUCT_ENTRY)):
        inter = a_test[sl] @ b
        if inter.nnz:
            best[sl] = inter.max(axis=1).toarray().ravel()
    return best


def max_title_overlap(test_titles: Sequence[str], train_titles: Sequence[str],
                      measure: Measure = "fraction",
                      max_bytes: int = _MAX_BYTES) -> tuple[np.ndarray, np.ndarray]:
    """For each test title, its largest token overlap with any training title, exactly.

    With ``T(s)`` the set of distinct tokens of title ``s`` (:func:`mrnet.text.tokenize`),
    ``overlap(t, s) = |T(t) & T(s)| / |T(t)|`` (``measure="fraction"``: the share of the test
    title's distinct tokens that also occur in that one training title; 1 means some training
    title contains every token of it) or ``|T(t) & T(s)|`` (``measure="count"``).  Returns
    ``(max_overlap (n_test,) float64, n_tokens (n_test,) int64)``; a test title without tokens
    has overlap 0.

    All pairs are computed as a sparse binary product ``A_test @ A_train.T``, chunked over test
    rows so that each block's stored entries (bounded above through the training document
    frequencies of the chunk's tokens) take at most about ``max_bytes``: 50k x 50k titles run in
    bounded memory.
    """
    if measure not in ("fraction", "count"):
        raise ValueError(f"measure must be 'fraction' or 'count', got {measure!r}")
    test_tokens, train_tokens = tokenize_many(list(test_titles)), tokenize_many(list(train_titles))
    vocab: dict[str, int] = {}
    a_train = _token_matrix(train_tokens, vocab, grow=True)
    a_test = _token_matrix(test_tokens, vocab, grow=False)
    n_tokens = np.array([len(set(t)) for t in test_tokens], dtype=np.int64)
    best = _best_shared_counts(a_test, a_train, max_bytes)
    if measure == "count":
        return best.astype(np.float64), n_tokens
    return np.divide(best, n_tokens, out=np.zeros(len(best)), where=n_tokens > 0), n_tokens


def _random_split(n: int, labels, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted ``(train, candidates)`` positions of the labelled rows (all ``n`` rows when
    ``labels`` is None), stratified when every class has at least 2 products."""
    rows = np.arange(n) if labels is None else np.flatnonzero(~pd.isna(labels))
    strat = None
    if labels is not None:
        _, counts = np.unique(labels[rows].astype(str), return_counts=True)
        strat = labels[rows].astype(str) if counts.min() >= 2 else None
    train, cand = train_test_split(rows, test_size=test_fraction, stratify=strat, random_state=seed)
    return np.sort(train), np.sort(cand)


def unseen_population_split(titles: Sequence[str], y=None, test_fraction: float = 0.3,
                            theta: float = 0.5, seed: int = 0, measure: Measure = "fraction",
                            thetas: Sequence[float] = SURVIVAL_THETAS,
                            max_bytes: int = _MAX_BYTES) -> tuple[np.ndarray, np.ndarray, dict]:
    """The paper's "SIOC (unseen population)" split of ``titles`` ``(N,)`` (labels ``y`` ``(N,)``
    optional).

    1. A fixed random train/test split (``test_fraction``; stratified by ``y`` when every class
       has >= 2 products; unlabelled rows of ``y`` are left out of both parts).
    2. For each test product, its maximum title overlap with *any* training title
       (:func:`max_title_overlap`: by default the fraction of its distinct tokens found in that
       training title).
    3. Only test products with ``max overlap <= theta`` are kept; test titles without any token
       are dropped (nothing to compare, and no embedding either).

    Returns ``(train_idx, test_idx, info)`` (sorted positions into ``titles``); ``info`` holds
    theta, measure, the counts, ``candidate_idx`` and ``max_overlap`` (every non-empty test
    candidate and its overlap, so other thresholds need no recomputation), ``survival`` (for each
    threshold in ``thetas`` and ``theta``: test products kept and their classes) and
    ``class_counts`` of the kept test set.
    """
    n = len(titles)
    titles = list(titles)
    labels = None if y is None else np.asarray(y, dtype=object)
    if labels is not None and len(labels) != n:
        raise ValueError(f"titles and y differ in length: {n}, {len(labels)}")
    train, cand = _random_split(n, labels, test_fraction, seed)
    overlap, n_tok = max_title_overlap([titles[i] for i in cand], [titles[i] for i in train],
                                       measure=measure, max_bytes=max_bytes)
    nonempty = n_tok > 0
    cand, overlap = cand[nonempty], overlap[nonempty]
    keep = overlap <= theta
    info = {
        "theta": theta, "measure": measure, "seed": seed, "test_fraction": test_fraction,
        "n_train": len(train), "n_test_candidates": len(cand), "n_test_kept": int(keep.sum()),
        "n_test_empty_titles": int((~nonempty).sum()),
        "candidate_idx": cand, "max_overlap": overlap,
        "survival": overlap_survival(overlap, None if labels is None else labels[cand],
                                     sorted(set(thetas) | {theta})),
        "class_counts": {} if labels is None else label_counts(labels[cand[keep]]),
    }
    return train, cand[keep], info


def overlap_survival(max_overlap: np.ndarray, labels=None,
                     thetas: Sequence[float] = SURVIVAL_THETAS) -> list[dict]:
    """For each threshold: how many test products (``max_overlap`` ``(n,)``) have
    ``max_overlap <= theta``, and their classes when ``labels`` ``(n,)`` are given."""
    out = []
    for t in thetas:
        keep = max_overlap <= t
        row = {"theta": float(t), "n_test": int(keep.sum())}
        if labels is not None:
            row["class_counts"] = label_counts(np.asarray(labels, dtype=object)[keep])
        out.append(row)
    return out
