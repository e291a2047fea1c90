"""Vectors between Arrow and numpy: an (n, d) float32 matrix <-> an Arrow ``list<float>`` column,
through flat buffers (no Python object per row)."""
from __future__ import annotations

import numpy as np
import pyarrow as pa


def list_array(matrix: np.ndarray | None, n: int) -> pa.Array:
    """Rows of ``matrix`` as an Arrow list<float>; rows with NaN (or no matrix) are null."""
    if matrix is None:
        return pa.nulls(n, pa.list_(pa.float32()))
    valid = ~np.isnan(matrix).any(axis=1)
    lengths = np.where(valid, matrix.shape[1], 0)
    offsets = pa.array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32))
    values = pa.array(matrix[valid].ravel())
    return pa.ListArray.from_arrays(offsets, values, mask=pa.array(~valid))


def vector_matrix(column) -> np.ndarray:
    """An Arrow list column of equal-length vectors (no nulls) as an (n, d) float32 matrix."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    flat = column.flatten().to_numpy(zero_copy_only=False)
    return flat.reshape(len(column), -1).astype(np.float32, copy=False)
