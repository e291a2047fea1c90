"""Validation of the evaluation inputs shared by the protocols: dense vectors, task kinds and
sparse labels (None / NaN = unlabelled)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from mrnet.retrieval import as_matrix

__all__ = ["as_vectors", "check_kind", "encode_labels", "plain", "label_counts"]

TASK_KINDS = ("binary", "multiclass")


def as_vectors(vectors, name: str = "vectors") -> np.ndarray:
    """``vectors`` as a finite float64 matrix ``(N, d)``; raises ``ValueError`` otherwise."""
    return as_matrix(vectors, f"{name} (keep only rows whose status is ok)")


def check_kind(kind: str, allowed: tuple[str, ...] = TASK_KINDS) -> None:
    if kind not in allowed:
        raise ValueError(f"kind must be one of {allowed}, got {kind!r}")


def plain(value):
    """A numpy scalar as the matching Python scalar (JSON-able); anything else unchanged."""
    return value.item() if isinstance(value, np.generic) else value


def label_counts(values) -> dict[str, int]:
    """``{label as str: count}`` of ``values`` ``(N,)``, in sorted order."""
    vals, counts = np.unique(np.asarray(values, dtype=object).astype(str), return_counts=True)
    return {str(v): int(c) for v, c in zip(vals, counts)}


def encode_labels(y, kind: str, min_count: int,
                  notes: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """``(rows (M,), encoded (M,), classes (C,), dropped)`` for labels ``y`` ``(N,)``: the kept
    row positions, their labels encoded 0..C-1 in sorted class order, the kept classes, and
    ``{dropped class: count}``.

    Drops unlabelled rows and classes with fewer than ``min_count`` examples (each noted in
    ``notes``).  Raises ``ValueError`` when fewer than 2 classes (exactly 2 for ``binary``) are
    left."""
    y = np.asarray(y, dtype=object)
    labelled = ~pd.isna(y)
    if (~labelled).any():
        notes.append(f"{int((~labelled).sum())} unlabelled rows dropped")
    classes, inverse, counts = _unique_labels(y[labelled])
    rare = counts < min_count
    dropped = {plain(c): int(n) for c, n in zip(classes[rare], counts[rare])}
    if dropped:
        notes.append(f"{len(dropped)} classes with fewer than {min_count} examples dropped "
                     f"({int(counts[rare].sum())} rows): {sorted(dropped, key=str)[:10]}")
    keep_class = ~rare
    rows = np.flatnonzero(labelled)[keep_class[inverse]]
    remap = np.cumsum(keep_class) - 1
    encoded = remap[inverse[keep_class[inverse]]].astype(np.int64)
    classes = classes[keep_class]
    _check_class_count(len(classes), kind)
    return rows, encoded, classes, dropped


def _unique_labels(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique`` with inverse and counts; mixed label types are compared as strings."""
    try:
        return np.unique(values, return_inverse=True, return_counts=True)
    except TypeError:
        return np.unique(values.astype(str), return_inverse=True, return_counts=True)


def _check_class_count(n_classes: int, kind: str) -> None:
    if kind == "binary" and n_classes != 2:
        raise ValueError("a binary task needs exactly 2 classes (after dropping rare ones), "
                         f"got {n_classes}")
    if n_classes < 2:
        raise ValueError(f"need at least 2 classes, got {n_classes}")
