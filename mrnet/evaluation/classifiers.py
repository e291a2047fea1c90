"""Table 2 of the paper: classifiers on the product embeddings vs on TF-IDF of the titles, on
what the evaluation job gathered for one task: vectors ``(N, d)``, raw titles ``(N,)``, labels
``(N,)`` (numpy/pandas/sklearn on the driver, no Spark).

* :func:`compare_on_task` -- stratified k-fold CV of logistic regression and random forest on
  the MRNet vectors vs on TF-IDF; ROC AUC (binary) or accuracy (multi-class); change relative to
  TF-IDF + LR in percent (:mod:`mrnet.evaluation.table2` renders results as the paper's table).
* :func:`compare_on_split` -- the same comparison on one fixed split (e.g. the unseen
  population of :mod:`mrnet.evaluation.unseen`).
* :func:`small_training_data` -- the "ingestible" question: learning curves on small stratified
  training subsets, fixed held-out test set.

Conventions:

* Dense representations are passed in: one ``(N, d)`` array (named ``"mrnet"``) or a mapping
  ``{name: (N, d)}`` (e.g. ``mrnet``, ``mrnet_pg``, ``w2v_mean``); they are standardised on the
  training part before logistic regression, raw for the forest.  Text representations are
  fitted on the training part only: ``"tfidf"`` (TF-IDF of the titles with the project
  tokenizer, always) and optionally ``"lsa"`` (a 256-d TruncatedSVD of that TF-IDF).
  Classifiers are ``"logreg"`` and ``"forest"``; a result key is
  ``f"{representation}_{classifier}"`` (``"mrnet_logreg"``, ...).
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
from sklearn.decomposition import TruncatedSVD
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mrnet.evaluation.inputs import as_vectors, check_kind, encode_labels, label_counts, plain
from mrnet.text import tokenize_many

__all__ = ["TEXT_REPRESENTATIONS", "CLASSIFIERS", "BASELINE", "LOGREG_PARAMS", "FOREST_PARAMS",
           "dense_representations", "make_classifier", "make_tfidf", "compare_on_task",
           "compare_on_split", "small_training_data"]

Kind = Literal["binary", "multiclass"]
TEXT_REPRESENTATIONS = ("tfidf", "lsa")
CLASSIFIERS = ("logreg", "forest")
BASELINE = "tfidf_logreg"
LSA_DIM = 256
# baselines compared with logistic regression only (the paper's Table 2 compares with LR; a
# forest on each of them would multiply the evaluation's cost for little information)
LOGREG_ONLY = ("lsa", "w2v_mean")
LOGREG_PARAMS = {"C": 1.0, "max_iter": 1000}
FOREST_PARAMS = {"n_estimators": 100, "max_features": "sqrt"}


# ----------------------------------------------------------------------------- estimators


def _check_classifiers(classifiers: Iterable[str]) -> tuple[str, ...]:
    out = tuple(classifiers)
    bad = [c for c in out if c not in CLASSIFIERS]
    if bad or not out:
        raise ValueError(f"classifiers must be a non-empty subset of {CLASSIFIERS}, got {out}")
    return out


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
    """A fresh estimator: ``logreg`` (lbfgs, :data:`LOGREG_PARAMS`; after a StandardScaler on
    dense vectors, unscaled on TF-IDF) or ``forest`` (:data:`FOREST_PARAMS`)."""
    if name == "logreg":
        lr = LogisticRegression(random_state=seed, **LOGREG_PARAMS)
        return lr if representation == "tfidf" else make_pipeline(StandardScaler(), lr)
    if name == "forest":
        params = dict(FOREST_PARAMS)
        if n_estimators is not None:
            params["n_estimators"] = int(n_estimators)
        return RandomForestClassifier(random_state=seed, n_jobs=n_jobs, **params)
    raise ValueError(f"unknown classifier {name!r}")


# ----------------------------------------------------------------------------- fitting one split


def _primary_metric(kind: str) -> str:
    return "roc_auc" if kind == "binary" else "accuracy"


def _scores_for(model, x, kind: str) -> tuple[np.ndarray, np.ndarray | None]:
    """(predicted class ``(n,)``, positive-class score ``(n,)`` or None) of one fitted model."""
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


def _text_features(text: Sequence[str], tokens: list, train: np.ndarray, test: np.ndarray,
                   seed: int) -> dict:
    """``{rep: (X_train, X_test, dim)}`` of the text representations of one split: TF-IDF
    fitted on the training part once, and LSA (if asked) as the SVD of that same matrix."""
    vec = make_tfidf()
    xtr = vec.fit_transform([tokens[i] for i in train])
    xte = vec.transform([tokens[i] for i in test])
    out = {"tfidf": (xtr, xte, len(vec.vocabulary_))}
    if "lsa" in text:
        dim = max(1, min(LSA_DIM, xtr.shape[1] - 1, xtr.shape[0] - 1))
        svd = TruncatedSVD(n_components=dim, random_state=seed)
        out["lsa"] = (svd.fit_transform(xtr), svd.transform(xte), dim)
    return out


def _fit_quietly(model, x, y, notes: list[str], where: str) -> None:
    """``model.fit(x, y)``, noting (not printing) a convergence warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(x, y)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        notes.append(f"{where}: logistic regression did not converge")


def _run_split(dense, tokens, y, train, test, kind, classifiers, seed, n_estimators, n_jobs,
               notes, where, text=("tfidf",), logreg_only=LOGREG_ONLY) -> tuple[dict, dict, dict]:
    """Fit every representation x classifier on one split of ``dense`` {name: ``(N, d)``} /
    ``tokens`` / ``y`` ``(N,)``, the ``text`` representations fitted on the split's training
    part: ``(metrics, dims, seconds)`` keyed ``rep_clf`` (dims keyed by representation)."""
    metrics, dims, seconds = {}, {}, {}
    features = {rep: (x[train], x[test], x.shape[1]) for rep, x in dense.items()}
    features.update(_text_features(text, tokens, train, test, seed))
    for rep, (xtr, xte, dims[rep]) in features.items():
        for clf in [c for c in classifiers if c == "logreg" or rep not in logreg_only]:
            key = f"{rep}_{clf}"
            model = make_classifier(clf, rep, seed=seed, n_estimators=n_estimators, n_jobs=n_jobs)
            t0 = time.perf_counter()
            _fit_quietly(model, xtr, y[train], notes, f"{where} {key}")
            pred, score = _scores_for(model, xte, kind)
            seconds[key] = time.perf_counter() - t0
            metrics[key] = _metrics(y[test], pred, score, kind, notes, f"{where} {key}")
    return metrics, dims, seconds


def _fit_split(dense, tokens, y, split, kind, classifiers, seed, n_estimators, n_jobs, where, text,
               logreg_only):
    from threadpoolctl import threadpool_limits

    notes: list[str] = []
    # One BLAS thread: lbfgs on a few thousand rows is all small matrix products, which two
    # OpenBLAS threads made 6x slower (1.5 s vs 9.4 s for 5 folds of a 53-class task, 2 cores).
    with threadpool_limits(1):
        metrics, dims, seconds = _run_split(dense, tokens, y, *split, kind, classifiers, seed, n_estimators,
                                            n_jobs, notes, where, text, logreg_only)
    return metrics, dims, seconds, notes


def _run_splits(dense, tokens, y, splits: dict[str, tuple], kind, classifiers, seed, n_estimators, n_jobs,
                notes, text, logreg_only=LOGREG_ONLY) -> list[tuple[dict, dict, dict]]:
    """:func:`_run_split` on each of ``splits`` {where: (train, test)}, in order; with
    ``n_jobs`` > 1 the splits run in that many processes at once (each forest on one core):
    the folds are independent and each one's figures do not depend on where it ran."""
    from joblib import Parallel, delayed

    args = (dense, tokens, y)
    if n_jobs > 1 and len(splits) > 1:
        done = Parallel(n_jobs=n_jobs)(
            delayed(_fit_split)(*args, split, kind, classifiers, seed, n_estimators, 1, where, text, logreg_only)
            for where, split in splits.items())
    else:
        done = [_fit_split(*args, split, kind, classifiers, seed, n_estimators, n_jobs, where, text, logreg_only)
                for where, split in splits.items()]
    for *_, split_notes in done:
        notes.extend(split_notes)
    return [(metrics, dims, seconds) for metrics, dims, seconds, _ in done]


def _summarise(per_split: list[dict], primary: str, classifiers: Sequence[str]) -> dict:
    """``{rep_clf: {mean, std, folds, <metric>_mean, <metric>_std}}`` over the splits."""
    scores = {}
    for key in per_split[0]:
        if key.rsplit("_", 1)[1] in classifiers:
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
        "metric": _primary_metric(kind),
        "n": int(n),
        "n_classes": len(classes),
        "classes": [plain(c) for c in classes],
        "dims": dims,
        "scores": scores,
        "baseline": BASELINE,
        "relative_change_pct": _relative(scores),
        "fit_seconds": seconds,
        "dropped_classes": dropped,
        "notes": notes,
    }
    if kind == "binary":
        out["positive_class"] = plain(classes[1])
    out.update(extra)
    return out


def dense_representations(vectors) -> dict[str, np.ndarray]:
    """``{name: (N, d) float array}`` from one array (named ``"mrnet"``) or a mapping."""
    named = vectors if isinstance(vectors, dict) else {"mrnet": vectors}
    out = {name: as_vectors(x) for name, x in named.items()}
    if len({x.shape[0] for x in out.values()}) > 1:
        raise ValueError(f"dense representations differ in length: { {k: v.shape for k, v in out.items()} }")
    if bad := [name for name in out if name in TEXT_REPRESENTATIONS]:
        raise ValueError(f"{bad} are fitted from the titles, not passed in")
    return out


def _check_text(text: Sequence[str]) -> tuple[str, ...]:
    text = tuple(dict.fromkeys(("tfidf", *text)))
    if bad := [t for t in text if t not in TEXT_REPRESENTATIONS]:
        raise ValueError(f"text representations must be among {TEXT_REPRESENTATIONS}, got {bad}")
    return text


def _prepare(vectors, titles, y, kind, min_count):
    """Validated, label-filtered inputs: ``(dense {name: (M, d)}, tokens (M lists), y_enc (M,),
    classes, notes, dropped)``."""
    dense = dense_representations(vectors)
    n = next(iter(dense.values())).shape[0]
    titles = list(titles)
    y = np.asarray(y, dtype=object)
    if not len(titles) == len(y) == n:
        raise ValueError(f"vectors, titles and y differ in length: {n}, {len(titles)}, {len(y)}")
    notes: list[str] = []
    rows, y_enc, classes, dropped = encode_labels(y, kind, min_count, notes)
    tokens = tokenize_many([titles[i] for i in rows])
    return {k: x[rows] for k, x in dense.items()}, tokens, y_enc, classes, notes, dropped


# ----------------------------------------------------------------------------- Table 2


def compare_on_task(vectors, titles: Sequence[str], y, kind: Kind, folds: int = 5, seed: int = 0,
                    classifiers: Sequence[str] = CLASSIFIERS, n_estimators: int | None = None,
                    n_jobs: int = 1, text: Sequence[str] = ("tfidf",),
                    logreg_only: Sequence[str] = LOGREG_ONLY) -> dict:
    """One row of the paper's Table 2: stratified ``folds``-fold CV (shuffled, ``seed``) of each
    classifier on the MRNet vectors ``(N, d)`` and on TF-IDF of ``titles`` ``(N,)`` (fitted per
    training fold), labels ``y`` ``(N,)``.  Classes with fewer than ``folds`` examples are
    dropped (see ``notes``).

    Returns ``metric`` (``roc_auc`` | ``accuracy``), ``scores[rep_clf]`` = {mean, std, folds
    (per-fold primary metric), ``<metric>_mean``/``_std`` for accuracy, roc_auc (binary) or
    macro_f1 (multi-class)}, ``dims`` {mrnet: d, tfidf: mean vocabulary size over the training
    folds, tfidf_per_fold}, ``relative_change_pct[rep_clf]`` = (mean - tfidf_logreg mean) /
    tfidf_logreg mean * 100, ``fit_seconds`` (total over folds), ``n``, ``classes``,
    ``dropped_classes``, ``notes``. The representations named in ``logreg_only`` get no forest.
    """
    check_kind(kind)
    classifiers = _check_classifiers(classifiers)
    if folds < 2:
        raise ValueError("folds must be >= 2")
    text = _check_text(text)
    dense, tokens, y_enc, classes, notes, dropped = _prepare(vectors, titles, y, kind, folds)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    splits = {f"fold {f}": split for f, split in enumerate(cv.split(np.zeros(len(y_enc)), y_enc))}
    per_fold, vocab, seconds = [], [], {}
    for m, dims, secs in _run_splits(dense, tokens, y_enc, splits, kind, classifiers, seed, n_estimators,
                                     n_jobs, notes, text, logreg_only):
        per_fold.append(m)
        vocab.append(dims["tfidf"])
        for k, s in secs.items():
            seconds[k] = seconds.get(k, 0.0) + s
    dims = {**dims, "tfidf": int(round(np.mean(vocab))), "tfidf_per_fold": vocab}
    return _result(kind, classes, len(y_enc), dims, _summarise(per_fold, _primary_metric(kind), classifiers),
                   notes, dropped, seconds, folds=folds, seed=seed)


def compare_on_split(vectors, titles: Sequence[str], y, train_idx, test_idx, kind: Kind = "binary",
                     classifiers: Sequence[str] = CLASSIFIERS, seed: int = 0,
                     n_estimators: int | None = None, n_jobs: int = 1,
                     text: Sequence[str] = ("tfidf",), logreg_only: Sequence[str] = LOGREG_ONLY) -> dict:
    """Table-2 comparison on one fixed split (e.g. from
    :func:`mrnet.evaluation.unseen.unseen_population_split`): every representation x classifier
    trained on the positions ``train_idx`` (TF-IDF fitted there) and scored on ``test_idx``.
    Same result layout as :func:`compare_on_task` with ``folds=1`` and std 0, plus n_train,
    n_test and test_class_counts; a test set with one class gives NaN AUC and a note."""
    check_kind(kind)
    classifiers = _check_classifiers(classifiers)
    text = _check_text(text)
    dense = dense_representations(vectors)
    titles = list(titles)
    y = np.asarray(y, dtype=object)
    train_idx, test_idx = np.asarray(train_idx, dtype=np.int64), np.asarray(test_idx, dtype=np.int64)
    if np.intersect1d(train_idx, test_idx).size:
        raise ValueError("train_idx and test_idx overlap")
    notes: list[str] = []
    both = np.concatenate([train_idx, test_idx])
    rows, y_enc, classes, dropped = encode_labels(y[both], kind, 1, notes)
    is_train = rows < len(train_idx)
    if len(np.unique(y_enc[is_train])) < 2:
        raise ValueError("the training part needs at least 2 classes")
    both = both[rows]
    tokens = tokenize_many([titles[i] for i in both])
    (m, dims, seconds), = _run_splits({k: x[both] for k, x in dense.items()}, tokens, y_enc,
                                      {"split": (np.flatnonzero(is_train), np.flatnonzero(~is_train))},
                                      kind, classifiers, seed, n_estimators, n_jobs, notes, text, logreg_only)
    return _result(kind, classes, len(both), dims, _summarise([m], _primary_metric(kind), classifiers),
                   notes, dropped, seconds, folds=1, seed=seed, n_train=int(is_train.sum()),
                   n_test=int((~is_train).sum()), test_class_counts=label_counts(classes[y_enc[~is_train]]))


# ----------------------------------------------------------------------------- little data


def _stratified_sample(pool: np.ndarray, y: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` sorted rows of ``pool`` without replacement, class proportions kept (largest
    remainder), every class present at least once when ``n`` allows it."""
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
                        n_estimators: int | None = None, n_jobs: int = 1,
                        text: Sequence[str] = ("tfidf",)) -> dict:
    """The "ingestible" protocol on vectors ``(N, d)``, titles and labels ``(N,)``: a fixed
    stratified held-out test set (``test_fraction``), and for each ``n`` in ``n_train``
    ``repeats`` stratified training subsets of ``n`` products from the rest; each representation
    x classifier (TF-IDF fitted on the subset only) is scored on the same test set.  Sizes larger
    than the training pool are skipped (noted).

    Returns ``metric``, ``n_test``, ``n_pool``, ``curves[rep_clf]`` = {n: [...], mean: [...],
    std: [...], repeats: [...]} (one entry per size that ran), ``runs`` (one dict per fit: n,
    repeat, key, score) and ``notes``.
    """
    check_kind(kind)
    classifiers = _check_classifiers(classifiers)
    text = _check_text(text)
    dense, tokens, y_enc, classes, notes, dropped = _prepare(vectors, titles, y, kind, 2)
    pool, test = train_test_split(np.arange(len(y_enc)), test_size=test_fraction, stratify=y_enc,
                                  random_state=seed)
    rng = np.random.default_rng(seed)
    primary = _primary_metric(kind)
    splits = {}
    for n in sorted(int(v) for v in n_train):
        if n > len(pool) or n < 2:
            notes.append(f"n_train={n} skipped: the training pool has {len(pool)} products")
            continue
        for r in range(repeats):
            sub = _stratified_sample(pool, y_enc, n, rng)
            if len(np.unique(y_enc[sub])) < 2:
                notes.append(f"n_train={n} repeat {r} skipped: one class only")
                continue
            splits[(n, r)] = (sub, test)
    done = _run_splits(dense, tokens, y_enc, {f"n={n} repeat {r}": split for (n, r), split in splits.items()},
                       kind, classifiers, seed, n_estimators, n_jobs, notes, text)
    runs = [{"n": n, "repeat": r, "key": k, "score": v[primary]}
            for (n, r), (m, _, _) in zip(splits, done) for k, v in m.items()]
    return {"kind": kind, "metric": primary,
            "n_test": len(test), "n_pool": len(pool), "curves": _curves(runs),
            "runs": runs, "classes": [plain(c) for c in classes], "dropped_classes": dropped,
            "notes": notes}


def _curves(runs: list[dict]) -> dict:
    """``{key: {n, mean, std, repeats}}``: per key, one entry per training size, ascending."""
    if not runs:
        return {}
    table = pd.DataFrame(runs).groupby(["key", "n"])["score"].agg(["mean", "std", "count"])
    out = {}
    for key, part in table.groupby(level="key"):
        part = part.droplevel("key")
        out[key] = {"n": [int(v) for v in part.index], "mean": part["mean"].tolist(),
                    "std": part["std"].fillna(0.0).tolist(), "repeats": part["count"].astype(int).tolist()}
    return out
