"""The cross-language autoencoder of paper 5 (the pipeline's ``align`` stage).

:class:`MultimodalAutoencoder` is the bimodal autoencoder of paper section 5 (after Ngiam et
al. 2011): input ``[x_a ; x_b]``, one hidden layer, output ``[x_a ; x_b]``, trained by
:func:`train_multimodal_ae` on the three kinds of input ``(a, b)``, ``(a, 0)``, ``(0, b)``,
each reconstructing ``(a, b)``.  Side a and side b are two marketplaces' (languages') embedding
spaces; row i of the two training matrices is the same product.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Mapping

import numpy as np
import torch
from torch import nn

from mrnet.autoencoders.common import (
    _MULTIMODAL_KIND,
    FORMAT_VERSION,
    Log,
    _check_kind,
    _Threads,
    epoch_draw,
    _to_tensor,
    _uniform_,
)
from mrnet.configuration.schema import AlignSettings

__all__ = ["MultimodalAutoencoder", "multimodal_loss", "train_multimodal_ae"]


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

    def encode(self, side: str, x: Any, token_lists=None) -> np.ndarray:
        """The shared code of one side's embeddings alone (the aligners' common interface; the
        title tokens are not used here)."""
        return np.asarray(self.shared(x_a=x) if side == "a" else self.shared(x_b=x), np.float32)

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


_KINDS = ("pair", "a_only", "b_only")


def train_multimodal_ae(
    pairs_a: np.ndarray,
    pairs_b: np.ndarray,
    settings: AlignSettings | None = None,
    log: Log = print,
    *,
    names: tuple[str, str] = ("a", "b"),
) -> tuple[MultimodalAutoencoder, list[dict]]:
    """Train the multimodal autoencoder on N paired embeddings: ``pairs_a`` (N, d_a) and
    ``pairs_b`` (N, d_b), row i of both being the same product in the two marketplaces.
    ``names`` labels the two sides (the stage passes the marketplace pair; kept in the model's
    config and used in the log).  ``settings`` defaults to ``AlignSettings()``; its conf-only
    fields (pairs, max_pairs, test_fraction) are not read here.

    The training set is the union of the three kinds of input -- (a, b), (a, 0), (0, b), each
    with target (a, b) -- i.e. 3N examples; every epoch shuffles the union (seeded) and walks it
    in batches of ``batch_size``, so each batch is a random draw from the full training data,
    as in the paper.  Adam, MSE in standardised coordinates.  Returns the model (on CPU) and
    one history dict per epoch (overall loss and loss per kind of input).
    """
    s = AlignSettings() if settings is None else settings
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
    model = MultimodalAutoencoder(a.shape[1], b.shape[1], s.hidden, s.activation, names, s.seed)
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
            perm = torch.from_numpy(epoch_draw(rng, 3 * n, 3 * s.samples_per_epoch)).to(device)
            kind_sum = torch.zeros(3, dtype=torch.float64, device=device)
            kind_n = torch.zeros(3, dtype=torch.float64, device=device)
            for start in range(0, len(perm), s.batch_size):
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
            rec = {"epoch": epoch, "loss": float(kind_sum.sum() / kind_n.sum()), "examples": len(perm)}
            rec.update({f"loss_{k}": v for k, v in zip(_KINDS, per_kind)})
            rec["seconds"] = round(time.perf_counter() - t0, 3)
            history.append(rec)
            log(
                f"multimodal-ae epoch {epoch}/{s.epochs}: loss {rec['loss']:.5f} "
                f"(pair {per_kind[0]:.5f}, {names[0]} only {per_kind[1]:.5f}, "
                f"{names[1]} only {per_kind[2]:.5f}) {rec['seconds']:.1f}s"
            )
    model.cpu().eval()
    return model, history
