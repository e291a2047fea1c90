"""Multi-task training of one MRNet model (one product group): losses, samplers, training loop.

Plain numpy/scipy/torch; no Spark. The Spark job runs :func:`train_group` once per
(marketplace, product group) inside a task and stores ``TrainResult.model.state_for_store()``.

Loss normalisation
------------------
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
  this, a 5000-term squared error is on an arbitrary scale set by the TF-IDF norm.

With all losses ~1 at the start and 0 at perfection, the gradients that the shared BiLSTM receives
from the different tasks have comparable magnitude, whether tasks alternate (each step draws a
task uniformly) or are summed (joint optimisation), and the mean normalised validation loss is a
meaningful early-stopping score across tasks.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp
import torch
from safetensors.torch import load_file as _st_load_file
from safetensors.torch import save as _st_save
from scipy.stats import rankdata
from torch.nn import functional as F

from mrnet.model import MRNet, TaskSpec, pad_batch

__all__ = [
    "TaskData",
    "TrainSettings",
    "TrainResult",
    "TrainingInterrupted",
    "AlternatingSampler",
    "JointSampler",
    "default_loss_scale",
    "loss_scales",
    "decoding_total_variance",
    "per_sample_loss",
    "task_loss",
    "target_batch",
    "evaluate_tasks",
    "validation_losses",
    "train_group",
    "CHECKPOINT_JSON",
]

CHECKPOINT_JSON = "checkpoint.json"
_CHECKPOINT_FORMAT = "mrnet-train-checkpoint/1"


# ====================================================================== data
@dataclass
class TaskData:
    """The labelled products of one task (one product group).

    ``tokens``: one 1-d int32 array of token ids per product (ids >= 1, 0 is padding), each of
    length >= 1. ``target``: per-row label -- int64 class index (multiclass/binary, in
    [0, dim)), float32 standardised value (regression), or a ``scipy.sparse.csr_matrix`` (N, dim)
    float32 of TF-IDF weights (decoding).
    ``product_index`` (optional, int64 (N,)): the group-level product number of each row, so that
    rows of different tasks that belong to the same product can be matched (joint optimisation
    builds one batch of products and looks up each product's label in every task that has it).
    When it is None, row i is product i (all tasks are then row-aligned, e.g. fully labelled data).
    """

    tokens: list[np.ndarray]
    target: np.ndarray | sp.csr_matrix
    product_index: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.tokens)

    def products(self) -> np.ndarray:
        """Group-level product number of each row, int64 (N,)."""
        if self.product_index is None:
            return np.arange(len(self.tokens), dtype=np.int64)
        return np.asarray(self.product_index, dtype=np.int64)


def _validate_task_data(spec: TaskSpec, data: TaskData, where: str, vocab_rows: int) -> None:
    n = len(data.tokens)
    if n:
        lengths = np.fromiter((len(t) for t in data.tokens), dtype=np.int64, count=n)
        if lengths.min() < 1:
            raise ValueError(f"{where} task {spec.name!r}: empty token sequence (filter out empty titles)")
        flat = np.concatenate([np.asarray(t).ravel() for t in data.tokens])
        if flat.min() < 1 or flat.max() >= vocab_rows:
            raise ValueError(f"{where} task {spec.name!r}: token ids must be in [1, {vocab_rows - 1}]")
    rows = data.target.shape[0]
    if rows != n:
        raise ValueError(f"{where} task {spec.name!r}: {n} token rows but {rows} target rows")
    if data.product_index is not None and len(data.product_index) != n:
        raise ValueError(f"{where} task {spec.name!r}: product_index has {len(data.product_index)} rows, expected {n}")
    if spec.kind == "decoding":
        if not sp.issparse(data.target) or data.target.shape[1] != spec.dim:
            raise ValueError(f"{where} task {spec.name!r}: decoding target must be a sparse (N, {spec.dim}) matrix")
    else:
        t = np.asarray(data.target)
        if t.ndim != 1:
            raise ValueError(f"{where} task {spec.name!r}: target must be 1-d, got shape {t.shape}")
        if spec.kind in ("multiclass", "binary") and n:
            if not np.issubdtype(t.dtype, np.integer) or t.min() < 0 or t.max() >= spec.dim:
                raise ValueError(f"{where} task {spec.name!r}: class indices must be integers in [0, {spec.dim})")
        if spec.kind == "regression" and n and not np.all(np.isfinite(t)):
            raise ValueError(f"{where} task {spec.name!r}: regression target has NaN/inf")


def target_batch(spec: TaskSpec, target, idx: np.ndarray, device: str | torch.device = "cpu") -> torch.Tensor:
    """Targets of rows ``idx`` as a tensor: int64 (B,) for classification, float32 (B,) for
    regression, dense float32 (B, dim) for decoding."""
    if spec.kind == "decoding":
        dense = np.asarray(target[idx].toarray(), dtype=np.float32)
        return torch.from_numpy(dense).to(device)
    t = np.asarray(target)[idx]
    if spec.kind in ("multiclass", "binary"):
        return torch.from_numpy(t.astype(np.int64, copy=False)).to(device)
    return torch.from_numpy(t.astype(np.float32, copy=False)).to(device)


# ====================================================================== losses
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
        data = train.get(spec.name)
        if spec.kind in ("multiclass", "binary"):
            s = math.log(spec.dim)
        elif spec.kind == "regression":
            t = np.asarray(data.target, dtype=np.float64) if data is not None and len(data) else None
            s = float(t.var()) if t is not None and len(t) > 1 else 1.0
        else:
            s = decoding_total_variance(data.target) if data is not None and len(data) else 1.0
        scales[spec.name] = s if s > 1e-12 and math.isfinite(s) else 1.0
    return scales


def per_sample_loss(spec: TaskSpec, output: torch.Tensor, target: torch.Tensor, scale: float | None = None) -> torch.Tensor:
    """Normalised loss of each example, (B,).

    ``output`` is the head output (B, dim); ``target`` as from :func:`target_batch`.
    ``scale`` defaults to :func:`default_loss_scale` (it is required for decoding).
    """
    if scale is None:
        scale = default_loss_scale(spec)
    if spec.kind in ("multiclass", "binary"):
        raw = F.cross_entropy(output, target, reduction="none")
    elif spec.kind == "regression":
        raw = (output.reshape(-1) - target.reshape(-1)) ** 2
    elif spec.kind == "decoding":
        raw = ((output - target) ** 2).sum(dim=1)
    else:  # pragma: no cover - TaskSpec validates kinds
        raise ValueError(spec.kind)
    return raw / float(scale)


def task_loss(spec: TaskSpec, output: torch.Tensor, target: torch.Tensor, scale: float | None = None) -> torch.Tensor:
    """Normalised batch loss (scalar): mean of :func:`per_sample_loss`. The trivial predictor of
    the task scores ~1.0 (see the module docstring)."""
    return per_sample_loss(spec, output, target, scale).mean()


# ====================================================================== samplers
class AlternatingSampler:
    """Alternating optimisation (paper 3.1): each step picks a task uniformly at random, then a
    batch of that task's products (without replacement within the batch).

    ``task_sizes``: number of training rows per task (tasks with 0 rows are never drawn).
    The randomness of step ``s`` comes from ``np.random.default_rng([seed, s])`` only, so the
    stream is a pure function of (seed, step): a resumed run continues with exactly the batches
    an uninterrupted run would have drawn, and there is no sampler state to checkpoint.
    """

    def __init__(self, task_sizes: Mapping[str, int], batch_size: int, seed: int):
        self.task_sizes = {k: int(v) for k, v in sorted(task_sizes.items()) if int(v) > 0}
        if not self.task_sizes:
            raise ValueError("AlternatingSampler needs at least one task with training rows")
        if int(batch_size) < 1:
            raise ValueError("batch_size must be >= 1")
        self.names = list(self.task_sizes)  # sorted: stable across dict orders
        self.batch_size = int(batch_size)
        self.seed = int(seed)

    def draw(self, step: int) -> tuple[str, np.ndarray]:
        """(task name, int64 row indices of that task) for training step ``step``."""
        rng = np.random.default_rng([self.seed, int(step)])
        name = self.names[int(rng.integers(len(self.names)))]
        n = self.task_sizes[name]
        idx = rng.choice(n, size=min(self.batch_size, n), replace=False)
        return name, np.asarray(idx, dtype=np.int64)


class JointSampler:
    """Joint optimisation: each step draws a batch of products (group-level product numbers)
    from ``products`` (the union of the products that have at least one training label);
    deterministic per (seed, step) like :class:`AlternatingSampler`."""

    def __init__(self, products: np.ndarray, batch_size: int, seed: int):
        self.products = np.unique(np.asarray(products, dtype=np.int64))
        if len(self.products) == 0:
            raise ValueError("JointSampler needs at least one product")
        self.batch_size = int(batch_size)
        self.seed = int(seed)

    def draw(self, step: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, int(step)])
        n = len(self.products)
        return self.products[rng.choice(n, size=min(self.batch_size, n), replace=False)]


# ====================================================================== settings / result
@dataclass
class TrainSettings:
    """Hyper-parameters of :func:`train_group`.

    ``patience``: number of consecutive evaluations (every ``eval_every`` steps) without an
    improvement of the mean normalised validation loss after which training stops.
    ``mode``: "alternating" (paper default; one task per step) or "joint" (masked sum over the
    tasks of each product in a batch of products). ``threads``: torch intra-op threads.
    ``clip_norm``: gradient-norm clipping of each step (0 disables).
    ``valid_max_per_task``: the early-stopping score uses at most this many validation rows per
    task (a fixed random subset); the final metrics use all of them.
    """

    hidden: int = 64
    batch_size: int = 128
    lr: float = 1e-3
    max_steps: int = 2000
    eval_every: int = 200
    patience: int = 3
    checkpoint_every: int = 200
    seed: int = 0
    mode: str = "alternating"
    threads: int = 1
    device: str = "cpu"
    clip_norm: float = 5.0
    eval_batch_size: int = 1024
    valid_max_per_task: int | None = 20000

    def __post_init__(self) -> None:
        if self.mode not in ("alternating", "joint"):
            raise ValueError(f"mode must be 'alternating' or 'joint', got {self.mode!r}")
        for k in ("hidden", "batch_size", "eval_every", "checkpoint_every", "threads", "eval_batch_size"):
            if int(getattr(self, k)) < 1:
                raise ValueError(f"{k} must be >= 1")
        if self.max_steps < 0 or self.patience < 1:
            raise ValueError("max_steps must be >= 0 and patience >= 1")


@dataclass
class TrainResult:
    """Outcome of :func:`train_group`.

    ``model``: best weights (lowest mean normalised validation loss), eval mode, on CPU.
    ``steps``: last training step reached. ``seconds``: wall time of this call.
    ``samples_per_second``: training examples per second of training-step time in this call.
    ``metrics``: :func:`evaluate_tasks` on the validation data. ``history``: one dict per
    evaluation: step, train_loss {task: mean since the previous evaluation}, valid_loss
    {task: normalised}, valid_score, steps_per_second, samples_per_second.
    """

    model: MRNet
    steps: int
    seconds: float
    samples_per_second: float
    metrics: dict[str, dict]
    history: list[dict]
    best_step: int | None = None
    best_score: float | None = None
    stopped_early: bool = False
    resumed_from: int | None = None
    loss_scales: dict[str, float] = field(default_factory=dict)


class TrainingInterrupted(RuntimeError):
    """Raised by :func:`train_group` when ``stop_after_steps`` is reached (a simulated kill)."""


# ====================================================================== evaluation
def _iter_outputs(model: MRNet, task: str, tokens: Sequence[np.ndarray], rows: np.ndarray, batch_size: int):
    """Yield (row indices, head output (b, dim) on the model's device) over ``rows``, in batches
    of similar length. Caller holds no_grad/eval."""
    lengths = np.fromiter((len(tokens[i]) for i in rows), dtype=np.int64, count=len(rows))
    order = rows[np.argsort(lengths, kind="stable")]
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        tok, lens = pad_batch([tokens[i] for i in idx])
        yield idx, model(tok.to(model.device), lens, task)


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
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for spec in tasks:
                data = valid.get(spec.name)
                if data is None or len(data) == 0:
                    continue
                r = rows[spec.name] if rows is not None and spec.name in rows else np.arange(len(data))
                if len(r) == 0:
                    continue
                total = 0.0
                for idx, o in _iter_outputs(model, spec.name, data.tokens, r, batch_size):
                    y = target_batch(spec, data.target, idx, model.device)
                    total += float(per_sample_loss(spec, o, y, scales[spec.name]).sum())
                out[spec.name] = total / len(r)
    finally:
        model.train(was_training)
    return out


def _binary_auc(y: np.ndarray, score: np.ndarray) -> float:
    pos = y == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


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
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for spec in tasks:
                data = valid.get(spec.name)
                if data is None or len(data) == 0:
                    metrics[spec.name] = {"n": 0}
                    continue
                tr = train.get(spec.name)
                n = len(data)
                rows = np.arange(n)
                m: dict = {"n": n}
                loss_sum = 0.0
                if spec.kind in ("multiclass", "binary"):
                    y = np.asarray(data.target, dtype=np.int64)
                    pred = np.zeros(n, dtype=np.int64)
                    score = np.zeros(n, dtype=np.float64)
                    for idx, o in _iter_outputs(model, spec.name, data.tokens, rows, batch_size):
                        yt = torch.from_numpy(y[idx]).to(o.device)
                        loss_sum += float(per_sample_loss(spec, o, yt, scales[spec.name]).sum())
                        oc = o.float().cpu()
                        pred[idx] = oc.argmax(dim=1).numpy()
                        if spec.kind == "binary":
                            score[idx] = (oc[:, 1] - oc[:, 0]).double().numpy()
                    majority = (
                        int(np.bincount(np.asarray(tr.target, dtype=np.int64), minlength=spec.dim).argmax())
                        if tr is not None and len(tr)
                        else 0
                    )
                    m["accuracy"] = float((pred == y).mean())
                    m["baseline_accuracy"] = float((y == majority).mean())
                    m["majority_class"] = majority
                    if spec.kind == "binary":
                        m["auc"] = _binary_auc(y, score)
                elif spec.kind == "regression":
                    y = np.asarray(data.target, dtype=np.float64)
                    pred = np.zeros(n, dtype=np.float64)
                    for idx, o in _iter_outputs(model, spec.name, data.tokens, rows, batch_size):
                        pred[idx] = o.float().cpu().numpy().reshape(-1)
                    train_mean = float(np.mean(np.asarray(tr.target, dtype=np.float64))) if tr is not None and len(tr) else 0.0
                    sse = float(((pred - y) ** 2).sum())
                    sst = float(((y - y.mean()) ** 2).sum())
                    sse0 = float(((train_mean - y) ** 2).sum())
                    m["rmse"] = math.sqrt(sse / n)
                    m["r2"] = 1.0 - sse / sst if sst > 0 else float("nan")
                    m["baseline_r2"] = 1.0 - sse0 / sst if sst > 0 else float("nan")
                    loss_sum = sse / scales[spec.name]
                else:  # decoding
                    if tr is not None and len(tr):
                        mean_vec = np.asarray(tr.target.sum(axis=0), dtype=np.float64).ravel() / len(tr)
                    else:
                        mean_vec = np.zeros(spec.dim)
                    mean_t = torch.from_numpy(mean_vec.astype(np.float32))
                    sse = 0.0
                    sse0 = 0.0
                    for idx, o in _iter_outputs(model, spec.name, data.tokens, rows, batch_size):
                        yt = target_batch(spec, data.target, idx, o.device)
                        sse += float(((o - yt) ** 2).sum(dtype=torch.float64))
                        sse0 += float(((mean_t.to(o.device) - yt) ** 2).sum(dtype=torch.float64))
                    m["mse"] = sse / (n * spec.dim)
                    m["baseline_mse"] = sse0 / (n * spec.dim)
                    loss_sum = sse / scales[spec.name]
                m["loss"] = loss_sum / n
                metrics[spec.name] = m
    finally:
        model.train(was_training)
    return metrics


# ====================================================================== checkpoints
def _fsync_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _flatten_optimizer(prefix: str, opt: torch.optim.Optimizer, tensors: dict, scalars: dict) -> None:
    for pid, st in opt.state_dict()["state"].items():
        for k, v in st.items():
            key = f"{prefix}.{pid}.{k}"
            if isinstance(v, torch.Tensor):
                tensors[key] = v.detach().to("cpu").contiguous().clone()
            else:
                scalars[key] = v


def _unflatten_optimizer(prefix: str, opt: torch.optim.Optimizer, tensors: Mapping, scalars: Mapping) -> None:
    sd = opt.state_dict()
    state: dict[int, dict] = {}
    pre = prefix + "."
    for src in (tensors, scalars):
        for key, v in src.items():
            if key.startswith(pre):
                pid, k = key[len(pre) :].split(".", 1)
                state.setdefault(int(pid), {})[k] = v
    sd["state"] = state
    opt.load_state_dict(sd)


def _fingerprint(tasks, train, word_vectors: np.ndarray, s: TrainSettings) -> dict:
    wv = np.ascontiguousarray(word_vectors, dtype=np.float32)
    return {
        "tasks": [t.to_json() for t in tasks],
        "train_rows": {t.name: len(train[t.name]) if t.name in train else 0 for t in tasks},
        "word_vectors_shape": list(wv.shape),
        "word_vectors_sha1": hashlib.sha1(wv.tobytes()).hexdigest(),
        "hidden": int(s.hidden),
        "batch_size": int(s.batch_size),
        "lr": float(s.lr),
        "seed": int(s.seed),
        "mode": s.mode,
        "clip_norm": float(s.clip_norm),
    }


@dataclass
class _LoopState:
    step: int = 0
    best_score: float | None = None
    best_step: int | None = None
    bad_evals: int = 0
    last_eval_step: int = 0
    history: list = field(default_factory=list)
    running: dict = field(default_factory=dict)  # task -> [loss sum, count] since last eval
    best_weights: dict | None = None
    skipped: int = 0  # steps whose loss was not finite (no update made)


def _json_float(x):
    """float for JSON (strict: NaN/inf become None)."""
    return float(x) if x is not None and math.isfinite(x) else None


def _save_checkpoint(ckpt_dir: Path, model: MRNet, opts: Mapping[str, torch.optim.Optimizer], st: _LoopState, fingerprint: dict, finished: bool) -> None:
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict = {}
    for k, v in model.state_for_store().items():
        tensors["model." + k] = v
    if st.best_weights is not None:
        for k, v in st.best_weights.items():
            tensors["best." + k] = v.detach().to("cpu").contiguous().clone()
    for name, opt in opts.items():
        _flatten_optimizer("optim." + name, opt, tensors, scalars)
    tensors["rng.torch"] = torch.get_rng_state().clone()
    fname = f"state-{st.step:09d}.safetensors"
    _fsync_write(ckpt_dir / fname, _st_save(tensors, metadata={"format": _CHECKPOINT_FORMAT, "step": str(st.step)}))
    meta = {
        "format": _CHECKPOINT_FORMAT,
        "file": fname,
        "step": st.step,
        "best_score": st.best_score,
        "best_step": st.best_step,
        "bad_evals": st.bad_evals,
        "last_eval_step": st.last_eval_step,
        "finished": bool(finished),
        "history": st.history,
        "running": st.running,
        "skipped_steps": st.skipped,
        "optimizer_scalars": scalars,
        "fingerprint": fingerprint,
    }
    # the JSON is the commit point: it names the safetensors file that belongs to it
    _fsync_write(ckpt_dir / CHECKPOINT_JSON, json.dumps(meta, indent=1, sort_keys=True, allow_nan=False).encode())
    _fsync_dir(ckpt_dir)
    for p in ckpt_dir.glob("state-*.safetensors"):
        if p.name != fname:
            try:
                p.unlink()
            except OSError:
                pass


def _load_checkpoint(ckpt_dir: Path, model: MRNet, opts: Mapping[str, torch.optim.Optimizer], fingerprint: dict) -> _LoopState | None:
    meta_path = ckpt_dir / CHECKPOINT_JSON
    if not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text())
    if meta.get("format") != _CHECKPOINT_FORMAT:
        raise ValueError(f"{meta_path}: unknown checkpoint format {meta.get('format')!r}")
    if meta["fingerprint"] != fingerprint:
        diff = sorted(k for k in set(fingerprint) | set(meta["fingerprint"]) if fingerprint.get(k) != meta["fingerprint"].get(k))
        raise ValueError(
            f"checkpoint in {ckpt_dir} belongs to a different training run (differs in {diff}); "
            "delete it or use another checkpoint_dir"
        )
    tensors = _st_load_file(str(ckpt_dir / meta["file"]))  # safetensors only, never pickle
    model.load_store_state({k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")})
    for name, opt in opts.items():
        _unflatten_optimizer("optim." + name, opt, tensors, meta.get("optimizer_scalars", {}))
    torch.set_rng_state(tensors["rng.torch"])
    best = {k[len("best.") :]: v for k, v in tensors.items() if k.startswith("best.")}
    return _LoopState(
        step=int(meta["step"]),
        best_score=meta["best_score"],
        best_step=meta["best_step"],
        bad_evals=int(meta["bad_evals"]),
        last_eval_step=int(meta["last_eval_step"]),
        history=list(meta["history"]),
        skipped=int(meta.get("skipped_steps", 0)),
        running={k: list(v) for k, v in meta["running"].items()},
        best_weights=best or None,
    )


# ====================================================================== training
def _joint_index(tasks: Sequence[TaskSpec], train: Mapping[str, TaskData]):
    """For joint optimisation: product numbers, per-task row lookup (-1 = no label) and the
    tokens of every product (taken from the first task that has it)."""
    prods = {t.name: train[t.name].products() for t in tasks if t.name in train and len(train[t.name])}
    if not prods:
        raise ValueError("no training data")
    n_products = int(max(p.max() for p in prods.values())) + 1
    row_of: dict[str, np.ndarray] = {}
    prod_tokens: list = [None] * n_products
    for name, p in prods.items():
        if p.min() < 0:
            raise ValueError(f"task {name!r}: negative product_index")
        if len(np.unique(p)) != len(p):
            raise ValueError(f"task {name!r}: product_index has duplicates")
        r = np.full(n_products, -1, dtype=np.int64)
        r[p] = np.arange(len(p))
        row_of[name] = r
        toks = train[name].tokens
        for row, prod in enumerate(p):
            if prod_tokens[prod] is None:
                prod_tokens[prod] = toks[row]
    universe = np.unique(np.concatenate(list(prods.values())))
    return universe, row_of, prod_tokens


def _finite_or_skip(loss: torch.Tensor, step: int, st: _LoopState, log: Callable[[str], None]) -> bool:
    """True when the loss is finite; otherwise the step makes no update (so one bad batch cannot
    turn every weight and Adam moment into NaN), is counted and logged."""
    if bool(torch.isfinite(loss.detach())):
        return True
    st.skipped += 1
    log(f"[train] WARNING step {step}: non-finite loss {float(loss.detach())}; no update made ({st.skipped} so far)")
    return False


@torch.no_grad()
def init_heads_to_baseline(model: MRNet, tasks: Sequence[TaskSpec], train: Mapping[str, TaskData]) -> None:
    """Start every head at its trivial predictor: log class priors, the mean, the mean vector.

    Output weights start small, so at step 0 each head predicts its baseline and training only
    has to learn what the title adds. Without this, a 5,000-term decoding head or a rare binary
    head spends most of a short training run unlearning its random bias.
    """
    for spec in tasks:
        data = train.get(spec.name)
        if data is None or len(data) == 0:
            continue
        head = model.heads[spec.name]
        head.weight.mul_(0.1)
        if spec.kind in ("multiclass", "binary"):
            counts = np.bincount(np.asarray(data.target, dtype=np.int64), minlength=spec.dim)
            prior = (counts + 1.0) / (counts.sum() + spec.dim)
            head.bias.copy_(torch.from_numpy(np.log(prior).astype(np.float32)))
        elif spec.kind == "regression":
            head.bias.fill_(float(np.mean(np.asarray(data.target, dtype=np.float64))))
        else:
            mean = np.asarray(data.target.mean(axis=0), dtype=np.float32).ravel()
            head.bias.copy_(torch.from_numpy(mean))


def train_group(
    tasks: list[TaskSpec],
    train: dict[str, TaskData],
    valid: dict[str, TaskData],
    word_vectors: np.ndarray,
    settings: TrainSettings,
    checkpoint_dir: Path,
    log: Callable[[str], None] = print,
    stop_after_steps: int | None = None,
) -> TrainResult:
    """Train one MRNet model (one product group) and return the best weights.

    ``tasks``: the heads; ``train`` / ``valid``: :class:`TaskData` per task name (a task may be
    missing or empty in either); ``word_vectors``: (V+1, D) float32, row 0 zeros.

    Optimisation (Adam, ``settings.lr``): one optimiser for the shared BiLSTM and one per head.
    *alternating* (default): step s draws (task, rows) from :class:`AlternatingSampler`; the
    normalised loss of that task is back-propagated and only the encoder's and that head's
    optimisers step, so the other heads (and their Adam moments) stay bit-identical.
    *joint*: step s draws a batch of products (:class:`JointSampler`), encodes them once and
    minimises (1/B) * sum over products of the sum of the normalised losses of the tasks that
    product has (masked sum; Equation 3 of the paper with missing labels masked out). Products
    of different tasks are matched by ``TaskData.product_index``.

    Every ``eval_every`` steps (and at the last step) the mean normalised validation loss over
    tasks is computed; the best weights are kept and training stops after ``patience``
    evaluations without improvement. Progress is logged at each evaluation.

    Every ``checkpoint_every`` steps (and at the end) the state is written to ``checkpoint_dir``:
    ``state-<step>.safetensors`` (model, best weights, flattened Adam state, torch RNG state) and
    ``checkpoint.json`` (step, best score, patience counter, history), each atomically (tmp file +
    ``os.replace``; the JSON, written last, is the commit point). If a checkpoint exists, training
    resumes from it; because batches are a pure function of (seed, step), a resumed run ends with
    exactly the weights of an uninterrupted one (deterministic CPU ops, same thread count). A
    checkpoint of a different run (other tasks, data sizes, word vectors or hyper-parameters)
    raises ``ValueError``. Checkpoints are never unpickled.

    ``stop_after_steps``: raise :class:`TrainingInterrupted` once that step is done (simulates a
    kill; for tests).
    """
    t_call = time.perf_counter()
    settings = settings if isinstance(settings, TrainSettings) else TrainSettings(**settings)
    tasks = list(tasks)
    checkpoint_dir = Path(checkpoint_dir)
    specs = {t.name: t for t in tasks}
    word_vectors = np.asarray(word_vectors, dtype=np.float32)
    for name, data in train.items():
        if name in specs:
            _validate_task_data(specs[name], data, "train", word_vectors.shape[0])
    for name, data in valid.items():
        if name in specs:
            _validate_task_data(specs[name], data, "valid", word_vectors.shape[0])
    sizes = {t.name: len(train[t.name]) if t.name in train else 0 for t in tasks}
    if not any(sizes.values()):
        raise ValueError("train_group: no task has training rows")
    for name, n in sizes.items():
        if n == 0:
            log(f"[train] task {name}: no training rows; its head stays untrained")

    prev_threads = torch.get_num_threads()
    torch.set_num_threads(int(settings.threads))
    try:
        torch.manual_seed(int(settings.seed))
        device = torch.device(settings.device)
        model = MRNet(word_vectors, tasks, hidden=settings.hidden).to(device)
        init_heads_to_baseline(model, tasks, train)
        model.train()
        opts: dict[str, torch.optim.Optimizer] = {"encoder": torch.optim.Adam(model.encoder_parameters(), lr=settings.lr)}
        for t in tasks:
            opts["head." + t.name] = torch.optim.Adam(model.head_parameters(t.name), lr=settings.lr)
        scales = loss_scales(tasks, train)
        fingerprint = _fingerprint(tasks, train, word_vectors, settings)

        st = _load_checkpoint(checkpoint_dir, model, opts, fingerprint)
        resumed_from = None
        if st is not None:
            resumed_from = st.step
            log(f"[train] resuming from checkpoint at step {st.step} in {checkpoint_dir}")
        else:
            st = _LoopState()

        # fixed validation subset for the early-stopping score
        vrng = np.random.default_rng([int(settings.seed), 0x5EED])
        valid_rows: dict[str, np.ndarray] = {}
        for t in tasks:
            d = valid.get(t.name)
            if d is None or len(d) == 0:
                continue
            n = len(d)
            cap = settings.valid_max_per_task
            valid_rows[t.name] = np.sort(vrng.permutation(n)[:cap]) if cap is not None and n > cap else np.arange(n)

        if settings.mode == "alternating":
            sampler = AlternatingSampler(sizes, settings.batch_size, settings.seed)
        else:
            universe, row_of, prod_tokens = _joint_index(tasks, train)
            jsampler = JointSampler(universe, settings.batch_size, settings.seed)

        enc_params = model.encoder_parameters()
        train_seconds = 0.0
        samples = 0
        steps_done = 0
        log_t, log_steps, log_samples = 0.0, 0, 0
        stopped_early = st.bad_evals >= settings.patience

        def do_eval() -> None:
            nonlocal log_t, log_steps, log_samples, stopped_early
            vl = validation_losses(model, tasks, valid, scales, valid_rows, settings.eval_batch_size)
            score = float(np.mean(list(vl.values()))) if vl else None
            tl = {k: v[0] / v[1] for k, v in sorted(st.running.items()) if v[1]}
            sps = log_steps / log_t if log_t > 0 else float("nan")
            xps = log_samples / log_t if log_t > 0 else float("nan")
            improved = score is not None and math.isfinite(score) and (st.best_score is None or score < st.best_score)
            if improved or score is None:
                st.best_score, st.best_step = score, st.step
                st.best_weights = model.state_for_store()
                st.bad_evals = 0
            else:
                st.bad_evals += 1
            st.history.append(
                {
                    "step": st.step,
                    "train_loss": {k: _json_float(v) for k, v in tl.items()},
                    "valid_loss": {k: _json_float(v) for k, v in vl.items()},
                    "valid_score": _json_float(score),
                    "steps_per_second": _json_float(sps),
                    "samples_per_second": _json_float(xps),
                    "skipped_steps": st.skipped,
                }
            )
            st.running = {}
            st.last_eval_step = st.step
            fmt = lambda d: " ".join(f"{k}={v:.3f}" for k, v in d.items())  # noqa: E731
            log(
                f"[train] step {st.step}/{settings.max_steps} {sps:.1f} steps/s {xps:.0f} samples/s | "
                f"train {fmt(tl)} | valid score {score if score is None else round(score, 4)}"
                f"{' *' if improved else f' (no improvement {st.bad_evals}/{settings.patience})'} | valid {fmt(vl)}"
            )
            log_t, log_steps, log_samples = 0.0, 0, 0
            if st.bad_evals >= settings.patience:
                stopped_early = True
                log(f"[train] early stop at step {st.step}: best score {st.best_score:.4f} at step {st.best_step}")

        while st.step < settings.max_steps and not stopped_early:
            t0 = time.perf_counter()
            step = st.step + 1
            for opt in opts.values():
                opt.zero_grad(set_to_none=True)
            if settings.mode == "alternating":
                name, idx = sampler.draw(step)
                spec = specs[name]
                data = train[name]
                tok, lens = pad_batch([data.tokens[i] for i in idx])
                out = model(tok.to(device), lens, name)
                loss = task_loss(spec, out, target_batch(spec, data.target, idx, device), scales[name])
                n_batch = len(idx)
                if _finite_or_skip(loss, step, st, log):
                    loss.backward()
                    if settings.clip_norm and settings.clip_norm > 0:
                        torch.nn.utils.clip_grad_norm_(enc_params + model.head_parameters(name), settings.clip_norm)
                    opts["encoder"].step()
                    opts["head." + name].step()
                    r = st.running.setdefault(name, [0.0, 0])
                    r[0] += float(loss.detach())
                    r[1] += 1
            else:
                prods = jsampler.draw(step)
                tok, lens = pad_batch([prod_tokens[p] for p in prods])
                emb = model.encode(tok.to(device), lens)
                total = emb.new_zeros(())
                stepped = []
                for name, rows_all in row_of.items():
                    rows = rows_all[prods]
                    present = np.nonzero(rows >= 0)[0]
                    if len(present) == 0:
                        continue
                    spec = specs[name]
                    o = model.head(emb[torch.from_numpy(present).to(device)], name)
                    ps = per_sample_loss(spec, o, target_batch(spec, train[name].target, rows[present], device), scales[name])
                    total = total + ps.sum()
                    stepped.append((name, float(ps.detach().mean())))
                loss = total / len(prods)
                n_batch = len(prods)
                if _finite_or_skip(loss, step, st, log):
                    loss.backward()
                    params = list(enc_params)
                    for name, _ in stepped:
                        params += model.head_parameters(name)
                    if settings.clip_norm and settings.clip_norm > 0:
                        torch.nn.utils.clip_grad_norm_(params, settings.clip_norm)
                    opts["encoder"].step()
                    for name, task_mean in stepped:
                        opts["head." + name].step()
                        r = st.running.setdefault(name, [0.0, 0])
                        r[0] += task_mean
                        r[1] += 1
            st.step = step
            dt = time.perf_counter() - t0
            train_seconds += dt
            samples += n_batch
            steps_done += 1
            log_t += dt
            log_steps += 1
            log_samples += n_batch

            if step % settings.eval_every == 0 or step == settings.max_steps:
                do_eval()
            finishing = stopped_early or step >= settings.max_steps
            if step % settings.checkpoint_every == 0 and not finishing:
                _save_checkpoint(checkpoint_dir, model, opts, st, fingerprint, finished=False)
            if stop_after_steps is not None and step >= stop_after_steps and not finishing:
                raise TrainingInterrupted(f"stopped after step {step} (stop_after_steps={stop_after_steps})")

        if st.last_eval_step != st.step or st.best_weights is None:
            do_eval()
        _save_checkpoint(checkpoint_dir, model, opts, st, fingerprint, finished=True)

        if st.best_weights is not None:
            model.load_store_state(st.best_weights)
        model = model.to("cpu").eval()
        metrics = evaluate_tasks(model, tasks, valid, train, settings.eval_batch_size)
        seconds = time.perf_counter() - t_call
        log(
            f"[train] done: {st.step} steps ({steps_done} in this run, {samples / train_seconds if train_seconds else 0:.0f} "
            f"samples/s), best score {st.best_score} at step {st.best_step}, {seconds:.1f}s"
        )
        return TrainResult(
            model=model,
            steps=st.step,
            seconds=seconds,
            samples_per_second=samples / train_seconds if train_seconds > 0 else 0.0,
            metrics=metrics,
            history=st.history,
            best_step=st.best_step,
            best_score=st.best_score,
            stopped_early=stopped_early,
            resumed_from=resumed_from,
            loss_scales=scales,
        )
    finally:
        torch.set_num_threads(prev_threads)
