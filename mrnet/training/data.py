"""The labelled rows of each task and their conversion to tensors.

Plain numpy/scipy/torch; no Spark. Runs wherever :func:`mrnet.training.train_group` runs: a
Spark task on an executor, a test or a notebook.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import scipy.sparse as sp
import torch

from mrnet.model import TaskSpec


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


def validate_task_data(spec: TaskSpec, data: TaskData, where: str, vocab_rows: int) -> None:
    """Raise ``ValueError`` naming ``where`` ("train"/"valid") and the task when ``data`` does not
    fit ``spec`` or a vocabulary of ``vocab_rows`` rows (token ids in [1, vocab_rows))."""
    n = len(data.tokens)
    if n:
        _validate_tokens(spec, data.tokens, where, vocab_rows)
    rows = data.target.shape[0]
    if rows != n:
        raise ValueError(f"{where} task {spec.name!r}: {n} token rows but {rows} target rows")
    if data.product_index is not None and len(data.product_index) != n:
        raise ValueError(f"{where} task {spec.name!r}: product_index has {len(data.product_index)} rows, expected {n}")
    if spec.kind == "decoding":
        if not sp.issparse(data.target) or data.target.shape[1] != spec.dim:
            raise ValueError(f"{where} task {spec.name!r}: decoding target must be a sparse (N, {spec.dim}) matrix")
    else:
        _validate_dense_target(spec, np.asarray(data.target), n, where)


def _validate_tokens(spec: TaskSpec, tokens: Sequence[np.ndarray], where: str, vocab_rows: int) -> None:
    lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
    if lengths.min() < 1:
        raise ValueError(f"{where} task {spec.name!r}: empty token sequence (filter out empty titles)")
    flat = np.concatenate([np.asarray(t).ravel() for t in tokens])
    if flat.min() < 1 or flat.max() >= vocab_rows:
        raise ValueError(f"{where} task {spec.name!r}: token ids must be in [1, {vocab_rows - 1}]")


def _validate_dense_target(spec: TaskSpec, t: np.ndarray, n: int, where: str) -> None:
    if t.ndim != 1:
        raise ValueError(f"{where} task {spec.name!r}: target must be 1-d, got shape {t.shape}")
    if spec.kind in ("multiclass", "binary") and n:
        if not np.issubdtype(t.dtype, np.integer) or t.min() < 0 or t.max() >= spec.dim:
            raise ValueError(f"{where} task {spec.name!r}: class indices must be integers in [0, {spec.dim})")
    if spec.kind == "regression" and n and not np.all(np.isfinite(t)):
        raise ValueError(f"{where} task {spec.name!r}: regression target has NaN/inf")


def validate_inputs(
    tasks: Sequence[TaskSpec],
    train: Mapping[str, TaskData],
    valid: Mapping[str, TaskData],
    vocab_rows: int,
) -> dict[str, int]:
    """Validate every task's train and valid data (entries of unknown tasks are ignored) and
    return the number of training rows per task (0 where a task has none)."""
    specs = {t.name: t for t in tasks}
    for where, split in (("train", train), ("valid", valid)):
        for name, data in split.items():
            if name in specs:
                validate_task_data(specs[name], data, where, vocab_rows)
    return {t.name: len(train[t.name]) if t.name in train else 0 for t in tasks}


def target_batch(spec: TaskSpec, target, idx: np.ndarray, device: str | torch.device = "cpu") -> torch.Tensor:
    """Targets of rows ``idx`` as a tensor on ``device``: int64 (B,) for classification, float32
    (B,) for regression, dense float32 (B, dim) for decoding."""
    if spec.kind == "decoding":
        dense = np.asarray(target[idx].toarray(), dtype=np.float32)
        return torch.from_numpy(dense).to(device)
    t = np.asarray(target)[idx]
    if spec.kind in ("multiclass", "binary"):
        return torch.from_numpy(t.astype(np.int64, copy=False)).to(device)
    return torch.from_numpy(t.astype(np.float32, copy=False)).to(device)
