"""The default cross-language aligner: two encoders into one space, trained contrastively.

:class:`ContrastiveAligner` maps a product of side a (one marketplace, one language) and a
product of side b into one shared, unit-length space, where the same product listed in both
languages lands close.  Each side's encoder is the sum of

* a linear map of the product's MRNet vector (standardised per dimension and side), and
* the mean of its title tokens' vectors from one table shared by both sides, indexed by a
  stable hash of the token (CRC-32 modulo ``buckets``): a token spelt the same in both
  languages (a brand, a model number, a product name, a unit) gets the same vector on both
  sides from the first step, and a word pair that translates learns to agree from the pairs.
  A token that no training pair contains still has its random initial vector, the same on
  both sides, so an unseen model number still matches its twin.

Training is the symmetric InfoNCE objective over a batch of pairs (each a-side product must
pick its own b-side counterpart among the batch's, and back) at a temperature, which is what
retrieval needs; the paper's multimodal autoencoder (:mod:`~mrnet.autoencoders.multimodal`)
reconstructs instead, and on real bilingual listings its shared space retrieves barely above
random.  It stays available as ``align.method: mmae``.
"""

from __future__ import annotations

import time
import zlib
from typing import Any, Mapping, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from mrnet.autoencoders.common import (_CONTRASTIVE_KIND, FORMAT_VERSION, Log, _check_kind, _Threads,
                                      _to_tensor, epoch_draw)
from mrnet.configuration.schema import AlignSettings

__all__ = ["ContrastiveAligner", "token_bags", "train_contrastive_aligner"]


def token_bags(token_lists: Sequence[Sequence[str] | None], buckets: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(flat bucket ids, offsets) of each title's tokens, for ``nn.EmbeddingBag`` (an empty or
    missing title is an empty bag)."""
    flat: list[int] = []
    offsets: list[int] = []
    for tokens in token_lists:
        offsets.append(len(flat))
        flat.extend(zlib.crc32(t.encode("utf-8")) % buckets for t in (tokens if tokens is not None else ()))
    return torch.tensor(flat, dtype=torch.long), torch.tensor(offsets, dtype=torch.long)


class ContrastiveAligner(nn.Module):
    """Side a / side b encoders into one unit-length space of width ``hidden``.

    ``buckets`` = 0 leaves the title tokens out (the vectors alone).  Inference:
    :meth:`encode` (``side`` "a" or "b", the vectors (B, dim), the token lists) -> (B, hidden).
    """

    def __init__(self, dim_a: int, dim_b: int, hidden: int = 256, buckets: int = 1 << 16,
                 names: tuple[str, str] = ("a", "b"), seed: int = 0):
        super().__init__()
        self.dim_a, self.dim_b, self.hidden, self.buckets = int(dim_a), int(dim_b), int(hidden), int(buckets)
        self.names = (str(names[0]), str(names[1]))
        gen = torch.Generator().manual_seed(int(seed))
        torch.manual_seed(int(seed))   # nn.Linear's default init has no generator argument
        self.lin_a = nn.Linear(self.dim_a, self.hidden)
        self.lin_b = nn.Linear(self.dim_b, self.hidden)
        if self.buckets:
            self.tokens = nn.EmbeddingBag(self.buckets, self.hidden, mode="mean", sparse=True)
            with torch.no_grad():
                self.tokens.weight.copy_(torch.randn(self.buckets, self.hidden, generator=gen))
        for side, dim in (("a", self.dim_a), ("b", self.dim_b)):
            self.register_buffer(f"mean_{side}", torch.zeros(dim))
            self.register_buffer(f"std_{side}", torch.ones(dim))

    def set_standardization(self, a: np.ndarray, b: np.ndarray) -> None:
        for side, arr in (("a", a), ("b", b)):
            arr64 = np.asarray(arr, dtype=np.float64)
            std = arr64.std(0)
            getattr(self, f"mean_{side}").copy_(torch.from_numpy(arr64.mean(0)).float())
            getattr(self, f"std_{side}").copy_(torch.from_numpy(np.where(std > 1e-6, std, 1.0)).float())

    def forward(self, side: str, x: torch.Tensor, flat: torch.Tensor | None, offsets: torch.Tensor | None) -> torch.Tensor:
        """Unit-length codes of raw (unstandardised) vectors ``x`` of one side."""
        if side not in ("a", "b"):
            raise ValueError(f"side must be 'a' or 'b', got {side!r}")
        z = (x - getattr(self, f"mean_{side}")) / getattr(self, f"std_{side}")
        h = (self.lin_a if side == "a" else self.lin_b)(z)
        if self.buckets and flat is not None:
            h = h + self.tokens(flat, offsets)
        return F.normalize(h, dim=1)

    @torch.no_grad()
    def encode(self, side: str, x: Any, token_lists: Sequence[Sequence[str] | None] | None = None) -> np.ndarray:
        """(B, hidden) float32 unit rows; ``side`` is "a" or "b"."""
        t = _to_tensor(x, device=self.mean_a.device)
        dim = self.dim_a if side == "a" else self.dim_b
        if t.dim() != 2 or t.shape[1] != dim:
            raise ValueError(f"expected shape (B, {dim}), got {tuple(t.shape)}")
        if token_lists is not None and len(token_lists) != t.shape[0]:
            raise ValueError(f"{t.shape[0]} vectors but {len(token_lists)} token lists")
        flat, offsets = token_bags(token_lists, self.buckets) if self.buckets and token_lists is not None else (None, None)
        return self.forward(side, t, flat, offsets).cpu().numpy()

    def config(self) -> dict:
        return {"kind": _CONTRASTIVE_KIND, "format_version": FORMAT_VERSION, "dim_a": self.dim_a,
                "dim_b": self.dim_b, "hidden": self.hidden, "buckets": self.buckets,
                "names": list(self.names), "token_hash": "crc32(utf-8) % buckets"}

    @classmethod
    def from_config(cls, config: Mapping[str, Any], state_dict: Mapping[str, torch.Tensor]) -> "ContrastiveAligner":
        _check_kind(config, _CONTRASTIVE_KIND)
        model = cls(int(config["dim_a"]), int(config["dim_b"]), int(config["hidden"]),
                    int(config["buckets"]), tuple(config.get("names", ("a", "b"))))
        model.load_state_dict(dict(state_dict), strict=True)
        return model


def contrastive_loss(ha: torch.Tensor, hb: torch.Tensor, temperature: float) -> torch.Tensor:
    """Symmetric InfoNCE: row i of ``ha`` must pick row i of ``hb`` among the batch, and back."""
    logits = ha @ hb.T / temperature
    target = torch.arange(len(ha), device=ha.device)
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


def train_contrastive_aligner(pairs_a: np.ndarray, pairs_b: np.ndarray,
                              tokens_a: Sequence[Sequence[str]] | None = None,
                              tokens_b: Sequence[Sequence[str]] | None = None,
                              settings: AlignSettings | None = None, log: Log = print, *,
                              names: tuple[str, str] = ("a", "b")) -> tuple[ContrastiveAligner, list[dict]]:
    """Train on N pairs (row i of every argument is the same product on both sides).  Sparse
    Adam on the title-token table at ``token_lr`` (a step touches only the batch's tokens, and a
    token is in few batches, so it learns faster than the linear maps), AdamW at ``lr`` with
    ``weight_decay`` on the linear maps; seeded batch order.
    Returns the model (CPU, eval mode) and one history dict per epoch."""
    s = AlignSettings() if settings is None else settings
    a, b = np.asarray(pairs_a, np.float32), np.asarray(pairs_b, np.float32)
    if a.ndim != 2 or b.ndim != 2 or len(a) != len(b) or len(a) < 2:
        raise ValueError(f"need >= 2 pairs as (N, d_a) and (N, d_b), got {a.shape} and {b.shape}")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("non-finite values in the paired vectors")
    buckets = s.title_buckets if tokens_a is not None and tokens_b is not None else 0
    model = ContrastiveAligner(a.shape[1], b.shape[1], s.hidden, buckets, names, s.seed)
    model.set_standardization(a, b)
    device = torch.device(s.device)
    rng = np.random.default_rng(s.seed)
    history: list[dict] = []
    with _Threads(s.threads if device.type == "cpu" else None):
        model.to(device).train()
        xa, xb = torch.from_numpy(a).to(device), torch.from_numpy(b).to(device)
        linear = [p for name, p in model.named_parameters() if not name.startswith("tokens.")]
        optimisers = [torch.optim.AdamW(linear, lr=s.lr, weight_decay=s.weight_decay)]
        if buckets:
            optimisers.append(torch.optim.SparseAdam(list(model.tokens.parameters()), lr=s.token_lr))
        for epoch in range(1, s.epochs + 1):
            t0, total, steps = time.perf_counter(), 0.0, 0
            perm = epoch_draw(rng, len(a), s.samples_per_epoch)
            for start in range(0, len(perm) - 1, s.batch_size):
                idx = perm[start:start + s.batch_size]
                if len(idx) < 2:
                    continue
                fa = oa = fb = ob = None
                if buckets:
                    fa, oa = (t.to(device) for t in token_bags([tokens_a[i] for i in idx], buckets))
                    fb, ob = (t.to(device) for t in token_bags([tokens_b[i] for i in idx], buckets))
                loss = contrastive_loss(model("a", xa[idx], fa, oa), model("b", xb[idx], fb, ob), s.temperature)
                for opt in optimisers:
                    opt.zero_grad(set_to_none=True)
                loss.backward()
                for opt in optimisers:
                    opt.step()
                total, steps = total + loss.item(), steps + 1
            history.append({"epoch": epoch, "loss": total / max(steps, 1), "pairs": len(perm),
                            "seconds": round(time.perf_counter() - t0, 3)})
            if epoch == 1 or epoch == s.epochs or epoch % 10 == 0:
                log(f"contrastive aligner epoch {epoch}/{s.epochs}: loss {history[-1]['loss']:.4f} "
                    f"({names[0]}-{names[1]}, {len(a):,} pairs) {history[-1]['seconds']:.1f}s")
    model.cpu().eval()
    return model, history
