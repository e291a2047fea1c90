"""The two autoencoders of MRNet-Product2Vec (paper 3.2 and 5; DESIGN.md steps 5 and 6).

* :class:`BlockSparseAutoencoder` -- Ng's sparse autoencoder (CS294A notes) that maps the
  G per-product-group (PG) embeddings to one PG-agnostic space.  A product of group ``g`` with
  PG-specific vector ``x`` (``block_dim`` = 128) is, in the paper, the G*128 vector ``x_full``
  with ``x`` in block ``g`` and zeros elsewhere.  The hidden layer
  ``h = sigmoid(W1 x_full + b1)`` is the PG-agnostic embedding; a linear decoder reconstructs
  ``x_full`` (Ng's "linear decoder" variant: the targets are real-valued embeddings, not
  intensities in [0, 1], so a sigmoid output layer would be wrong).  ``x_full`` is never built:

  - **input side**: ``W1 x_full = W1[g] x``, so :meth:`BlockSparseAutoencoder.encode` only
    multiplies by block ``g``'s (128, hidden) slice: O(B*128*hidden) whatever G is.
  - **reconstruction side** (exact, see :meth:`BlockSparseAutoencoder.reconstruction_sse`):
    the target is the whole G*128 vector, so every output block has an error term -- the
    zeros outside block ``g`` are part of the target.  The decoder is ``A`` (hidden, G*128),
    block k being ``A_k = W2[:, k, :]``, with output block ``y_k = A_k^T h + b2[k]``::

        ||y - x_full||^2 = ||y_g - x||^2 + sum_{k != g} ||y_k||^2
        sum_k ||y_k||^2  = h^T M h + 2 h^T v + c,   M = A A^T = sum_k A_k A_k^T  (hidden x hidden)
                                                    v = A b2,   c = ||b2||^2
        sum_{k != g} ||y_k||^2 = (h^T M h + 2 h^T v + c) - ||y_g||^2

    Cost decision -- the Gram form, exact.  ``M`` (hidden x hidden) is formed once per step
    in G*128*hidden^2 multiply-adds and its weight gradient ``(dM + dM^T) A`` costs the same
    again (one matmul, see ``_Gram``); everything per product is O(B*hidden^2 + B*128*hidden).
    The naive dense decoder costs 3*B*G*128*hidden (forward, grad of h, grad of the weights)
    and O(B*G*128) memory.  So the Gram form is 2/3 of the naive cost at B == hidden, cheaper
    still for larger batches (its cost does not depend on B), and never allocates anything of
    size B*G*128 (extra memory: one hidden x hidden matrix).  No exact method can do much
    better: every decoder weight has a non-zero gradient for every product (its target is 0
    outside block g), so an exact step is O(G*128*hidden*min(B, hidden)).  (An unbiased
    sampled estimate of the off-block term would be cheaper but is not the paper's objective;
    the parameters and Adam's state are O(G*128*hidden) anyway.)  Train with batches of at
    least ``hidden`` products (e.g. 512-1024) to amortise M.  The decoder is stored as
    (hidden, G, 128) so that ``A`` is a free view (no copy per step).  The subtraction loses
    about float32 eps * ||y_g||^2 in absolute terms (measured: ~2e-6 relative per product at
    G=23, hidden=256); the off-block term is clamped at 0 (it is a sum of squares).

* :class:`MultimodalAutoencoder` -- the bimodal autoencoder of paper section 5 (after Ngiam et
  al. 2011): input ``[x_a ; x_b]``, one hidden layer, output ``[x_a ; x_b]``, trained on the
  three kinds of input ``(a, b)``, ``(a, 0)``, ``(0, b)``, each reconstructing ``(a, b)``.

Both models serialise as a safetensors state dict plus a JSON-able config
(:meth:`config` / :meth:`from_config`; :func:`save_autoencoder` / :func:`load_autoencoder`
write one ``.safetensors`` file whose metadata carries the config).  Nothing is pickled.

Everything here takes numpy / torch inputs only; the Spark jobs that stream batches from Delta
tables call these functions with a callable returning a fresh batch iterator per epoch.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

import numpy as np
import torch
from torch import nn

__all__ = [
    "BlockSparseAutoencoder",
    "SparseAESettings",
    "sparse_ae_loss",
    "kl_sparsity",
    "train_sparse_ae",
    "evaluate_sparse_ae",
    "MultimodalAutoencoder",
    "MultimodalSettings",
    "multimodal_loss",
    "train_multimodal_ae",
    "save_autoencoder",
    "load_autoencoder",
    "model_from_config",
    "settings_dict",
]

FORMAT_VERSION = 1
_SPARSE_KIND = "block_sparse_autoencoder"
_MULTIMODAL_KIND = "multimodal_autoencoder"

# Above this many distinct groups in one batch, _block_matmul gathers the slices and uses one
# bmm (memory B*n_in*n_out) instead of one matmul per group (memory: views only).
_LOOP_MAX_GROUPS = 64

BatchSource = Callable[[], Iterable[tuple[np.ndarray, np.ndarray]]]
Log = Callable[[str], Any]


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------


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
    backward would do two matmuls, one per operand, although both are ``a``)."""

    @staticmethod
    def forward(ctx, a: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(a)
        return a @ a.T

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (a,) = ctx.saved_tensors
        return (grad + grad.T) @ a


def _to_tensor(a: Any, dtype: torch.dtype = torch.float32, device: Any = None) -> torch.Tensor:
    if isinstance(a, torch.Tensor):
        return a.to(dtype=dtype, device=device)
    arr = np.asarray(a)
    if not arr.flags.writeable:  # e.g. np.broadcast_to views; torch wants writable memory
        arr = arr.copy()
    return torch.as_tensor(arr, dtype=dtype, device=device)


def _check_groups(g: torch.Tensor, n_groups: int, n_rows: int) -> None:
    if g.dim() != 1 or g.shape[0] != n_rows:
        raise ValueError(f"g must have shape ({n_rows},), got {tuple(g.shape)}")
    if n_rows and (int(g.min()) < 0 or int(g.max()) >= n_groups):
        raise ValueError(
            f"group index out of range [0, {n_groups}): min {int(g.min())}, max {int(g.max())}"
        )


def _uniform_(t: torch.Tensor, bound: float, generator: torch.Generator) -> None:
    with torch.no_grad():
        t.copy_((torch.rand(t.shape, generator=generator, dtype=t.dtype) * 2 - 1) * bound)


class _Threads:
    """Set torch's intra-op thread count for a block and restore it afterwards."""

    def __init__(self, n: int | None):
        self.n = n
        self.prev = None

    def __enter__(self):
        if self.n:
            self.prev = torch.get_num_threads()
            torch.set_num_threads(int(self.n))
        return self

    def __exit__(self, *exc):
        if self.prev is not None:
            torch.set_num_threads(self.prev)
        return False


# ----------------------------------------------------------------------------------------------
# PG-agnostic: block sparse autoencoder
# ----------------------------------------------------------------------------------------------


class BlockSparseAutoencoder(nn.Module):
    """Ng's sparse autoencoder over block-one-hot inputs of ``n_groups`` blocks of
    ``block_dim``, with ``hidden`` sigmoid units and a linear decoder (see the module doc).

    Parameters: ``W1`` (G, block_dim, hidden), ``b1`` (hidden,), ``W2`` (hidden, G,
    block_dim), ``b2`` (G, block_dim).  ``W1[g]`` is block ``g``'s slice of the paper's
    (G*block_dim) x hidden encoder; ``W2[:, g]`` the decoder's weights of output block ``g``
    (``W2.reshape(hidden, G*block_dim)`` is the paper's hidden -> G*block_dim decoder).
    ``rho`` is the sparsity target the model was trained for (kept for reporting).
    """

    def __init__(
        self,
        n_groups: int,
        block_dim: int = 128,
        hidden: int = 256,
        rho: float = 0.05,
        seed: int = 0,
    ):
        super().__init__()
        if n_groups < 1 or block_dim < 1 or hidden < 1:
            raise ValueError("n_groups, block_dim and hidden must be positive")
        self.n_groups = int(n_groups)
        self.block_dim = int(block_dim)
        self.hidden = int(hidden)
        self.rho = float(rho)
        self.W1 = nn.Parameter(torch.empty(self.n_groups, self.block_dim, self.hidden))
        self.b1 = nn.Parameter(torch.zeros(self.hidden))
        self.W2 = nn.Parameter(torch.empty(self.hidden, self.n_groups, self.block_dim))
        self.b2 = nn.Parameter(torch.zeros(self.n_groups, self.block_dim))
        self.reset_parameters(seed)

    def reset_parameters(self, seed: int = 0) -> None:
        """Ng's initialisation, uniform in +-sqrt(6 / (fan_in + fan_out + 1)), with the fan-in
        of one block (128), not of the whole G*128 input: only one block is ever non-zero, so
        the pre-activation scale must not shrink as G grows.  Biases start at zero."""
        gen = torch.Generator().manual_seed(int(seed))
        bound = math.sqrt(6.0 / (self.block_dim + self.hidden + 1))
        _uniform_(self.W1, bound, gen)
        _uniform_(self.W2, bound, gen)
        with torch.no_grad():
            self.b1.zero_()
            self.b2.zero_()

    # -- forward pieces ------------------------------------------------------------------------

    def encode(self, x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        """PG-agnostic embedding ``sigmoid(W1[g]^T x + b1)``: ``x`` (B, block_dim) float,
        ``g`` (B,) long -> (B, hidden).  Uses only the slices ``W1[g]`` of the groups present."""
        if x.dim() != 2 or x.shape[1] != self.block_dim:
            raise ValueError(f"x must have shape (B, {self.block_dim}), got {tuple(x.shape)}")
        g = g.to(device=x.device, dtype=torch.long)
        _check_groups(g, self.n_groups, x.shape[0])
        return torch.sigmoid(_block_matmul(x, self.W1, g) + self.b1)

    def decode_block(self, h: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        """Output block ``g`` of the reconstruction: ``W2[:, g]^T h + b2[g]`` -> (B, block_dim)."""
        g = g.to(device=h.device, dtype=torch.long)
        return _block_matmul(h, self.W2, g, group_dim=1) + self.b2[g]

    def decode_full(self, h: torch.Tensor) -> torch.Tensor:
        """The whole (B, G*block_dim) reconstruction.  Materialises B*G*block_dim numbers: for
        diagnostics and tests on small G only; training and evaluation never call it."""
        return h @ self.W2.reshape(self.hidden, -1) + self.b2.reshape(-1)

    def dense_input(self, x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        """The paper's (B, G*block_dim) block-one-hot input; for tests on small G only."""
        full = x.new_zeros(x.shape[0], self.n_groups, self.block_dim)
        full[torch.arange(x.shape[0]), g.long()] = x
        return full.reshape(x.shape[0], -1)

    def decoder_gram(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """With ``A = W2.reshape(hidden, G*block_dim)``: ``M = A A^T`` (hidden x hidden),
        ``v = A b2`` (hidden,), ``c = ||b2||^2``, so that the squared norm of the whole output
        ``sum_k ||W2[:, k]^T h + b2[k]||^2 = h^T M h + 2 h^T v + c``.
        Cost O(G * block_dim * hidden^2), memory hidden^2."""
        a = self.W2.reshape(self.hidden, -1)
        b2 = self.b2.reshape(-1)
        m = _Gram.apply(a)
        v = a @ b2
        c = b2 @ b2
        return m, v, c

    def reconstruction_sse(
        self,
        x: torch.Tensor,
        g: torch.Tensor,
        h: torch.Tensor | None = None,
        gram: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Exact per-product squared error against the full G*block_dim target (x in block g,
        zeros elsewhere), without materialising it.  Returns ``(sse, in_block, off_block)``,
        each (B,): ``sse = in_block + off_block``, ``in_block = ||y_g - x||^2``,
        ``off_block = sum_{k != g} ||y_k||^2`` (the error on the zeros).  ``gram`` may be
        passed in when the decoder does not change between calls (evaluation)."""
        g = g.to(device=x.device, dtype=torch.long)
        if h is None:
            h = self.encode(x, g)
        m, v, c = self.decoder_gram() if gram is None else gram
        y_g = self.decode_block(h, g)
        all_blocks = ((h @ m) * h).sum(1) + 2.0 * (h @ v) + c
        off_block = (all_blocks - (y_g * y_g).sum(1)).clamp_min(0.0)
        in_block = ((y_g - x) ** 2).sum(1)
        return in_block + off_block, in_block, off_block

    def forward(self, x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:  # noqa: D401
        """Same as :meth:`encode`."""
        return self.encode(x, g)

    @torch.no_grad()
    def embed(self, x: Any, g: Any, batch_size: int = 8192) -> np.ndarray:
        """Inference helper: numpy/torch in, float32 numpy (N, hidden) out, in batches."""
        x_t = _to_tensor(x, device=self.W1.device)
        g_t = _to_tensor(g, dtype=torch.long, device=self.W1.device)
        out = [
            self.encode(x_t[i : i + batch_size], g_t[i : i + batch_size]).cpu()
            for i in range(0, x_t.shape[0], batch_size)
        ]
        if not out:
            return np.zeros((0, self.hidden), dtype=np.float32)
        return torch.cat(out).numpy()

    # -- serialisation ------------------------------------------------------------------------

    def config(self) -> dict:
        return {
            "kind": _SPARSE_KIND,
            "format_version": FORMAT_VERSION,
            "n_groups": self.n_groups,
            "block_dim": self.block_dim,
            "hidden": self.hidden,
            "rho": self.rho,
            "hidden_activation": "sigmoid",
            "decoder": "linear",
        }

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], state_dict: Mapping[str, torch.Tensor]
    ) -> "BlockSparseAutoencoder":
        _check_kind(config, _SPARSE_KIND)
        model = cls(
            n_groups=int(config["n_groups"]),
            block_dim=int(config["block_dim"]),
            hidden=int(config["hidden"]),
            rho=float(config.get("rho", 0.05)),
        )
        model.load_state_dict(dict(state_dict), strict=True)
        return model


def kl_sparsity(rho: float, rho_hat: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """``sum_j KL(rho || rho_hat_j)`` for Bernoulli units (0 iff every rho_hat_j == rho)."""
    r = rho_hat.clamp(eps, 1.0 - eps)
    return (rho * torch.log(rho / r) + (1.0 - rho) * torch.log((1.0 - rho) / (1.0 - r))).sum()


def sparse_ae_loss(
    model: BlockSparseAutoencoder,
    x: torch.Tensor,
    g: torch.Tensor,
    rho: float = 0.05,
    beta: float = 3.0,
    weight_decay: float = 1e-4,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Ng's sparse-autoencoder objective on one batch::

        J = (1/B) sum_i 1/2 ||x_hat_i - x_full_i||^2          ("reconstruction")
            + beta * sum_j KL(rho || rho_hat_j)                ("kl")
            + weight_decay / 2 * (||W1||^2 + ||W2||^2)         ("l2"; weights only, no biases)

    ``rho_hat_j`` is unit j's mean activation over the batch (the minibatch estimate of Ng's
    full-data average, so batches should not be tiny).  The reconstruction is against the full
    G*128 target, computed exactly without materialising it (see the module doc).
    Returns ``(total, parts)``; ``parts`` are detached 0-d tensors: reconstruction, kl, l2,
    mean_activation.
    """
    g = g.to(device=x.device, dtype=torch.long)
    h = model.encode(x, g)
    sse, _, _ = model.reconstruction_sse(x, g, h=h)
    reconstruction = 0.5 * sse.mean()
    rho_hat = h.mean(0)
    kl = beta * kl_sparsity(rho, rho_hat)
    l2 = 0.5 * weight_decay * ((model.W1 * model.W1).sum() + (model.W2 * model.W2).sum())
    total = reconstruction + kl + l2
    parts = {
        "reconstruction": reconstruction.detach(),
        "kl": kl.detach(),
        "l2": l2.detach(),
        "mean_activation": rho_hat.detach().mean(),
    }
    return total, parts


@dataclass(frozen=True)
class SparseAESettings:
    hidden: int = 256
    rho: float = 0.05
    beta: float = 3.0
    weight_decay: float = 1e-4
    lr: float = 1e-3
    epochs: int = 5
    seed: int = 0
    threads: int = 1
    block_dim: int = 128
    device: str = "cpu"


def _iter_batches(batches: BatchSource, device: Any) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    for xb, gb in batches():
        x = _to_tensor(xb, device=device)
        g = _to_tensor(gb, dtype=torch.long, device=device).reshape(-1)
        if x.shape[0] == 0:
            continue
        if not torch.isfinite(x).all():
            raise ValueError("non-finite value in a sparse-autoencoder input batch")
        yield x, g


def train_sparse_ae(
    batches: BatchSource,
    n_groups: int,
    settings: SparseAESettings = SparseAESettings(),
    log: Log = print,
    model: BlockSparseAutoencoder | None = None,
) -> tuple[BlockSparseAutoencoder, list[dict]]:
    """Train the PG-agnostic sparse autoencoder with Adam on Ng's objective.

    ``batches()`` must return a fresh iterable of ``(x (B, block_dim) float32, g (B,) int)``
    per epoch (the caller streams and shuffles them from storage; the batch size is theirs).
    ``model`` continues training an existing model (e.g. resumed from a checkpoint).
    Returns the model (on CPU) and one history dict per epoch.
    """
    s = settings
    device = torch.device(s.device)
    if model is None:
        model = BlockSparseAutoencoder(n_groups, s.block_dim, s.hidden, rho=s.rho, seed=s.seed)
    elif model.n_groups != n_groups:
        raise ValueError(f"model has {model.n_groups} groups, asked for {n_groups}")
    model.rho = float(s.rho)
    history: list[dict] = []
    with _Threads(s.threads if device.type == "cpu" else None):
        model.to(device).train()
        opt = torch.optim.Adam(model.parameters(), lr=s.lr)
        for epoch in range(1, s.epochs + 1):
            t0 = time.perf_counter()
            sums = {k: torch.zeros((), device=device, dtype=torch.float64)
                    for k in ("loss", "reconstruction", "kl", "l2", "mean_activation")}
            n_batches = n_rows = 0
            for x, g in _iter_batches(batches, device):
                opt.zero_grad(set_to_none=True)
                total, parts = sparse_ae_loss(model, x, g, s.rho, s.beta, s.weight_decay)
                total.backward()
                opt.step()
                sums["loss"] += total.detach()
                for k, v in parts.items():
                    sums[k] += v
                n_batches += 1
                n_rows += x.shape[0]
            if n_batches == 0:
                raise ValueError("batches() yielded no data")
            rec = {k: float(v) / n_batches for k, v in sums.items()}
            rec.update(epoch=epoch, batches=n_batches, products=n_rows,
                       seconds=round(time.perf_counter() - t0, 3))
            history.append(rec)
            log(
                f"sparse-ae epoch {epoch}/{s.epochs}: loss {rec['loss']:.5f} "
                f"(rec {rec['reconstruction']:.5f} kl {rec['kl']:.5f} l2 {rec['l2']:.5f}) "
                f"mean act {rec['mean_activation']:.4f} (rho {s.rho}) "
                f"{n_rows} products {rec['seconds']:.1f}s"
            )
    model.cpu().eval()
    return model, history


@torch.no_grad()
def evaluate_sparse_ae(
    model: BlockSparseAutoencoder,
    batches: BatchSource,
    rho: float | None = None,
    low_activation: float = 0.1,
) -> dict:
    """One pass over ``batches()``; all errors are per product, summed over the full
    G*block_dim target (x in block g, zeros elsewhere), computed without materialising it.

    * ``reconstruction_sse``: mean over products of ``||x_hat - x_full||^2``, split into
      ``in_block_sse`` (block g) and ``off_block_sse`` (the zeros of the other blocks).
    * ``baseline_group_mean_sse``: the same error for the trivial predictor that outputs, for a
      product of group g, the mean vector of group g's products *in the evaluated data* in
      block g and exact zeros in every other block (it knows g, as the autoencoder does, and
      nothing else; its off-block error is 0, so its error is the within-group variance
      ``sum_g sum_{i in g} ||x_i - mean_g||^2 / N``).
    * ``baseline_zero_sse``: predicting all zeros, i.e. ``mean ||x||^2``.
    * ``relative_to_baseline``: reconstruction_sse / baseline_group_mean_sse (< 1 is better).
    * ``mean_activation``: mean over hidden units of each unit's mean activation over the data
      (to compare with ``rho``); ``frac_units_below_<low>``: share of units whose mean
      activation is < ``low_activation``; ``frac_units_dead``: share with mean < 1e-3.
    """
    rho = model.rho if rho is None else float(rho)
    device = model.W1.device
    was_training = model.training
    model.eval()
    gram = model.decoder_gram()
    G, D = model.n_groups, model.block_dim
    n = 0
    sse = in_b = off_b = sq_norm = 0.0
    group_sum = torch.zeros(G, D, dtype=torch.float64, device=device)
    group_n = torch.zeros(G, dtype=torch.float64, device=device)
    act_sum = torch.zeros(model.hidden, dtype=torch.float64, device=device)
    for x, g in _iter_batches(batches, device):
        _check_groups(g, G, x.shape[0])
        h = model.encode(x, g)
        s, ib, ob = model.reconstruction_sse(x, g, h=h, gram=gram)
        sse += float(s.double().sum())
        in_b += float(ib.double().sum())
        off_b += float(ob.double().sum())
        xd = x.double()
        sq_norm += float((xd * xd).sum())
        group_sum.index_add_(0, g, xd)
        group_n.index_add_(0, g, torch.ones_like(g, dtype=torch.float64))
        act_sum += h.double().sum(0)
        n += x.shape[0]
    model.train(was_training)
    if n == 0:
        raise ValueError("batches() yielded no data")
    present = group_n > 0
    between = float(((group_sum[present] ** 2).sum(1) / group_n[present]).sum())
    baseline = max(sq_norm - between, 0.0) / n
    unit_mean = act_sum / n
    return {
        "products": n,
        "groups_present": int(present.sum()),
        "reconstruction_sse": sse / n,
        "in_block_sse": in_b / n,
        "off_block_sse": off_b / n,
        "baseline_group_mean_sse": baseline,
        "baseline_zero_sse": sq_norm / n,
        "relative_to_baseline": (sse / n) / baseline if baseline > 0 else float("inf"),
        "mean_activation": float(unit_mean.mean()),
        "rho": rho,
        f"frac_units_below_{low_activation:g}": float((unit_mean < low_activation).double().mean()),
        "frac_units_dead": float((unit_mean < 1e-3).double().mean()),
    }


# ----------------------------------------------------------------------------------------------
# language alignment: multimodal autoencoder
# ----------------------------------------------------------------------------------------------

_ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
}


class MultimodalAutoencoder(nn.Module):
    """Bimodal autoencoder of paper section 5: ``[x_a ; x_b]`` -> hidden -> ``[x_a ; x_b]``.

    * Inputs are standardised inside the model, per dimension and per side, with the training
      means/stds kept as buffers (``mean_a``, ``std_a``, ``mean_b``, ``std_b``).  An absent
      side is the zero vector *in standardised coordinates*, i.e. that side's mean embedding:
      a neutral "no information" input (the paper's raw zero vector would instead be an
      arbitrary point far from the data once the embeddings are not centred).
    * Hidden activation: ``tanh`` by default -- zero-centred like the standardised inputs, so an
      absent side contributes nothing to the pre-activation, smooth and close to linear near 0
      (the cross-language map between two embedding spaces is mostly linear), and without
      ReLU's dead units.  ``sigmoid`` and ``relu`` are available.
    * The decoder is linear (real-valued targets); outputs are standardised coordinates and
      are mapped back to each side's embedding space by :meth:`a_to_b` / :meth:`b_to_a`.
    """

    def __init__(
        self,
        dim_a: int = 256,
        dim_b: int | None = None,
        hidden: int = 256,
        activation: str = "tanh",
        names: tuple[str, str] = ("a", "b"),
        seed: int = 0,
    ):
        super().__init__()
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}")
        self.dim_a = int(dim_a)
        self.dim_b = int(dim_a if dim_b is None else dim_b)
        self.hidden = int(hidden)
        self.activation = activation
        self.names = (str(names[0]), str(names[1]))
        self.enc_a = nn.Linear(self.dim_a, self.hidden, bias=False)
        self.enc_b = nn.Linear(self.dim_b, self.hidden, bias=False)
        self.enc_bias = nn.Parameter(torch.zeros(self.hidden))
        self.dec = nn.Linear(self.hidden, self.dim_a + self.dim_b, bias=True)
        self.register_buffer("mean_a", torch.zeros(self.dim_a))
        self.register_buffer("std_a", torch.ones(self.dim_a))
        self.register_buffer("mean_b", torch.zeros(self.dim_b))
        self.register_buffer("std_b", torch.ones(self.dim_b))
        self.reset_parameters(seed)

    def reset_parameters(self, seed: int = 0) -> None:
        """Glorot-uniform weights over the whole 2d -> hidden -> 2d net, zero biases."""
        gen = torch.Generator().manual_seed(int(seed))
        d_in = self.dim_a + self.dim_b
        b_enc = math.sqrt(6.0 / (d_in + self.hidden))
        _uniform_(self.enc_a.weight, b_enc, gen)
        _uniform_(self.enc_b.weight, b_enc, gen)
        _uniform_(self.dec.weight, math.sqrt(6.0 / (self.hidden + d_in)), gen)
        with torch.no_grad():
            self.enc_bias.zero_()
            self.dec.bias.zero_()

    def set_standardization(self, a: np.ndarray, b: np.ndarray) -> None:
        """Per-dimension mean/std of each side (std floored to avoid division by ~0)."""
        for name, arr in (("a", a), ("b", b)):
            arr64 = np.asarray(arr, dtype=np.float64)
            mean = arr64.mean(0)
            std = arr64.std(0)
            std = np.where(std > 1e-6 * max(1.0, float(np.abs(mean).max(initial=0.0))), std, 1.0)
            getattr(self, f"mean_{name}").copy_(torch.from_numpy(mean).float())
            getattr(self, f"std_{name}").copy_(torch.from_numpy(std).float())

    # -- standardised-space core (differentiable; used by training) ----------------------------

    def encode_z(self, za: torch.Tensor | None, zb: torch.Tensor | None) -> torch.Tensor:
        """Hidden code of standardised inputs; ``None`` = absent side (zeros)."""
        if za is None and zb is None:
            raise ValueError("at least one of the two sides must be given")
        pre = self.enc_bias
        if za is not None:
            pre = pre + self.enc_a(za)
        if zb is not None:
            pre = pre + self.enc_b(zb)
        return _ACTIVATIONS[self.activation](pre)

    def forward(
        self, za: torch.Tensor | None, zb: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(hidden, out_a, out_b)`` for standardised inputs; outputs are standardised."""
        h = self.encode_z(za, zb)
        out = self.dec(h)
        return h, out[:, : self.dim_a], out[:, self.dim_a :]

    def standardize_a(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean_a) / self.std_a

    def standardize_b(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean_b) / self.std_b

    # -- public inference API (numpy in -> numpy out, torch in -> torch out; no grad) ----------

    def _in(self, x: Any, dim: int) -> torch.Tensor:
        t = _to_tensor(x, device=self.mean_a.device)
        if t.dim() == 1:
            t = t.unsqueeze(0)
        if t.dim() != 2 or t.shape[1] != dim:
            raise ValueError(f"expected shape (B, {dim}), got {tuple(t.shape)}")
        return t

    @staticmethod
    def _out(t: torch.Tensor, like: Any) -> Any:
        return t if isinstance(like, torch.Tensor) else t.cpu().numpy()

    @torch.no_grad()
    def shared(self, x_a: Any = None, x_b: Any = None) -> Any:
        """Shared hidden representation (B, hidden) of ``(x_a, x_b)``; either may be None
        (absent side = zeros in standardised coordinates)."""
        za = None if x_a is None else self.standardize_a(self._in(x_a, self.dim_a))
        zb = None if x_b is None else self.standardize_b(self._in(x_b, self.dim_b))
        if za is not None and zb is not None and za.shape[0] != zb.shape[0]:
            raise ValueError("x_a and x_b must have the same number of rows")
        return self._out(self.encode_z(za, zb), x_a if x_a is not None else x_b)

    @torch.no_grad()
    def a_to_b(self, x_a: Any) -> Any:
        """Project side-a embeddings into side b's space: decode (x_a, absent), keep the b half."""
        _, _, out_b = self.forward(self.standardize_a(self._in(x_a, self.dim_a)), None)
        return self._out(out_b * self.std_b + self.mean_b, x_a)

    @torch.no_grad()
    def b_to_a(self, x_b: Any) -> Any:
        """Project side-b embeddings into side a's space: decode (absent, x_b), keep the a half."""
        _, out_a, _ = self.forward(None, self.standardize_b(self._in(x_b, self.dim_b)))
        return self._out(out_a * self.std_a + self.mean_a, x_b)

    @torch.no_grad()
    def reconstruct(self, x_a: Any = None, x_b: Any = None) -> tuple[Any, Any]:
        """Both halves of the output, in the original embedding spaces."""
        za = None if x_a is None else self.standardize_a(self._in(x_a, self.dim_a))
        zb = None if x_b is None else self.standardize_b(self._in(x_b, self.dim_b))
        _, oa, ob = self.forward(za, zb)
        like = x_a if x_a is not None else x_b
        return (self._out(oa * self.std_a + self.mean_a, like),
                self._out(ob * self.std_b + self.mean_b, like))

    # -- serialisation ------------------------------------------------------------------------

    def config(self) -> dict:
        return {
            "kind": _MULTIMODAL_KIND,
            "format_version": FORMAT_VERSION,
            "dim_a": self.dim_a,
            "dim_b": self.dim_b,
            "hidden": self.hidden,
            "activation": self.activation,
            "names": list(self.names),
            "absent_side": "zeros in standardised coordinates",
        }

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], state_dict: Mapping[str, torch.Tensor]
    ) -> "MultimodalAutoencoder":
        _check_kind(config, _MULTIMODAL_KIND)
        model = cls(
            dim_a=int(config["dim_a"]),
            dim_b=int(config["dim_b"]),
            hidden=int(config["hidden"]),
            activation=str(config.get("activation", "tanh")),
            names=tuple(config.get("names", ("a", "b"))),
        )
        model.load_state_dict(dict(state_dict), strict=True)
        return model


def multimodal_loss(
    model: MultimodalAutoencoder, za: torch.Tensor, zb: torch.Tensor,
    keep_a: torch.Tensor, keep_b: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-row loss on standardised pairs ``(za, zb)`` with inputs masked by ``keep_a`` /
    ``keep_b`` (B,) in {0, 1}; the target is always the full ``(za, zb)``.  Row loss =
    mean squared error on side a + mean squared error on side b (each side weighs the same
    whatever its dimension).  Returns ``(mean loss, per-row loss detached)``."""
    _, oa, ob = model(za * keep_a[:, None], zb * keep_b[:, None])
    row = ((oa - za) ** 2).mean(1) + ((ob - zb) ** 2).mean(1)
    return row.mean(), row.detach()


@dataclass(frozen=True)
class MultimodalSettings:
    hidden: int = 256
    lr: float = 1e-3
    epochs: int = 30
    batch_size: int = 256
    seed: int = 0
    threads: int = 1
    activation: str = "tanh"
    names: tuple[str, str] = ("a", "b")
    device: str = "cpu"


_KINDS = ("pair", "a_only", "b_only")


def train_multimodal_ae(
    pairs_a: np.ndarray,
    pairs_b: np.ndarray,
    settings: MultimodalSettings = MultimodalSettings(),
    log: Log = print,
) -> tuple[MultimodalAutoencoder, list[dict]]:
    """Train the multimodal autoencoder on N paired embeddings (row i of ``pairs_a`` and of
    ``pairs_b`` are the same product in the two marketplaces).

    The training set is the union of the three kinds of input -- (a, b), (a, 0), (0, b), each
    with target (a, b) -- i.e. 3N examples; every epoch shuffles the union (seeded) and walks it
    in batches of ``batch_size``, so each batch is a random draw from the full training data,
    as in the paper.  Adam, MSE in standardised coordinates.  Returns the model (on CPU) and
    one history dict per epoch (overall loss and loss per kind of input).
    """
    s = settings
    a = np.asarray(pairs_a, dtype=np.float32)
    b = np.asarray(pairs_b, dtype=np.float32)
    if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[0]:
        raise ValueError(f"pairs must be (N, d_a) and (N, d_b), got {a.shape} and {b.shape}")
    if a.shape[0] == 0:
        raise ValueError("no pairs to train on")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("non-finite values in the paired embeddings")
    n = a.shape[0]
    device = torch.device(s.device)
    model = MultimodalAutoencoder(a.shape[1], b.shape[1], s.hidden, s.activation, s.names, s.seed)
    model.set_standardization(a, b)
    rng = np.random.default_rng(s.seed)
    history: list[dict] = []
    with _Threads(s.threads if device.type == "cpu" else None):
        model.to(device).train()
        za_all = model.standardize_a(torch.from_numpy(a).to(device))
        zb_all = model.standardize_b(torch.from_numpy(b).to(device))
        opt = torch.optim.Adam(model.parameters(), lr=s.lr)
        for epoch in range(1, s.epochs + 1):
            t0 = time.perf_counter()
            perm = torch.from_numpy(rng.permutation(3 * n)).to(device)
            kind_sum = torch.zeros(3, dtype=torch.float64, device=device)
            kind_n = torch.zeros(3, dtype=torch.float64, device=device)
            for start in range(0, 3 * n, s.batch_size):
                idx = perm[start : start + s.batch_size]
                kind, row = idx // n, idx % n
                keep_a = (kind != 2).float()
                keep_b = (kind != 1).float()
                opt.zero_grad(set_to_none=True)
                loss, per_row = multimodal_loss(model, za_all[row], zb_all[row], keep_a, keep_b)
                loss.backward()
                opt.step()
                kind_sum.index_add_(0, kind, per_row.double())
                kind_n.index_add_(0, kind, torch.ones_like(per_row, dtype=torch.float64))
            per_kind = (kind_sum / kind_n.clamp_min(1)).tolist()
            rec = {"epoch": epoch, "loss": float(kind_sum.sum() / kind_n.sum())}
            rec.update({f"loss_{k}": v for k, v in zip(_KINDS, per_kind)})
            rec["seconds"] = round(time.perf_counter() - t0, 3)
            history.append(rec)
            log(
                f"multimodal-ae epoch {epoch}/{s.epochs}: loss {rec['loss']:.5f} "
                f"(pair {per_kind[0]:.5f}, {s.names[0]} only {per_kind[1]:.5f}, "
                f"{s.names[1]} only {per_kind[2]:.5f}) {rec['seconds']:.1f}s"
            )
    model.cpu().eval()
    return model, history


# ----------------------------------------------------------------------------------------------
# serialisation
# ----------------------------------------------------------------------------------------------


def _check_kind(config: Mapping[str, Any], kind: str) -> None:
    if config.get("kind") != kind:
        raise ValueError(f"config is for {config.get('kind')!r}, not {kind!r}")
    if int(config.get("format_version", FORMAT_VERSION)) > FORMAT_VERSION:
        raise ValueError(
            f"config format_version {config['format_version']} is newer than this code "
            f"({FORMAT_VERSION})"
        )


def model_from_config(config: Mapping[str, Any], state_dict: Mapping[str, torch.Tensor]):
    """Build either autoencoder from its ``config()`` and state dict."""
    kind = config.get("kind")
    if kind == _SPARSE_KIND:
        return BlockSparseAutoencoder.from_config(config, state_dict)
    if kind == _MULTIMODAL_KIND:
        return MultimodalAutoencoder.from_config(config, state_dict)
    raise ValueError(f"unknown autoencoder kind {kind!r}")


def save_autoencoder(
    model: BlockSparseAutoencoder | MultimodalAutoencoder,
    path: str | Path,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``model``'s state dict as one safetensors file; its metadata holds the JSON config
    (key ``config``) and, optionally, JSON ``extra`` (metrics, input versions, ...)."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    meta = {"config": json.dumps(model.config(), sort_keys=True)}
    if extra is not None:
        meta["extra"] = json.dumps(extra, sort_keys=True)
    save_file(state, str(path), metadata=meta)
    return path


def load_autoencoder(path: str | Path) -> BlockSparseAutoencoder | MultimodalAutoencoder:
    """Inverse of :func:`save_autoencoder` (safetensors only; nothing is unpickled)."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata() or {}
    if "config" not in meta:
        raise ValueError(f"{path}: no autoencoder config in the safetensors metadata")
    model = model_from_config(json.loads(meta["config"]), load_file(str(path)))
    return model.eval()


def settings_dict(settings: SparseAESettings | MultimodalSettings) -> dict:
    """JSON-able form of a settings object (for manifests)."""
    d = asdict(settings)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}
