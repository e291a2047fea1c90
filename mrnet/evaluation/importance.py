"""Paper 4.3: random-forest feature-importance overlap between a training task and a downstream
task, with its hypergeometric chance level (numpy/scipy/sklearn on the driver, no Spark)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import hypergeom
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

from mrnet.evaluation.inputs import as_vectors, check_kind

__all__ = ["IMPORTANCE_KINDS", "importance_overlap", "overlap_p_value"]

IMPORTANCE_KINDS = ("binary", "multiclass", "regression")


def _labelled(y) -> tuple[np.ndarray, np.ndarray]:
    """``(rows (M,), labels (M,))`` of the labelled entries of ``y`` ``(N,)``."""
    y = np.asarray(y, dtype=object)
    rows = np.flatnonzero(~pd.isna(y))
    return rows, y[rows]


def _target(labels: np.ndarray, kind: str) -> np.ndarray:
    """Float values for a regression, class codes 0..C-1 (sorted as strings) otherwise."""
    if kind == "regression":
        return labels.astype(np.float64)
    return np.unique(labels.astype(str), return_inverse=True)[1]


def _stable_top(x: np.ndarray, y, kind: str, n_models: int, sample_fraction: float, top_k: int,
                seed: int, n_estimators: int, n_jobs: int) -> tuple[set, np.ndarray]:
    """``(stable features, mean importances (d,))`` for ``x`` ``(N, d)``, labels ``y`` ``(N,)``:
    the features in the top ``top_k`` by impurity importance in *every* one of ``n_models``
    forests, each fitted on a random ``sample_fraction`` of the labelled rows."""
    rows, labels = _labelled(y)
    if len(rows) < 4:
        raise ValueError("need at least 4 labelled products per task")
    target = _target(labels, kind)
    forest = RandomForestRegressor if kind == "regression" else RandomForestClassifier
    rng = np.random.default_rng(seed)
    stable, importances = None, []
    for i in range(n_models):
        sub = rng.choice(len(rows), size=max(2, int(round(sample_fraction * len(rows)))), replace=False)
        model = forest(n_estimators=n_estimators, max_features="sqrt", random_state=seed + i, n_jobs=n_jobs)
        model.fit(x[rows[sub]], target[sub])
        imp = model.feature_importances_
        importances.append(imp)
        top = set(np.argsort(-imp, kind="stable")[:top_k].tolist())
        stable = top if stable is None else stable & top
    return stable, np.mean(importances, axis=0)


def overlap_p_value(n_overlap: int, n_features: int, n_a: int, n_b: int) -> float:
    """``P(O >= n_overlap)`` for ``O ~ Hypergeom(n_features, n_a, n_b)``: the overlap of two
    random feature subsets of sizes ``n_a`` and ``n_b``; 1 when either is empty."""
    return float(hypergeom.sf(n_overlap - 1, n_features, n_a, n_b)) if n_a and n_b else 1.0


def importance_overlap(vectors, y_train_task, y_downstream, kind_train: str, kind_down: str,
                       n_models: int = 5, sample_fraction: float = 0.7, seed: int = 0,
                       quantile: float = 0.25, n_estimators: int = 100, n_jobs: int = 1) -> dict:
    """Paper 4.3: do the embedding features that matter for a training task (e.g. batteries)
    also matter for a related downstream task (e.g. plugs)?

    For each task (labels ``(N,)`` aligned with ``vectors`` ``(N, d)``; None/NaN = unlabelled;
    kinds ``binary`` | ``multiclass`` | ``regression``), ``n_models`` random forests are fitted on
    random ``sample_fraction`` subsets of its labelled products; a feature is *stable* when it
    is among the top ``ceil(quantile * d)`` by importance (the paper's top quartile, 64 of 256)
    in every model.  With ``a``, ``b`` stable features for the two tasks and ``o`` shared, chance
    is two random subsets of sizes a and b of d features: ``o ~ Hypergeom(d, a, b)``,
    ``expected_overlap = a * b / d``, ``p_value = P(O >= o)``.

    Returns train_features, downstream_features, overlap (sorted feature indices), n_overlap,
    expected_overlap, enrichment (o / expected), p_value, top_k, n_features, and the mean
    importances ``(d,)`` of each task (``train_importance``, ``downstream_importance``).
    """
    for kind in (kind_train, kind_down):
        check_kind(kind, IMPORTANCE_KINDS)
    if not 0 < sample_fraction <= 1 or n_models < 1:
        raise ValueError("need 0 < sample_fraction <= 1 and n_models >= 1")
    x = as_vectors(vectors)
    d = x.shape[1]
    top_k = max(1, math.ceil(quantile * d))
    common = dict(n_models=n_models, sample_fraction=sample_fraction, top_k=top_k,
                  n_estimators=n_estimators, n_jobs=n_jobs)
    s_train, imp_train = _stable_top(x, y_train_task, kind_train, seed=seed, **common)
    s_down, imp_down = _stable_top(x, y_downstream, kind_down, seed=seed + 10_000, **common)
    shared = s_train & s_down
    a, b, o = len(s_train), len(s_down), len(shared)
    expected = a * b / d
    return {
        "n_features": d, "top_k": top_k, "n_models": n_models, "sample_fraction": sample_fraction,
        "train_features": sorted(s_train), "downstream_features": sorted(s_down),
        "overlap": sorted(shared), "n_overlap": o, "expected_overlap": expected,
        "enrichment": o / expected if expected > 0 else float("nan"),
        "p_value": overlap_p_value(o, d, a, b),
        "train_importance": imp_train.tolist(), "downstream_importance": imp_down.tolist(),
    }
