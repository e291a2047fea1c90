"""PNG figures of the evaluation report (matplotlib, Agg canvas; runs on the driver).

Every function draws on its own :class:`matplotlib.figure.Figure` with an explicit Agg canvas,
so nothing touches pyplot's global state or the backend a notebook has chosen; each writes one
PNG (parent folders created) and returns its path.

* :func:`table2_bars` -- grouped bars of
  :func:`mrnet.evaluation.classifiers.compare_on_task` results.
* :func:`projection` -- 2-D PCA (or t-SNE) of embeddings coloured by product group.
* :func:`training_curves` -- validation score per group and per-task validation loss.
* :func:`small_data_curve` -- :func:`mrnet.evaluation.classifiers.small_training_data`
  learning curves.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mrnet.evaluation.table2 import result_columns

__all__ = ["table2_bars", "projection", "training_curves", "small_data_curve"]

_MAX_LEGEND = 20


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path) -> str:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", bbox_inches="tight")
    return str(path)


def _number(v) -> float:
    return float("nan") if v is None else float(v)


def table2_bars(results: dict[str, dict], path) -> str:
    """Grouped bars: one group per task (labelled with its metric), one bar per representation
    x classifier (mean, whiskers = std over folds)."""
    tasks = list(results)
    series = result_columns(results.values())
    fig = _figure(max(6.0, 1.6 * len(tasks) + 2), 4.5)
    ax = fig.add_subplot(1, 1, 1)
    width = 0.8 / max(len(series), 1)
    x = np.arange(len(tasks))
    for i, (key, name) in enumerate(series):
        means = [results[t]["scores"].get(key, {}).get("mean", np.nan) for t in tasks]
        stds = [results[t]["scores"].get(key, {}).get("std", 0.0) for t in tasks]
        ax.bar(x + (i - (len(series) - 1) / 2) * width, means, width, yerr=stds, capsize=2, label=name)
    ax.set_xticks(x)
    ax.set_xticklabels([f"{t}\n({results[t]['metric']})" for t in tasks])
    lows = [s["mean"] - s.get("std", 0) for r in results.values() for s in r["scores"].values()
            if math.isfinite(s["mean"])]
    ax.set_ylim(max(0.0, min(lows, default=0.0) - 0.1), 1.0)
    ax.set_ylabel("score (mean over folds)")
    ax.set_title("MRNet-Product2Vec vs TF-IDF (Table 2)")
    ax.legend(loc="lower right", fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def _pca_2d(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xc = x - x.mean(0)
    _, s, vt = np.linalg.svd(xc, full_matrices=False)
    var = s**2
    share = var[:2] / var.sum() if var.sum() > 0 else np.zeros(2)
    out = xc @ vt[:2].T
    if out.shape[1] < 2:  # one-dimensional input
        out = np.column_stack([out, np.zeros(len(out))])
    return out, share


def _subsample(x: np.ndarray, labels: np.ndarray, cap: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``cap`` random rows of ``x`` ``(N, d)`` and ``labels`` ``(N,)``, in row order."""
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(x), size=cap, replace=False)) if len(x) > cap else np.arange(len(x))
    return x[rows], labels[rows]


def _project_2d(x: np.ndarray, method: str, seed: int) -> tuple[np.ndarray, tuple[str, str]]:
    """``(xy (n, 2), axis labels)`` of ``x`` ``(n, d)`` by PCA or t-SNE."""
    if method == "pca":
        xy, share = _pca_2d(x)
        return xy, (f"PC1 ({share[0]:.0%})", f"PC2 ({share[1]:.0%})")
    if method == "tsne":
        from sklearn.manifold import TSNE

        xy = TSNE(n_components=2, random_state=seed, init="pca",
                  perplexity=min(30.0, max(2.0, (len(x) - 1) / 3))).fit_transform(x)
        return xy, ("t-SNE 1", "t-SNE 2")
    raise ValueError(f"method must be 'pca' or 'tsne', got {method!r}")


def _scatter_by_label(ax, xy: np.ndarray, labels: np.ndarray) -> None:
    """One colour per frequent label of ``labels`` ``(n,)``, the rest grey "other"."""
    names, counts = np.unique(labels, return_counts=True)
    order = names[np.argsort(-counts, kind="stable")]
    shown = order[: _MAX_LEGEND - 1] if len(order) > _MAX_LEGEND else order
    other = ~np.isin(labels, shown)
    if other.any():
        ax.scatter(xy[other, 0], xy[other, 1], s=4, c="lightgrey", label=f"other ({len(order) - len(shown)})")
    cmap = matplotlib.colormaps["tab10" if len(shown) <= 10 else "tab20"]
    for i, name in enumerate(shown):
        m = labels == name
        ax.scatter(xy[m, 0], xy[m, 1], s=5, color=cmap(i % cmap.N), alpha=0.8,
                   label=f"{name} ({int(m.sum())})")


def projection(vectors, labels, path, title: str = "Embeddings", max_points: int = 5000, seed: int = 0,
               method: str = "pca") -> str:
    """2-D projection of ``vectors`` ``(N, d)`` coloured by ``labels`` ``(N,)`` (product group).

    At most ``max_points`` random points are drawn (``seed``).  ``method``: ``pca`` (exact, via
    SVD) or ``tsne`` (sklearn, on at most 3,000 of them: slower).  The ``_MAX_LEGEND - 1`` most
    frequent labels get their own colour and legend entry, the rest are grey "other"."""
    x = np.asarray(vectors, dtype=np.float64)
    labels = np.asarray(labels, dtype=object).astype(str)
    if x.ndim != 2 or len(x) != len(labels) or len(x) < 2:
        raise ValueError("need vectors (N >= 2, d) and N labels")
    x, labels = _subsample(x, labels, min(max_points, 3000) if method == "tsne" else max_points, seed)
    xy, axes = _project_2d(x, method, seed)
    fig = _figure(8.5, 6.5)
    ax = fig.add_subplot(1, 1, 1)
    _scatter_by_label(ax, xy, labels)
    ax.set_xlabel(axes[0])
    ax.set_ylabel(axes[1])
    ax.set_title(f"{title} — {method.upper()}, {len(x)} products")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small", markerscale=3, frameon=False)
    return _save(fig, path)


def training_curves(histories: dict[str, list[dict]], path, group: str | None = None) -> str:
    """Left: ``valid_score`` over training steps, one line per group.  Right: the per-task
    validation loss of ``group`` (default: the first group with a history).  Each history entry
    has ``step``, ``valid_score``, ``train_loss`` {task: float}, ``valid_loss`` {task: float}
    (as :class:`mrnet.multitask.TrainResult` writes it); None values are gaps."""
    fig = _figure(13.0, 4.8)
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    for name, hist in histories.items():
        if hist:
            left.plot([h["step"] for h in hist], [_number(h.get("valid_score")) for h in hist],
                      marker=".", label=name)
    left.set_xlabel("step")
    left.set_ylabel("valid score (mean normalised loss, lower is better)")
    left.set_title("Validation score per group")
    if len(histories) <= _MAX_LEGEND:
        left.legend(fontsize="small")
    group = group if group is not None else next((g for g, h in histories.items() if h), None)
    hist = histories.get(group) or []
    tasks = sorted({t for h in hist for t in (h.get("valid_loss") or {})})
    for task in tasks:
        right.plot([h["step"] for h in hist], [_number((h.get("valid_loss") or {}).get(task)) for h in hist],
                   marker=".", label=task)
    right.set_xlabel("step")
    right.set_ylabel("valid loss (normalised)")
    right.set_title(f"Per-task validation loss: {group}")
    if tasks:
        right.legend(fontsize="x-small", ncol=2)
    for ax in (left, right):
        ax.grid(alpha=0.3)
    return _save(fig, path)


def small_data_curve(result: dict, path, title: str = "Small training data") -> str:
    """Mean score (band = std over repeats) against the training-set size, log x axis, one line
    per representation x classifier of a
    :func:`mrnet.evaluation.classifiers.small_training_data` result."""
    fig = _figure(7.0, 4.8)
    ax = fig.add_subplot(1, 1, 1)
    names = dict(result_columns([result]))
    for key, curve in result["curves"].items():
        n = np.asarray(curve["n"], dtype=float)
        mean, std = np.asarray(curve["mean"], dtype=float), np.asarray(curve["std"], dtype=float)
        line = ax.plot(n, mean, marker="o", label=names.get(key, key))[0]
        ax.fill_between(n, mean - std, mean + std, color=line.get_color(), alpha=0.2)
    if result["curves"]:
        ax.set_xscale("log")
    ax.set_xlabel("training products")
    ax.set_ylabel(f"{result['metric']} on {result['n_test']} held-out products")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return _save(fig, path)
