"""Validation of one MRNet model: the early-stopping score and the per-task quality metrics.

Forward passes run on the model's device (each distinct title encoded once for all its tasks, in
batches of similar length, no autograd, eval mode);
the metrics are computed on the host with numpy.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Iterator, Mapping, Sequence

import numpy as np
import torch
from scipy.stats import rankdata

from mrnet.model import MRNet, TaskSpec, pad_batch
from mrnet.training.data import TaskData, target_batch
from mrnet.training.losses import loss_scales, mean_term_distribution, per_sample_loss

Batches = Iterator[tuple[np.ndarray, torch.Tensor]]


@contextmanager
def _inference(model: MRNet) -> Iterator[None]:
    """Eval mode and no autograd inside the block; the model's train/eval mode is restored after."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        model.train(was_training)


class _EncodedProducts:
    """The validation titles' embeddings, each distinct title encoded once for all the tasks
    that label it (a group's tasks label mostly the same products: encoding per task row made a
    validation pass cost as many BiLSTM passes as there are tasks). Keyed by the token ids
    themselves, so rows of different tasks need not be matched by product. Caller holds
    :func:`_inference`."""

    def __init__(self, model: MRNet, valid: Mapping[str, TaskData], rows: Mapping[str, np.ndarray],
                 batch_size: int):
        position: dict[bytes, int] = {}
        tokens: list[np.ndarray] = []
        self.positions: dict[str, np.ndarray] = {}      # task -> matrix row of each validation row
        for name, r in rows.items():
            task_tokens, at = valid[name].tokens, np.zeros(len(valid[name]), np.int64)
            for i in r:
                key = np.asarray(task_tokens[i], np.int64).tobytes()
                if key not in position:
                    position[key] = len(tokens)
                    tokens.append(task_tokens[i])
                at[i] = position[key]
            self.positions[name] = at
        lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
        order = np.argsort(lengths, kind="stable")
        self.matrix = torch.zeros(len(tokens), model.embedding_dim, device=model.device)
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            tok, lens = pad_batch([tokens[i] for i in idx])
            self.matrix[torch.from_numpy(idx).to(model.device)] = model.encode(tok.to(model.device), lens)

    def of(self, task: str, idx: np.ndarray) -> torch.Tensor:
        return self.matrix[torch.from_numpy(self.positions[task][idx]).to(self.matrix.device)]


def _task_rows(tasks: Sequence[TaskSpec], valid: Mapping[str, TaskData],
               rows: Mapping[str, np.ndarray] | None) -> dict[str, np.ndarray]:
    """The validation rows of each task that has some (``rows`` of it, or all)."""
    out = {}
    for spec in tasks:
        data = valid.get(spec.name)
        if data is None or len(data) == 0:
            continue
        r = rows[spec.name] if rows is not None and spec.name in rows else np.arange(len(data))
        if len(r):
            out[spec.name] = np.asarray(r)
    return out


def _iter_outputs(model: MRNet, task: str, rows: np.ndarray, batch_size: int,
                  encoded: _EncodedProducts) -> Batches:
    """Yield (row indices (b,), head output (b, dim) on the model's device) over ``rows``, in
    batches. Caller holds :func:`_inference`."""
    for start in range(0, len(rows), batch_size):
        idx = rows[start : start + batch_size]
        yield idx, model.head(encoded.of(task, idx), task)


def validation_losses(
    model: MRNet,
    tasks: Sequence[TaskSpec],
    valid: Mapping[str, TaskData],
    scales: Mapping[str, float],
    rows: Mapping[str, np.ndarray] | None = None,
    batch_size: int = 1024,
) -> dict[str, float]:
    """Mean normalised loss per task over ``valid`` (or over the given ``rows`` of each task);
    tasks without validation rows are left out."""
    out: dict[str, float] = {}
    task_rows = _task_rows(tasks, valid, rows)
    specs = {spec.name: spec for spec in tasks}
    with _inference(model):
        encoded = _EncodedProducts(model, valid, task_rows, batch_size)
        for name, r in task_rows.items():
            spec, data, total = specs[name], valid[name], 0.0
            for idx, o in _iter_outputs(model, name, r, batch_size, encoded):
                y = target_batch(spec, data.target, idx, model.device)
                total += float(per_sample_loss(spec, o, y, scales[name]).sum())
            out[name] = total / len(r)
    return out


def evaluate_tasks(
    model: MRNet,
    tasks: Sequence[TaskSpec],
    valid: Mapping[str, TaskData],
    train: Mapping[str, TaskData],
    batch_size: int = 1024,
) -> dict[str, dict]:
    """Per-task quality on ``valid``, with baselines fitted on ``train``.

    * multiclass / binary: ``accuracy``, ``baseline_accuracy`` (always the majority class of
      train); binary also ``auc`` (score = logit of class 1 minus logit of class 0) -- NaN when
      valid has one class only;
    * regression: ``rmse``, ``r2`` (1 - SSE / total sum of squares around the valid mean),
      ``baseline_r2`` (r2 of always predicting the train mean, ~0 for standardised targets);
    * decoding: ``mse`` (mean over products and terms), ``baseline_mse`` (always predicting the
      train all-means vector).
    Every task also gets ``n`` (validation rows) and ``loss`` (normalised, as in training).
    Tasks without validation rows get ``{"n": 0}``.
    """
    scales = loss_scales(tasks, train)
    metrics: dict[str, dict] = {}
    task_rows = _task_rows(tasks, valid, None)
    with _inference(model):
        encoded = _EncodedProducts(model, valid, task_rows, batch_size)
        for spec in tasks:
            data = valid.get(spec.name)
            if spec.name not in task_rows:
                metrics[spec.name] = {"n": 0}
                continue
            n = len(data)
            batches = _iter_outputs(model, spec.name, task_rows[spec.name], batch_size, encoded)
            kind_metrics = _KIND_METRICS[spec.kind]
            m, loss_sum = kind_metrics(spec, data, _rows_or_none(train.get(spec.name)), batches, scales[spec.name])
            metrics[spec.name] = {"n": n, **m, "loss": loss_sum / n}
    return metrics


def _rows_or_none(data: TaskData | None) -> TaskData | None:
    return data if data is not None and len(data) else None


def _classification_metrics(spec: TaskSpec, data: TaskData, tr: TaskData | None, batches: Batches, scale: float):
    """Accuracy (and AUC for binary) against the train majority class; returns (metrics, loss sum)."""
    y = np.asarray(data.target, dtype=np.int64)
    n = len(data)
    pred = np.zeros(n, dtype=np.int64)
    score = np.zeros(n, dtype=np.float64)
    loss_sum = 0.0
    for idx, o in batches:
        yt = torch.from_numpy(y[idx]).to(o.device)
        loss_sum += float(per_sample_loss(spec, o, yt, scale).sum())
        oc = o.float().cpu()
        pred[idx] = oc.argmax(dim=1).numpy()
        if spec.kind == "binary":
            score[idx] = (oc[:, 1] - oc[:, 0]).double().numpy()
    majority = int(np.bincount(np.asarray(tr.target, dtype=np.int64), minlength=spec.dim).argmax()) if tr is not None else 0
    m = {
        "accuracy": float((pred == y).mean()),
        "baseline_accuracy": float((y == majority).mean()),
        "majority_class": majority,
    }
    if spec.kind == "binary":
        m["auc"] = _binary_auc(y, score)
    return m, loss_sum


def _regression_metrics(spec: TaskSpec, data: TaskData, tr: TaskData | None, batches: Batches, scale: float):
    """RMSE and r2 against the train mean; returns (metrics, loss sum)."""
    y = np.asarray(data.target, dtype=np.float64)
    n = len(data)
    pred = np.zeros(n, dtype=np.float64)
    for idx, o in batches:
        pred[idx] = o.float().cpu().numpy().reshape(-1)
    train_mean = float(np.mean(np.asarray(tr.target, dtype=np.float64))) if tr is not None else 0.0
    sse = float(((pred - y) ** 2).sum())
    sst = float(((y - y.mean()) ** 2).sum())
    sse0 = float(((train_mean - y) ** 2).sum())
    m = {
        "rmse": math.sqrt(sse / n),
        "r2": 1.0 - sse / sst if sst > 0 else float("nan"),
        "baseline_r2": 1.0 - sse0 / sst if sst > 0 else float("nan"),
    }
    return m, sse / scale


def _decoding_metrics(spec: TaskSpec, data: TaskData, tr: TaskData | None, batches: Batches, scale: float):
    """MSE per term against the train all-means vector (softmax objective: cross-entropy against
    the train mean term distribution); returns (metrics, loss sum)."""
    if spec.objective == "softmax":
        return _softmax_decoding_metrics(spec, data, tr, batches, scale)
    n = len(data)
    mean_vec = np.asarray(tr.target.sum(axis=0), dtype=np.float64).ravel() / len(tr) if tr is not None else np.zeros(spec.dim)
    mean_t = torch.from_numpy(mean_vec.astype(np.float32))
    sse = 0.0
    sse0 = 0.0
    for idx, o in batches:
        yt = target_batch(spec, data.target, idx, o.device)
        sse += float(((o - yt) ** 2).sum(dtype=torch.float64))
        sse0 += float(((mean_t.to(o.device) - yt) ** 2).sum(dtype=torch.float64))
    m = {"mse": sse / (n * spec.dim), "baseline_mse": sse0 / (n * spec.dim)}
    return m, sse / scale


def _softmax_decoding_metrics(spec: TaskSpec, data: TaskData, tr: TaskData | None, batches: Batches,
                              scale: float):
    n = len(data)
    mean = mean_term_distribution(tr.target) if tr is not None else np.full(spec.dim, 1.0 / spec.dim)
    log_mean = torch.from_numpy(np.log(mean + 1e-12).astype(np.float32))
    ce = ce0 = 0.0
    for idx, o in batches:
        yt = target_batch(spec, data.target, idx, o.device)
        ce += float(per_sample_loss(spec, o.float(), yt, 1.0).sum(dtype=torch.float64))
        ce0 += float(per_sample_loss(spec, log_mean.to(o.device).expand_as(o), yt, 1.0).sum(dtype=torch.float64))
    return {"cross_entropy": ce / n, "baseline_cross_entropy": ce0 / n}, ce / scale


_KIND_METRICS = {
    "multiclass": _classification_metrics,
    "binary": _classification_metrics,
    "regression": _regression_metrics,
    "decoding": _decoding_metrics,
}


def _binary_auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve of ``score`` for labels ``y`` in {0, 1} (rank formula, ties
    averaged); NaN when one class is absent."""
    pos = y == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
