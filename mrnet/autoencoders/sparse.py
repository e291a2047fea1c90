"""The PG-agnostic autoencoder of paper 3.2 (the pipeline's ``agnostic`` stage).

:class:`BlockSparseAutoencoder` is Ng's sparse autoencoder (CS294A notes) that maps the G
per-product-group (PG) embeddings to one PG-agnostic space.  A product of group ``g`` with
PG-specific vector ``x`` (``block_dim`` = 128) is, in the paper, the G*128 vector ``x_full``
with ``x`` in block ``g`` and zeros elsewhere.  The hidden layer
``h = sigmoid(W1 x_full + b1)`` is the PG-agnostic embedding; a linear decoder reconstructs
``x_full`` (Ng's "linear decoder" variant: the targets are real-valued embeddings, not
intensities in [0, 1], so a sigmoid output layer would be wrong).

Three switches depart from the paper: ``activation`` (``tanh`` or ``linear``; the KL penalty
needs units in (0, 1), so it applies to ``sigmoid`` alone), ``off_block_weight`` (below 1
the other groups' zero blocks count less) and ``group_spread`` (after training, a fixed offset
per group added by :meth:`BlockSparseAutoencoder.embed`).  Measured (README, "What the agnostic
autoencoder keeps"): tanh with weight 0.1 keeps each group's neighbours and within-group
accuracy (the shared units no longer split into small per-group subspaces) but encodes less of
which group a product is in, which the paper's objective wins across-group tasks with; the
spread gives that back without touching distances within a group.  A per-group bias trained
with the rest does not: the decoder's off-block terms pull the groups' biases together (tried,
not kept).  ``x_full`` is never built:

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

:func:`train_sparse_ae` minimises Ng's objective (:func:`sparse_ae_loss`) with Adam over batches
streamed by the caller; :func:`evaluate_sparse_ae` reports the exact reconstruction error against
the full target and two trivial baselines.
"""

from __future__ import annotations

import math
import time
from typing import Any, Iterator, Mapping

import numpy as np
import torch
from torch import nn

from mrnet.autoencoders.blocks import _block_matmul, _check_groups, _Gram
from mrnet.autoencoders.common import (
    _SPARSE_KIND,
    FORMAT_VERSION,
    BatchSource,
    Log,
    _check_kind,
    _Threads,
    _to_tensor,
    _uniform_,
)
from mrnet.configuration.schema import AgnosticSettings

__all__ = [
    "BlockSparseAutoencoder",
    "sparse_ae_loss",
    "kl_sparsity",
    "train_sparse_ae",
    "evaluate_sparse_ae",
]


_HIDDEN_ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "linear": lambda z: z}


class BlockSparseAutoencoder(nn.Module):
    """Ng's sparse autoencoder over block-one-hot inputs of ``n_groups`` blocks of
    ``block_dim``, with ``hidden`` sigmoid units and a linear decoder (see the module doc).

    Parameters: ``W1`` (G, block_dim, hidden), ``b1`` (hidden,), ``W2`` (hidden, G,
    block_dim), ``b2`` (G, block_dim).  ``W1[g]`` is block ``g``'s slice of the paper's
    (G*block_dim) x hidden encoder; ``W2[:, g]`` the decoder's weights of output block ``g``
    (``W2.reshape(hidden, G*block_dim)`` is the paper's hidden -> G*block_dim decoder).
    ``rho`` is the sparsity target the model was trained for (kept for reporting).
    ``activation`` is the hidden layer's: ``sigmoid`` (the paper, the only one the KL sparsity
    penalty applies to), ``tanh`` or ``linear`` (with ``hidden >= block_dim`` each group's block
    map can stay invertible, so the shared space keeps what the group vector knew).
    """

    def __init__(
        self,
        n_groups: int,
        block_dim: int = 128,
        hidden: int = 256,
        rho: float = 0.05,
        seed: int = 0,
        activation: str = "sigmoid",
    ):
        super().__init__()
        if n_groups < 1 or block_dim < 1 or hidden < 1:
            raise ValueError("n_groups, block_dim and hidden must be positive")
        if activation not in _HIDDEN_ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(_HIDDEN_ACTIVATIONS)}, "
                             f"got {activation!r}")
        self.activation = activation
        self.n_groups = int(n_groups)
        self.block_dim = int(block_dim)
        self.hidden = int(hidden)
        self.rho = float(rho)
        self.W1 = nn.Parameter(torch.empty(self.n_groups, self.block_dim, self.hidden))
        self.b1 = nn.Parameter(torch.zeros(self.hidden))
        self.W2 = nn.Parameter(torch.empty(self.hidden, self.n_groups, self.block_dim))
        self.b2 = nn.Parameter(torch.zeros(self.n_groups, self.block_dim))
        # added to the embedding of a group's products by ``embed`` (not trained; see spread_groups)
        self.register_buffer("group_offsets", torch.zeros(self.n_groups, self.hidden))
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
        """PG-agnostic embedding ``act(W1[g]^T x + b1)``: ``x`` (B, block_dim) float,
        ``g`` (B,) long -> (B, hidden).  Uses only the slices ``W1[g]`` of the groups present."""
        if x.dim() != 2 or x.shape[1] != self.block_dim:
            raise ValueError(f"x must have shape (B, {self.block_dim}), got {tuple(x.shape)}")
        g = g.to(device=x.device, dtype=torch.long)
        _check_groups(g, self.n_groups, x.shape[0])
        return _HIDDEN_ACTIVATIONS[self.activation](_block_matmul(x, self.W1, g) + self.b1)

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
        """Inference helper: numpy/torch in, float32 numpy (N, hidden) out, in batches: the
        encoding plus its group's offset (zero unless :meth:`spread_groups` set one)."""
        x_t = _to_tensor(x, device=self.W1.device)
        g_t = _to_tensor(g, dtype=torch.long, device=self.W1.device)
        out = [
            (self.encode(x_t[i : i + batch_size], g_t[i : i + batch_size])
             + self.group_offsets[g_t[i : i + batch_size]]).cpu()
            for i in range(0, x_t.shape[0], batch_size)
        ]
        if not out:
            return np.zeros((0, self.hidden), dtype=np.float32)
        return torch.cat(out).numpy()

    @torch.no_grad()
    def spread_groups(self, batches: BatchSource, spread: float) -> None:
        """Set each group's offset to ``spread`` times (its mean encoding - the mean of the
        groups' means), over one pass of ``batches()``: a group's products all move
        alike (distances within a group stay), and which group a product is in becomes plain
        to a linear model downstream."""
        sums = torch.zeros(self.n_groups, self.hidden, dtype=torch.float64)
        counts = torch.zeros(self.n_groups, dtype=torch.float64)
        for x, g in batches():
            g_t = _to_tensor(g, dtype=torch.long)
            sums.index_add_(0, g_t, self.encode(_to_tensor(x), g_t).double())
            counts.index_add_(0, g_t, torch.ones(len(g_t), dtype=torch.float64))
        seen = counts > 0
        means = sums[seen] / counts[seen, None]
        self.group_offsets.zero_()
        self.group_offsets[seen] = (spread * (means - means.mean(0))).float()

    # -- serialisation ------------------------------------------------------------------------

    def config(self) -> dict:
        return {
            "kind": _SPARSE_KIND,
            "format_version": FORMAT_VERSION,
            "n_groups": self.n_groups,
            "block_dim": self.block_dim,
            "hidden": self.hidden,
            "rho": self.rho,
            "hidden_activation": self.activation,
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
            activation=str(config.get("hidden_activation", "sigmoid")),
        )
        state = {"group_offsets": model.group_offsets, **state_dict}  # models saved before: none
        model.load_state_dict(state, strict=True)
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
    off_block_weight: float = 1.0,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Ng's sparse-autoencoder objective on one batch::

        J = (1/B) sum_i 1/2 ||x_hat_i - x_full_i||^2          ("reconstruction")
            + beta * sum_j KL(rho || rho_hat_j)                ("kl")
            + weight_decay / 2 * (||W1||^2 + ||W2||^2)         ("l2"; weights only, no biases)

    ``rho_hat_j`` is unit j's mean activation over the batch (the minibatch estimate of Ng's
    full-data average, so batches should not be tiny).  The reconstruction is against the full
    G*128 target, computed exactly without materialising it (see the module doc).
    ``off_block_weight`` scales the error on the zeros of the other blocks (1: the paper's
    objective; below 1 lets each group keep more of its own vector in the shared units).
    The KL term needs activations in (0, 1): it is 0 unless the model's activation is sigmoid.
    Returns ``(total, parts)``; ``parts`` are detached 0-d tensors: reconstruction, kl, l2,
    mean_activation.
    """
    g = g.to(device=x.device, dtype=torch.long)
    h = model.encode(x, g)
    _, in_block, off_block = model.reconstruction_sse(x, g, h=h)
    reconstruction = 0.5 * (in_block + off_block_weight * off_block).mean()
    rho_hat = h.mean(0)
    kl = beta * kl_sparsity(rho, rho_hat) if model.activation == "sigmoid" else rho_hat.new_zeros(())
    l2 = 0.5 * weight_decay * ((model.W1 * model.W1).sum() + (model.W2 * model.W2).sum())
    total = reconstruction + kl + l2
    parts = {
        "reconstruction": reconstruction.detach(),
        "kl": kl.detach(),
        "l2": l2.detach(),
        "mean_activation": rho_hat.detach().mean(),
    }
    return total, parts



def _iter_batches(batches: BatchSource, device: Any) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    for xb, gb in batches():
        x = _to_tensor(xb, device=device)
        g = _to_tensor(gb, dtype=torch.long, device=device).reshape(-1)
        if x.shape[0] == 0:
            continue
        if not torch.isfinite(x).all():
            raise ValueError("non-finite value in a sparse-autoencoder input batch")
        yield x, g


class _EpochWindows:
    """Epochs of at most ``rows`` products (0: whole passes) cut from successive passes over
    ``batches()``: an epoch ends at ``rows`` or at the end of a pass, and the next one goes on
    where it stopped, so a large sample is walked in order and every product seen as often."""

    def __init__(self, batches: BatchSource, device: Any, rows: int):
        self.batches, self.device, self.rows = batches, device, rows
        self.current: Iterator | None = None

    def epoch(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        seen, fresh = 0, self.current is None
        if fresh:
            self.current = _iter_batches(self.batches, self.device)
        while not self.rows or seen < self.rows:
            item = next(self.current, None)
            if item is None:
                self.current = None
                if seen or fresh:
                    return
                self.current, fresh = _iter_batches(self.batches, self.device), True  # the pass ended on an epoch's edge
                continue
            seen += item[0].shape[0]
            yield item


def train_sparse_ae(
    batches: BatchSource,
    n_groups: int,
    settings: AgnosticSettings | None = None,
    log: Log = print,
    model: BlockSparseAutoencoder | None = None,
    *,
    block_dim: int,
) -> tuple[BlockSparseAutoencoder, list[dict]]:
    """Train the PG-agnostic sparse autoencoder with Adam on Ng's objective.

    ``batches()`` must return a fresh iterable of ``(x (B, block_dim) float32, g (B,) int)``
    per pass (the caller streams and shuffles them from storage; the batch size is theirs,
    ``settings.batch_size`` is not read here); an epoch is a pass, or
    ``settings.samples_per_epoch`` products of it (:class:`_EpochWindows`).  ``block_dim`` is the width of one group's
    vector (the stage passes the MRNet embedding width, 2 x train.hidden).  ``settings``
    defaults to ``AgnosticSettings()``.  ``model`` continues training an existing model (e.g.
    resumed from a checkpoint); its shape must match ``n_groups`` and ``block_dim``.
    Returns the model (on CPU) and one history dict per epoch.
    """
    s = AgnosticSettings() if settings is None else settings
    device = torch.device(s.device)
    if model is None:
        model = BlockSparseAutoencoder(n_groups, block_dim, s.hidden, rho=s.rho, seed=s.seed,
                                       activation=s.activation)
    elif model.n_groups != n_groups:
        raise ValueError(f"model has {model.n_groups} groups, asked for {n_groups}")
    elif model.block_dim != block_dim:
        raise ValueError(f"model has block_dim {model.block_dim}, asked for {block_dim}")
    model.rho = float(s.rho)
    history: list[dict] = []
    with _Threads(s.threads if device.type == "cpu" else None):
        model.to(device).train()
        opt = torch.optim.Adam(model.parameters(), lr=s.lr)
        windows = _EpochWindows(batches, device, s.samples_per_epoch)
        for epoch in range(1, s.epochs + 1):
            t0 = time.perf_counter()
            sums = {k: torch.zeros((), device=device, dtype=torch.float64)
                    for k in ("loss", "reconstruction", "kl", "l2", "mean_activation")}
            n_batches = n_rows = 0
            for x, g in windows.epoch():
                opt.zero_grad(set_to_none=True)
                total, parts = sparse_ae_loss(model, x, g, s.rho, s.beta, s.weight_decay,
                                              s.off_block_weight)
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
            if epoch in (1, s.epochs) or epoch % max(1, s.epochs // 20) == 0:   # ~20 lines a run
                target = f" (rho {s.rho})" if s.activation == "sigmoid" else f" ({s.activation})"
                log(f"sparse-ae epoch {epoch}/{s.epochs}: loss {rec['loss']:.5f} "
                    f"(rec {rec['reconstruction']:.5f} kl {rec['kl']:.5f} l2 {rec['l2']:.5f}) "
                    f"mean act {rec['mean_activation']:.4f}{target} "
                    f"{n_rows} products {rec['seconds']:.1f}s")
    model.cpu().eval()
    if s.group_spread:
        model.spread_groups(batches, s.group_spread)
    return model, history


@torch.no_grad()
def evaluate_sparse_ae(
    model: BlockSparseAutoencoder,
    batches: BatchSource,
    rho: float | None = None,
    low_activation: float = 0.1,
    off_block_weight: float = 1.0,
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
    * ``objective_sse``: ``in_block_sse + off_block_weight * off_block_sse``, the error the
      training minimised (equal to ``reconstruction_sse`` at the paper's weight 1); below 1 the
      full-target error may exceed the zero baseline's, this one should not.
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
        "objective_sse": (in_b + float(off_block_weight) * off_b) / n,
        "relative_to_baseline": (sse / n) / baseline if baseline > 0 else float("inf"),
        "mean_activation": float(unit_mean.mean()),
        "rho": rho,
        f"frac_units_below_{low_activation:g}": float((unit_mean < low_activation).double().mean()),
        "frac_units_dead": float((unit_mean < 1e-3).double().mean()),
    }
