"""Downstream evaluation of product embeddings (paper sections 4 and 5), numpy/pandas/sklearn only.

Runs on the driver, on data the evaluation job has already gathered (no Spark here): dense
vectors ``(N, d)``, the raw titles ``(N,)`` and labels ``(N,)`` of one downstream task.

* :func:`compare_on_task` -- Table 2: stratified k-fold CV of logistic regression and random
  forest on the MRNet vectors vs on TF-IDF of the titles; ROC AUC (binary) or accuracy
  (multi-class); change relative to TF-IDF + LR in percent.  :func:`table2_markdown` renders it.
* :func:`small_training_data` -- the "ingestible" question: learning curves on small
  stratified training subsets, fixed held-out test set.
* :func:`max_title_overlap`, :func:`unseen_population_split`, :func:`compare_on_split` -- the
  "SIOC (unseen population)" protocol: a test set of products whose titles overlap every
  training title by at most ``theta``.
* :func:`neighbour_table`, :func:`neighbour_markdown` -- nearest neighbours (4.2, Euclidean).
* :func:`importance_overlap` -- random-forest feature-importance overlap between a training task
  and a downstream task (4.3), with its hypergeometric chance level.
* :func:`cross_language_neighbours`, :func:`alignment_precision` -- section 5.

Conventions shared by every function:

* Representations are named ``"mrnet"`` (the dense vectors; standardised on the training part
  before logistic regression, raw for the forest) and ``"tfidf"`` (TF-IDF of the titles with the
  project tokenizer, fitted on the training part only).  Classifiers are ``"logreg"`` and
  ``"forest"``; a result key is ``f"{representation}_{classifier}"`` (``"mrnet_logreg"``, ...).
* Labels may contain missing values (None / NaN: the label tables are sparse); those rows are
  dropped and counted in the result's ``notes``.
* Binary tasks: the positive class is the larger of the two labels in sort order (as sklearn
  does: ``True``, ``1``, ``"yes"`` over ``"no"``).  AUC is computed from the logistic
  regression's decision function and the forest's positive-class probability.
* Standard deviations over folds are population standard deviations (``ddof=0``, as sklearn's
  ``cv_results_``).
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Iterable, Literal, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.stats import hypergeom
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mrnet.retrieval import as_matrix, nearest_neighbours, precision_at_k, random_baseline
from mrnet.text import tokenize_many

__all__ = [
    "REPRESENTATIONS",
    "CLASSIFIERS",
    "LOGREG_PARAMS",
    "FOREST_PARAMS",
    "make_classifier",
    "make_tfidf",
    "compare_on_task",
    "small_training_data",
    "max_title_overlap",
    "unseen_population_split",
    "overlap_survival",
    "compare_on_split",
    "neighbour_table",
    "neighbour_markdown",
    "importance_overlap",
    "cross_language_neighbours",
    "alignment_precision",
    "table2_markdown",
]

Kind = Literal["binary", "multiclass"]
REPRESENTATIONS = ("mrnet", "tfidf")
CLASSIFIERS = ("logreg", "forest")
BASELINE = "tfidf_logreg"
LOGREG_PARAMS = {"C": 1.0, "max_iter": 1000}
FOREST_PARAMS = {"n_estimators": 100, "max_features": "sqrt"}
SURVIVAL_THETAS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
_MAX_BYTES = 128 * 2**20


# ----------------------------------------------------------------------------- inputs


def _as_vectors(vectors, name: str = "vectors") -> np.ndarray:
    return as_matrix(vectors, f"{name} (keep only rows whose status is ok)")


def _check_kind(kind: str, allowed=("binary", "multiclass")) -> None:
    if kind not in allowed:
        raise ValueError(f"kind must be one of {allowed}, got {kind!r}")


def _check_classifiers(classifiers: Iterable[str]) -> tuple[str, ...]:
    out = tuple(classifiers)
    bad = [c for c in out if c not in CLASSIFIERS]
    if bad or not out:
        raise ValueError(f"classifiers must be a non-empty subset of {CLASSIFIERS}, got {out}")
    return out


def _encode_labels(y, kind: str, min_count: int,
                   notes: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """``(kept row positions, encoded labels 0..C-1 of the kept rows, classes, dropped classes)``.

    Drops unlabelled rows and classes with fewer than ``min_count`` examples (each noted)."""
    y = np.asarray(y, dtype=object)
    labelled = ~pd.isna(y)
    if (~labelled).any():
        notes.append(f"{int((~labelled).sum())} unlabelled rows dropped")
    values = y[labelled]
    try:
        classes, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    except TypeError:  # mixed label types: compare as strings
        values = values.astype(str)
        classes, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    rare = counts < min_count
    dropped = {_plain(c): int(n) for c, n in zip(classes[rare], counts[rare])}
    if dropped:
        notes.append(f"{len(dropped)} classes with fewer than {min_count} examples dropped "
                     f"({int(counts[rare].sum())} rows): {sorted(dropped, key=str)[:10]}")
    keep_class = ~rare
    rows = np.flatnonzero(labelled)[keep_class[inverse]]
    remap = np.cumsum(keep_class) - 1
    encoded = remap[inverse[keep_class[inverse]]].astype(np.int64)
    classes = classes[keep_class]
    if kind == "binary" and len(classes) != 2:
        raise ValueError("a binary task needs exactly 2 classes (after dropping rare ones), "
                         f"got {len(classes)}")
    if len(classes) < 2:
        raise ValueError(f"need at least 2 classes, got {len(classes)}")
    return rows, encoded, classes, dropped


def _plain(v):
    return v.item() if isinstance(v, np.generic) else v


def _identity(tokens):
    return tokens


def make_tfidf() -> TfidfVectorizer:
    """The TF-IDF baseline's vectorizer, applied to *pre-tokenized* titles (lists of tokens).

    Gives exactly the matrix of ``TfidfVectorizer(tokenizer=mrnet.text.tokenize,
    lowercase=False, token_pattern=None, min_df=1)`` on the raw titles (the tests check it),
    while each title is tokenized once per evaluation instead of once per fold."""
    return TfidfVectorizer(analyzer=_identity, min_df=1)


def make_classifier(name: str, representation: str, seed: int = 0, n_estimators: int | None = None,
                    n_jobs: int = 1):
    """A fresh estimator: ``logreg`` (lbfgs, :data:`LOGREG_PARAMS`; after a StandardScaler on the
    dense ``mrnet`` vectors, unscaled on TF-IDF) or ``forest`` (:data:`FOREST_PARAMS`)."""
    if name == "logreg":
        lr = LogisticRegression(random_state=seed, **LOGREG_PARAMS)
        return make_pipeline(StandardScaler(), lr) if representation == "mrnet" else lr
    if name == "forest":
        params = dict(FOREST_PARAMS)
        if n_estimators is not None:
            params["n_estimators"] = int(n_estimators)
        return RandomForestClassifier(random_state=seed, n_jobs=n_jobs, **params)
    raise ValueError(f"unknown classifier {name!r}")


# ----------------------------------------------------------------------------- fitting one split


def _scores_for(model, x, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(predicted class, positive-class score or None) for one fitted model."""
    pred = model.predict(x)
    if kind != "binary":
        return pred, None
    if hasattr(model, "decision_function"):
        return pred, model.decision_function(x)
    proba = model.predict_proba(x)
    return pred, proba[:, list(model.classes_).index(1)]


def _metrics(y_true: np.ndarray, pred: np.ndarray, score, kind: str, notes: list[str], where: str) -> dict:
    out = {"accuracy": float(accuracy_score(y_true, pred))}
    if kind == "binary":
        if len(np.unique(y_true)) < 2:
            notes.append(f"{where}: the test part has one class only, ROC AUC undefined (NaN)")
            out["roc_auc"] = float("nan")
        else:
            out["roc_auc"] = float(roc_auc_score(y_true, score))
    else:
        out["macro_f1"] = float(f1_score(y_true, pred, average="macro"))
    return out


def _features(rep: str, x: np.ndarray, tokens: list, train: np.ndarray, test: np.ndarray):
    """``(X_train, X_test, dim)`` of one representation for one split (TF-IDF fitted on train)."""
    if rep == "mrnet":
        return x[train], x[test], x.shape[1]
    vec = make_tfidf()
    xtr = vec.fit_transform([tokens[i] for i in train])
    return xtr, vec.transform([tokens[i] for i in test]), len(vec.vocabulary_)


def _run_split(x, tokens, y, train, test, kind, classifiers, seed, n_estimators, n_jobs,
               notes, where) -> tuple[dict, dict, dict]:
    """Fit every representation x classifier on one split: ``(metrics, dims, seconds)`` keyed
    ``rep_clf`` (dims keyed by representation)."""
    metrics, dims, seconds = {}, {}, {}
    for rep in REPRESENTATIONS:
        xtr, xte, dims[rep] = _features(rep, x, tokens, train, test)
        for clf in classifiers:
            key = f"{rep}_{clf}"
            model = make_classifier(clf, rep, seed=seed, n_estimators=n_estimators, n_jobs=n_jobs)
            t0 = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                model.fit(xtr, y[train])
            if any(issubclass(w.category, ConvergenceWarning) for w in caught):
                notes.append(f"{where} {key}: logistic regression did not converge")
            pred, score = _scores_for(model, xte, kind)
            seconds[key] = time.perf_counter() - t0
            metrics[key] = _metrics(y[test], pred, score, kind, notes, f"{where} {key}")
    return metrics, dims, seconds


def _summarise(per_split: list[dict], primary: str, classifiers: Sequence[str]) -> dict:
    scores = {}
    for rep in REPRESENTATIONS:
        for clf in classifiers:
            key = f"{rep}_{clf}"
            entry = {}
            for name in per_split[0][key]:
                vals = np.array([m[key][name] for m in per_split], dtype=np.float64)
                entry[f"{name}_mean"] = float(vals.mean())
                entry[f"{name}_std"] = float(vals.std())
            vals = [m[key][primary] for m in per_split]
            entry.update(mean=float(np.mean(vals)), std=float(np.std(vals)), folds=vals)
            scores[key] = entry
    return scores


def _relative(scores: dict) -> dict:
    """``(m - tfidf_lr) / tfidf_lr * 100`` for every key (the paper's Table 2 percentages)."""
    if BASELINE not in scores:
        return {}
    base = scores[BASELINE]["mean"]
    if not base or not math.isfinite(base):
        return {k: float("nan") for k in scores}
    return {k: (v["mean"] - base) / base * 100.0 for k, v in scores.items()}


def _result(kind, classes, n, dims, scores, notes, dropped, seconds, **extra) -> dict:
    out = {
        "kind": kind,
        "metric": "roc_auc" if kind == "binary" else "accuracy",
        "n": int(n),
        "n_classes": len(classes),
        "classes": [_plain(c) for c in classes],
        "dims": dims,
        "scores": scores,
        "baseline": BASELINE,
        "relative_change_pct": _relative(scores),
        "fit_seconds": seconds,
        "dropped_classes": dropped,
        "notes": notes,
    }
    if kind == "binary":
        out["positive_class"] = _plain(classes[1])
    out.update(extra)
    return out


# ----------------------------------------------------------------------------- Table 2


def compare_on_task(vectors, titles: Sequence[str], y, kind: Kind, folds: int = 5, seed: int = 0,
                    classifiers: Sequence[str] = CLASSIFIERS, n_estimators: int | None = None,
                    n_jobs: int = 1) -> dict:
    """One row of the paper's Table 2: stratified ``folds``-fold CV (shuffled, ``seed``) of each
    classifier on the MRNet vectors ``(N, d)`` and on TF-IDF of ``titles`` (fitted per training
    fold).  Classes with fewer than ``folds`` examples are dropped (see ``notes``).

    Returns ``metric`` (``roc_auc`` | ``accuracy``), ``scores[rep_clf]`` = {mean, std, folds
    (per-fold primary metric), ``<metric>_mean``/``_std`` for accuracy, roc_auc (binary) or
    macro_f1 (multi-class)}, ``dims`` {mrnet: d, tfidf: mean vocabulary size over the training
    folds, tfidf_per_fold}, ``relative_change_pct[rep_clf]`` = (mean - tfidf_logreg mean) /
    tfidf_logreg mean * 100, ``fit_seconds`` (total over folds), ``n``, ``classes``,
    ``dropped_classes``, ``notes``.
    """
    _check_kind(kind)
    classifiers = _check_classifiers(classifiers)
    if folds < 2:
        raise ValueError("folds must be >= 2")
    x, tokens, y_enc, classes, notes, dropped = _prepare(vectors, titles, y, kind, folds)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    per_fold, vocab, seconds = [], [], {}
    for f, (train, test) in enumerate(cv.split(np.zeros(len(y_enc)), y_enc)):
        m, dims, secs = _run_split(x, tokens, y_enc, train, test, kind, classifiers, seed,
                                   n_estimators, n_jobs, notes, f"fold {f}")
        per_fold.append(m)
        vocab.append(dims["tfidf"])
        for k, s in secs.items():
            seconds[k] = seconds.get(k, 0.0) + s
    primary = "roc_auc" if kind == "binary" else "accuracy"
    dims = {"mrnet": x.shape[1], "tfidf": int(round(np.mean(vocab))), "tfidf_per_fold": vocab}
    return _result(kind, classes, len(y_enc), dims, _summarise(per_fold, primary, classifiers),
                   notes, dropped, seconds, folds=folds, seed=seed)


def _prepare(vectors, titles, y, kind, min_count):
    """Validated, label-filtered inputs: ``(x, tokens, y_enc, classes, notes, dropped)``."""
    x = _as_vectors(vectors)
    titles = list(titles)
    y = np.asarray(y, dtype=object)
    if not len(titles) == len(y) == x.shape[0]:
        raise ValueError(f"vectors, titles and y differ in length: {x.shape[0]}, {len(titles)}, {len(y)}")
    notes: list[str] = []
    rows, y_enc, classes, dropped = _encode_labels(y, kind, min_count, notes)
    tokens = tokenize_many([titles[i] for i in rows])
    return x[rows], tokens, y_enc, classes, notes, dropped


# ----------------------------------------------------------------------------- little data


def _stratified_sample(pool: np.ndarray, y: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` rows of ``pool`` without replacement, class proportions kept (largest remainder),
    every class present at least once when ``n`` allows it."""
    classes, counts = np.unique(y[pool], return_counts=True)
    quota = counts * n / counts.sum()
    take = np.floor(quota).astype(np.int64)
    for i in np.argsort(-(quota - take), kind="stable")[: n - take.sum()]:
        take[i] += 1
    while n >= len(classes) and (take == 0).any():  # a rare class would vanish: lend it one
        take[np.argmax(take)] -= 1
        take[np.flatnonzero(take == 0)[0]] += 1
    parts = [rng.choice(pool[y[pool] == c], size=t, replace=False) for c, t in zip(classes, take)]
    return np.sort(np.concatenate(parts))


def small_training_data(vectors, titles: Sequence[str], y, kind: Kind,
                        n_train: Sequence[int] = (50, 100, 200, 500), repeats: int = 5, seed: int = 0,
                        test_fraction: float = 0.3, classifiers: Sequence[str] = ("logreg",),
                        n_estimators: int | None = None, n_jobs: int = 1) -> dict:
    """The "ingestible" protocol: a fixed stratified held-out test set (``test_fraction``), and
    for each ``n`` in ``n_train`` ``repeats`` stratified training subsets of ``n`` products from
    the rest; each representation x classifier (TF-IDF fitted on the subset only) is scored on the
    same test set.  Sizes larger than the training pool are skipped (noted).

    Returns ``metric``, ``n_test``, ``n_pool``, ``curves[rep_clf]`` = {n: [...], mean: [...],
    std: [...]} (one entry per size that ran), ``runs`` (one dict per fit: n, repeat, key,
    score) and ``notes``.
    """
    _check_kind(kind)
    classifiers = _check_classifiers(classifiers)
    x, tokens, y_enc, classes, notes, dropped = _prepare(vectors, titles, y, kind, 2)
    pool, test = train_test_split(np.arange(len(y_enc)), test_size=test_fraction, stratify=y_enc,
                                  random_state=seed)
    rng = np.random.default_rng(seed)
    runs = []
    for n in sorted(int(v) for v in n_train):
        if n > len(pool) or n < 2:
            notes.append(f"n_train={n} skipped: the training pool has {len(pool)} products")
            continue
        for r in range(repeats):
            sub = _stratified_sample(pool, y_enc, n, rng)
            if len(np.unique(y_enc[sub])) < 2:
                notes.append(f"n_train={n} repeat {r} skipped: one class only")
                continue
            m, _, _ = _run_split(x, tokens, y_enc, sub, test, kind, classifiers, seed, n_estimators,
                                 n_jobs, notes, f"n={n} repeat {r}")
            primary = "roc_auc" if kind == "binary" else "accuracy"
            runs += [{"n": n, "repeat": r, "key": k, "score": v[primary]} for k, v in m.items()]
    return {"kind": kind, "metric": "roc_auc" if kind == "binary" else "accuracy",
            "n_test": len(test), "n_pool": len(pool), "curves": _curves(runs),
            "runs": runs, "classes": [_plain(c) for c in classes], "dropped_classes": dropped,
            "notes": notes}


def _curves(runs: list[dict]) -> dict:
    if not runs:
        return {}
    table = pd.DataFrame(runs).groupby(["key", "n"])["score"].agg(["mean", "std", "count"])
    out = {}
    for key, part in table.groupby(level="key"):
        part = part.droplevel("key")
        out[key] = {"n": [int(v) for v in part.index], "mean": part["mean"].tolist(),
                    "std": part["std"].fillna(0.0).tolist(), "repeats": part["count"].astype(int).tolist()}
    return out


# ----------------------------------------------------------------------------- unseen population


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
    """Consecutive row slices whose summed ``cost`` stays within ``budget`` (>= 1 row each)."""
    start, n = 0, len(cost)
    csum = np.concatenate([[0.0], np.cumsum(cost, dtype=np.float64)])
    while start < n:
        end = int(np.searchsorted(csum, csum[start] + budget, side="right")) - 1
        end = min(max(end, start + 1), n)
        yield slice(start, end)
        start = end


def max_title_overlap(test_titles: Sequence[str], train_titles: Sequence[str],
                      measure: Literal["fraction", "count"] = "fraction",
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
    best = np.zeros(len(test_tokens), dtype=np.int64)
    if a_train.shape[0] and a_test.nnz:
        b = a_train.T.tocsr()  # (V, n_train)
        df = np.asarray(a_train.sum(axis=0), dtype=np.float64).ravel()
        cost = np.minimum(a_test @ df, a_train.shape[0])  # upper bound of stored entries per row
        for sl in _row_chunks(cost, max(1.0, max_bytes / 40.0)):  # ~40 B per entry in scipy's product
            inter = a_test[sl] @ b
            if inter.nnz:
                best[sl] = inter.max(axis=1).toarray().ravel()
    if measure == "count":
        return best.astype(np.float64), n_tokens
    return np.divide(best, n_tokens, out=np.zeros(len(best)), where=n_tokens > 0), n_tokens


def unseen_population_split(titles: Sequence[str], y=None, test_fraction: float = 0.3,
                            theta: float = 0.5, seed: int = 0,
                            measure: Literal["fraction", "count"] = "fraction",
                            thetas: Sequence[float] = SURVIVAL_THETAS,
                            max_bytes: int = _MAX_BYTES) -> tuple[np.ndarray, np.ndarray, dict]:
    """The paper's "SIOC (unseen population)" split.

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
    rows = np.arange(n) if labels is None else np.flatnonzero(~pd.isna(labels))
    strat = None
    if labels is not None:
        _, counts = np.unique(labels[rows].astype(str), return_counts=True)
        strat = labels[rows].astype(str) if counts.min() >= 2 else None
    train, cand = train_test_split(rows, test_size=test_fraction, stratify=strat, random_state=seed)
    train, cand = np.sort(train), np.sort(cand)
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
        "class_counts": {} if labels is None else _counts(labels[cand[keep]]),
    }
    return train, cand[keep], info


def _counts(values) -> dict:
    vals, counts = np.unique(np.asarray(values, dtype=object).astype(str), return_counts=True)
    return {str(v): int(c) for v, c in zip(vals, counts)}


def overlap_survival(max_overlap: np.ndarray, labels=None,
                     thetas: Sequence[float] = SURVIVAL_THETAS) -> list[dict]:
    """For each threshold: how many test products have ``max_overlap <= theta`` (and their
    classes when ``labels`` are given)."""
    out = []
    for t in thetas:
        keep = max_overlap <= t
        row = {"theta": float(t), "n_test": int(keep.sum())}
        if labels is not None:
            row["class_counts"] = _counts(np.asarray(labels, dtype=object)[keep])
        out.append(row)
    return out


def compare_on_split(vectors, titles: Sequence[str], y, train_idx, test_idx, kind: Kind = "binary",
                     classifiers: Sequence[str] = CLASSIFIERS, seed: int = 0,
                     n_estimators: int | None = None, n_jobs: int = 1) -> dict:
    """Table-2 comparison on one fixed split (e.g. from :func:`unseen_population_split`): every
    representation x classifier trained on ``train_idx`` (TF-IDF fitted there) and scored on
    ``test_idx``.  Same result layout as :func:`compare_on_task` with ``folds=1`` and std 0; a
    test set with one class gives NaN AUC and a note."""
    _check_kind(kind)
    classifiers = _check_classifiers(classifiers)
    x = _as_vectors(vectors)
    titles = list(titles)
    y = np.asarray(y, dtype=object)
    train_idx, test_idx = np.asarray(train_idx, dtype=np.int64), np.asarray(test_idx, dtype=np.int64)
    if np.intersect1d(train_idx, test_idx).size:
        raise ValueError("train_idx and test_idx overlap")
    notes: list[str] = []
    both = np.concatenate([train_idx, test_idx])
    rows, y_enc, classes, dropped = _encode_labels(y[both], kind, 1, notes)
    is_train = rows < len(train_idx)
    if len(np.unique(y_enc[is_train])) < 2:
        raise ValueError("the training part needs at least 2 classes")
    both = both[rows]
    tokens = tokenize_many([titles[i] for i in both])
    m, dims, seconds = _run_split(x[both], tokens, y_enc, np.flatnonzero(is_train),
                                  np.flatnonzero(~is_train), kind, classifiers, seed, n_estimators,
                                  n_jobs, notes, "split")
    primary = "roc_auc" if kind == "binary" else "accuracy"
    return _result(kind, classes, len(both), dims, _summarise([m], primary, classifiers), notes,
                   dropped, seconds, folds=1, seed=seed, n_train=int(is_train.sum()),
                   n_test=int((~is_train).sum()), test_class_counts=_counts(classes[y_enc[~is_train]]))


# ----------------------------------------------------------------------------- neighbours (4.2, 5)


def _sample_rows(sample, n: int, seed: int) -> np.ndarray:
    if isinstance(sample, (int, np.integer)):
        return np.sort(np.random.default_rng(seed).choice(n, size=min(int(sample), n), replace=False))
    rows = np.asarray(sample, dtype=np.int64).reshape(-1)
    if rows.size and (rows.min() < 0 or rows.max() >= n):
        raise ValueError(f"sample positions must lie in [0, {n})")
    return rows


def neighbour_table(vectors, titles: Sequence[str], groups, sample, k: int = 9, seed: int = 0) -> pd.DataFrame:
    """The k Euclidean nearest neighbours (paper 4.2) of each sampled product among all
    ``vectors`` ``(N, d)``, itself excluded (by position: an identical duplicate still counts).

    ``sample``: positions into ``vectors`` (or an int: that many random products, ``seed``).
    ``groups`` ``(N,)``: product group / category per product (None: ``same_group`` is NA).
    One row per (query, rank): query_index, query_title, query_group, rank (1 = nearest),
    neighbour_index, neighbour_title, neighbour_group, distance, same_group.
    """
    x = _as_vectors(vectors)
    titles = np.asarray(list(titles), dtype=object)
    if len(titles) != x.shape[0]:
        raise ValueError("vectors and titles differ in length")
    rows = _sample_rows(sample, x.shape[0], seed)
    idx, dist = nearest_neighbours(x[rows], x, k=k, exclude_self=True, query_index=rows)
    return _neighbour_frame(rows, titles, idx, dist, titles, groups, groups)


def _neighbour_frame(rows, q_titles, idx, dist, u_titles, q_groups, u_groups) -> pd.DataFrame:
    k = idx.shape[1]
    q = np.repeat(rows, k)
    flat = idx.reshape(-1)
    frame = pd.DataFrame({
        "query_index": q,
        "query_title": q_titles[q],
        "rank": np.tile(np.arange(1, k + 1), len(rows)),
        "neighbour_index": flat,
        "neighbour_title": u_titles[flat],
        "distance": dist.reshape(-1),
    })
    if q_groups is not None and u_groups is not None:
        qg, ug = np.asarray(q_groups, dtype=object)[q], np.asarray(u_groups, dtype=object)[flat]
        frame.insert(2, "query_group", qg)
        frame.insert(6, "neighbour_group", ug)
        frame["same_group"] = qg == ug
    else:
        frame["same_group"] = pd.NA
    return frame


def _md(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _yes_no(v):
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    return v


def neighbour_markdown(table: pd.DataFrame, heading: str = "Nearest neighbours") -> str:
    """A markdown section per query of a :func:`neighbour_table` /
    :func:`cross_language_neighbours` frame: the query title (and group), then its neighbours
    with distance and whether they share the query's group; a summary line first."""
    lines = [f"## {heading}", ""]
    if "same_group" in table and table["same_group"].notna().all() and len(table):
        lines += [f"{table['query_index'].nunique()} queries; neighbours in the query's group: "
                  f"{table['same_group'].astype(bool).mean():.1%}", ""]
    for qi, part in table.groupby("query_index", sort=False):
        first = part.iloc[0]
        group = f" ({_md(first['query_group'])})" if "query_group" in part else ""
        lines += [f"### {_md(first['query_title'])}{group}", ""]
        extra = [c for c in ("neighbour_group", "same_group", "is_counterpart") if c in part]
        lines.append("| rank | neighbour | distance | " + " | ".join(extra) + " |" if extra
                     else "| rank | neighbour | distance |")
        lines.append("|---:|---|---:|" + "---|" * len(extra))
        for r in part.itertuples(index=False):
            cells = [str(r.rank), _md(r.neighbour_title), f"{r.distance:.4f}"]
            cells += [_md(_yes_no(getattr(r, c))) for c in extra]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def cross_language_neighbours(query_vectors, query_titles: Sequence[str], universe_vectors,
                              universe_titles: Sequence[str], k: int = 5, sample=20, seed: int = 0,
                              counterpart=None) -> pd.DataFrame:
    """Paper section 5: for sampled products of language A, already projected into language
    B's space by the caller (``query_vectors`` ``(Nq, d)``), the k nearest products of B
    (``universe_vectors`` ``(Nu, d)``, Euclidean).  ``sample``: positions into the queries or
    an int (random, ``seed``).  ``counterpart`` ``(Nq,)``: optional universe position of each
    query's true counterpart (-1 = none); adds ``is_counterpart`` per row.  Columns: query_index,
    query_title, rank, neighbour_index, neighbour_title, distance, same_group (NA)
    [, is_counterpart]."""
    qx, ux = _as_vectors(query_vectors, "query_vectors"), _as_vectors(universe_vectors, "universe_vectors")
    q_titles = np.asarray(list(query_titles), dtype=object)
    u_titles = np.asarray(list(universe_titles), dtype=object)
    if len(q_titles) != qx.shape[0] or len(u_titles) != ux.shape[0]:
        raise ValueError("vectors and titles differ in length")
    rows = _sample_rows(sample, qx.shape[0], seed)
    idx, dist = nearest_neighbours(qx[rows], ux, k=k)
    frame = _neighbour_frame(rows, q_titles, idx, dist, u_titles, None, None)
    if counterpart is not None:
        truth = np.asarray(counterpart, dtype=np.int64)[frame["query_index"].to_numpy()]
        frame["is_counterpart"] = frame["neighbour_index"].to_numpy() == truth
    return frame


def alignment_precision(projected, counterparts, ks: Sequence[int] = (1, 10), metric="euclidean",
                        unaligned=None) -> dict:
    """Retrieval quality of a cross-language projection: row i of ``projected`` (language A
    mapped into B's space) should find row i of ``counterparts`` (B) among all of them
    (:func:`mrnet.retrieval.precision_at_k`).  Adds ``random`` (chance p@k) and, when
    ``unaligned`` (A's vectors without projection, same dimension) is given, ``unaligned``:
    the same metrics without the alignment, the floor it must beat."""
    out = precision_at_k(projected, counterparts, ks=ks, metric=metric)
    out["random"] = random_baseline(out["n"], ks)
    if unaligned is not None:
        out["unaligned"] = precision_at_k(unaligned, counterparts, ks=ks, metric=metric)
    return out


# ----------------------------------------------------------------------------- 4.3 importances


def _labelled(y) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=object)
    rows = np.flatnonzero(~pd.isna(y))
    return rows, y[rows]


def _stable_top(x: np.ndarray, y, kind: str, n_models: int, sample_fraction: float, top_k: int,
                seed: int, n_estimators: int, n_jobs: int) -> tuple[set, np.ndarray]:
    """Features in the top ``top_k`` by impurity importance in *every* one of ``n_models``
    forests, each fitted on a random ``sample_fraction`` of the labelled rows."""
    rows, labels = _labelled(y)
    if len(rows) < 4:
        raise ValueError("need at least 4 labelled products per task")
    if kind == "regression":
        target = labels.astype(np.float64)
    else:
        target = np.unique(labels.astype(str), return_inverse=True)[1]
    rng = np.random.default_rng(seed)
    stable, importances = None, []
    for i in range(n_models):
        sub = rng.choice(len(rows), size=max(2, int(round(sample_fraction * len(rows)))), replace=False)
        cls = RandomForestRegressor if kind == "regression" else RandomForestClassifier
        model = cls(n_estimators=n_estimators, max_features="sqrt", random_state=seed + i, n_jobs=n_jobs)
        model.fit(x[rows[sub]], target[sub])
        imp = model.feature_importances_
        importances.append(imp)
        top = set(np.argsort(-imp, kind="stable")[:top_k].tolist())
        stable = top if stable is None else stable & top
    return stable, np.mean(importances, axis=0)


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
    importances of each task (``train_importance``, ``downstream_importance``).
    """
    for kind in (kind_train, kind_down):
        _check_kind(kind, ("binary", "multiclass", "regression"))
    if not 0 < sample_fraction <= 1 or n_models < 1:
        raise ValueError("need 0 < sample_fraction <= 1 and n_models >= 1")
    x = _as_vectors(vectors)
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
        "p_value": float(hypergeom.sf(o - 1, d, a, b)) if a and b else 1.0,
        "train_importance": imp_train.tolist(), "downstream_importance": imp_down.tolist(),
    }


# ----------------------------------------------------------------------------- reporting


_COLUMNS = (("mrnet_logreg", "MRNet LR"), ("mrnet_forest", "MRNet RF"),
            ("tfidf_logreg", "TF-IDF LR"), ("tfidf_forest", "TF-IDF RF"))


def _cell(entry: dict | None, folds: int) -> str:
    if entry is None or not math.isfinite(entry["mean"]):
        return "–"
    return f"{entry['mean']:.3f}" + (f" ± {entry['std']:.3f}" if folds > 1 else "")


def _pct(v) -> str:
    return "–" if v is None or not math.isfinite(v) else f"{v:+.2f}%"


def table2_markdown(results: dict[str, dict]) -> str:
    """The paper's Table 2 from ``{task name: compare_on_task / compare_on_split result}``:
    task, metric, N, dims (MRNet / TF-IDF), the mean (± std over folds) of each representation x
    classifier, and the change of each relative to TF-IDF + LR in percent.  Notes (dropped
    classes, non-convergence, ...) follow the table."""
    head = (["Task", "Metric", "N", "Dims (MRNet / TF-IDF)"] + [name for _, name in _COLUMNS]
            + [f"{name} vs TF-IDF LR" for key, name in _COLUMNS if key != BASELINE])
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 3 + ["---:"] * (len(head) - 3)) + "|"]
    footnotes = []
    for task, res in results.items():
        folds = int(res.get("folds", 1))
        scores, rel = res["scores"], res.get("relative_change_pct", {})
        metric = res["metric"] + (f" ({folds}-fold CV)" if folds > 1 else " (fixed split)")
        row = [_md(task), metric, str(res["n"]), f"{res['dims']['mrnet']} / {res['dims']['tfidf']}"]
        row += [_cell(scores.get(key), folds) for key, _ in _COLUMNS]
        row += [_pct(rel.get(key)) for key, _ in _COLUMNS if key != BASELINE]
        lines.append("| " + " | ".join(row) + " |")
        footnotes += [f"- {task}: {note}" for note in dict.fromkeys(res.get("notes", []))]
    if footnotes:
        lines += ["", "Notes:", *footnotes]
    return "\n".join(lines) + "\n"
