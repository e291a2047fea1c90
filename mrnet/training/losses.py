"""Normalised per-task losses: every task's trivial predictor scores ~1.0.

The paper (3.1) only says that "the losses corresponding to all the tasks are normalized such that
one task with a higher loss cannot dominate the other tasks" and that tasks alternate. We make the
scale of every task's loss comparable by dividing it by the loss of that task's *trivial
predictor* on the training set, so that a head that has learnt nothing scores ~1.0 on every task:

* classification (multiclass, binary): cross-entropy / log(num_classes) -- uniform logits give
  exactly 1.0 (a 2-way and a 50-way task are on the same scale);
* regression: MSE / Var(y_train) -- targets are standardised per PG, so Var = 1 and predicting the
  mean (0) gives ~1.0 (we still divide by the measured variance, so unstandardised targets work);
* decoding: squared error summed over the ``dim`` TF-IDF terms / total variance of the training
  targets (sum over terms of each term's variance) -- the all-means vector gives 1.0. Without
  this, a 5000-term squared error is on an arbitrary scale set by the TF-IDF norm;
* decoding with the ``softmax`` objective: cross-entropy between the title's TF-IDF weights
  taken as a distribution over the terms and the softmax of the head / the cross-entropy of
  always predicting the training titles' mean distribution (its entropy, when every title has
  a term). A squared error over thousands of mostly-zero terms gives the encoder little to
  follow once the head predicts the means; the softmax rewards putting mass on the title's own
  words, which is what a bag-of-words model (LSA) keeps.

With all losses ~1 at the start and 0 at perfection, the gradients that the shared BiLSTM receives
from the different tasks have comparable magnitude, whether tasks alternate (each step draws a
task uniformly) or are summed (joint optimisation), and the mean normalised validation loss is a
meaningful early-stopping score across tasks.

The scales are computed with numpy on the host; the losses are torch ops on the model's device.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import scipy.sparse as sp
import torch
from torch.nn import functional as F

from mrnet.model import TaskSpec
from mrnet.training.data import TaskData


def decoding_total_variance(target: sp.spmatrix | np.ndarray) -> float:
    """Total variance of a (N, dim) target matrix: sum over columns of each column's variance,
    i.e. the mean squared distance of a row to the all-means vector. Computed without densifying."""
    n = target.shape[0]
    if n == 0:
        return 1.0
    if sp.issparse(target):
        t = target.tocsr()
        sq = float(t.multiply(t).sum()) / n
        mean = np.asarray(t.sum(axis=0), dtype=np.float64).ravel() / n
    else:
        t = np.asarray(target, dtype=np.float64)
        sq = float((t * t).sum()) / n
        mean = t.mean(axis=0)
    return max(sq - float(mean @ mean), 0.0)


def term_distribution(target: torch.Tensor) -> torch.Tensor:
    """TF-IDF rows (B, dim) as distributions over the terms (rows without a term stay zero)."""
    return target / target.sum(dim=1, keepdim=True).clamp_min(1e-12)


def mean_term_distribution(target: sp.spmatrix) -> np.ndarray:
    """The mean over rows of :func:`term_distribution` (float64, (dim,)), without densifying."""
    t = sp.csr_matrix(target, dtype=np.float64)
    sums = np.asarray(t.sum(axis=1)).ravel()
    inv = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)
    return np.asarray((sp.diags(inv) @ t).sum(axis=0)).ravel() / max(t.shape[0], 1)


def softmax_decoding_baseline(target: sp.spmatrix) -> float:
    """Cross-entropy of predicting the mean term distribution for every row of ``target``."""
    mean = mean_term_distribution(target)
    return float(-(mean[mean > 0] * np.log(mean[mean > 0])).sum())


def default_loss_scale(spec: TaskSpec) -> float:
    """Normaliser that does not depend on data: log(num_classes) for classification, 1 for
    (standardised) regression. Decoding has no data-free default (see :func:`loss_scales`)."""
    if spec.kind in ("multiclass", "binary"):
        return math.log(spec.dim)
    if spec.kind == "regression":
        return 1.0
    raise ValueError(f"task {spec.name!r}: a decoding loss needs the total variance of its training targets")


def loss_scales(tasks: Sequence[TaskSpec], train: Mapping[str, TaskData]) -> dict[str, float]:
    """Per-task loss normaliser = loss of the trivial predictor on the training set:
    log(dim) (classification), Var(y_train) (regression, 1 when standardised), total variance of
    the TF-IDF targets (decoding). Degenerate (zero) variances fall back to 1."""
    scales: dict[str, float] = {}
    for spec in tasks:
        s = _trivial_loss(spec, train.get(spec.name))
        scales[spec.name] = s if s > 1e-12 and math.isfinite(s) else 1.0
    return scales


def _trivial_loss(spec: TaskSpec, data: TaskData | None) -> float:
    if spec.kind in ("multiclass", "binary"):
        return math.log(spec.dim)
    if spec.kind == "regression":
        t = np.asarray(data.target, dtype=np.float64) if data is not None and len(data) else None
        return float(t.var()) if t is not None and len(t) > 1 else 1.0
    if data is None or not len(data):
        return 1.0
    if spec.objective == "softmax":
        return softmax_decoding_baseline(data.target)
    return decoding_total_variance(data.target)


def per_sample_loss(spec: TaskSpec, output: torch.Tensor, target: torch.Tensor, scale: float | None = None) -> torch.Tensor:
    """Normalised loss of each example, (B,), on the device of ``output``.

    ``output`` is the head output (B, dim); ``target`` as from :func:`target_batch`.
    ``scale`` defaults to :func:`default_loss_scale` (it is required for decoding).
    """
    if scale is None:
        scale = default_loss_scale(spec)
    if spec.kind in ("multiclass", "binary"):
        raw = F.cross_entropy(output, target, reduction="none")
    elif spec.kind == "regression":
        raw = (output.reshape(-1) - target.reshape(-1)) ** 2
    elif spec.kind == "decoding" and spec.objective == "softmax":
        raw = -(term_distribution(target) * F.log_softmax(output, dim=1)).sum(dim=1)
    elif spec.kind == "decoding":
        raw = ((output - target) ** 2).sum(dim=1)
    else:  # pragma: no cover - TaskSpec validates kinds
        raise ValueError(spec.kind)
    return raw / float(scale)


def task_loss(spec: TaskSpec, output: torch.Tensor, target: torch.Tensor, scale: float | None = None) -> torch.Tensor:
    """Normalised batch loss (scalar): mean of :func:`per_sample_loss`. The trivial predictor of
    the task scores ~1.0 (see the module docstring)."""
    return per_sample_loss(spec, output, target, scale).mean()
