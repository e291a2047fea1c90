"""Tensor operations of the block sparse autoencoder: per-group slices of a stacked weight, and
a Gram matrix with a one-matmul backward.  Internal to :mod:`mrnet.autoencoders`."""

from __future__ import annotations

import torch

# Above this many distinct groups in one batch, _block_matmul gathers the slices and uses one
# bmm (memory B*n_in*n_out) instead of one matmul per group (memory: views only).
_LOOP_MAX_GROUPS = 64


def _block_matmul(
    x: torch.Tensor, weight: torch.Tensor, g: torch.Tensor, group_dim: int = 0
) -> torch.Tensor:
    """Row ``i`` of the result is ``x[i] @ weight[g[i]]`` (group_dim=0, weight (G, n_in,
    n_out)) or ``x[i] @ weight[:, g[i]]`` (group_dim=1, weight (n_in, G, n_out)); ``x``
    (B, n_in), ``g`` (B,) long.  Touches only the slices of the groups present in the batch:
    O(B * n_in * n_out) flops whatever G is.  Differentiable in ``x`` and ``weight`` (the
    gradient of the untouched slices is exactly zero)."""
    n_out = weight.shape[2]
    if x.shape[0] == 0:
        return x.new_zeros((0, n_out))
    uniq, counts = torch.unique(g, sorted=True, return_counts=True)
    if uniq.numel() <= _LOOP_MAX_GROUPS:
        # One matmul per group present.  The slices are gathered once with index_select and
        # split with unbind: the backward of a plain weight[k] would allocate a zero tensor of
        # the whole (G, n_in, n_out) weight per group (O(U*G*n_in*n_out)); this way the
        # backward is one stack of U slices and one index_add into the weight's gradient.
        slices = weight.index_select(group_dim, uniq).unbind(group_dim)
        if len(slices) == 1:
            return x @ slices[0]
        order = torch.argsort(g, stable=True)
        segments = torch.split(x[order], counts.tolist())
        out_sorted = torch.cat([seg @ w for seg, w in zip(segments, slices)], dim=0)
        return out_sorted[torch.argsort(order)]
    # Many groups in the batch: one bmm over the gathered per-row slices (B*n_in*n_out memory).
    per_row = weight.index_select(group_dim, g)
    if group_dim == 1:
        per_row = per_row.transpose(0, 1)
    return torch.bmm(x.unsqueeze(1), per_row).squeeze(1)


class _Gram(torch.autograd.Function):
    """``a @ a.T`` with the one-matmul backward ``(dM + dM^T) @ a`` (autograd's generic matmul
    backward would do two matmuls, one per operand, although both are ``a``).  ``a`` (n, m) ->
    (n, n)."""

    @staticmethod
    def forward(ctx, a: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(a)
        return a @ a.T

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (a,) = ctx.saved_tensors
        return (grad + grad.T) @ a


def _check_groups(g: torch.Tensor, n_groups: int, n_rows: int) -> None:
    """``g`` must be (n_rows,) with every index in [0, n_groups)."""
    if g.dim() != 1 or g.shape[0] != n_rows:
        raise ValueError(f"g must have shape ({n_rows},), got {tuple(g.shape)}")
    if n_rows and (int(g.min()) < 0 or int(g.max()) >= n_groups):
        raise ValueError(
            f"group index out of range [0, {n_groups}): min {int(g.min())}, max {int(g.max())}"
        )
