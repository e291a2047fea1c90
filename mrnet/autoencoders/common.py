"""What both autoencoders share: the serialisation format's constants, numpy/torch conversion,
seeded initialisation and a scoped torch thread count.  Internal to :mod:`mrnet.autoencoders`."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

import numpy as np
import torch

FORMAT_VERSION = 1
_SPARSE_KIND = "block_sparse_autoencoder"
_MULTIMODAL_KIND = "multimodal_autoencoder"
_CONTRASTIVE_KIND = "contrastive_aligner"

# A callable returning a fresh iterable of (x (B, block_dim) float, g (B,) int) batches.
BatchSource = Callable[[], Iterable[tuple[np.ndarray, np.ndarray]]]
Log = Callable[[str], Any]


def _check_kind(config: Mapping[str, Any], kind: str) -> None:
    """Refuse a config written for the other model, or by a newer format version."""
    if config.get("kind") != kind:
        raise ValueError(f"config is for {config.get('kind')!r}, not {kind!r}")
    if int(config.get("format_version", FORMAT_VERSION)) > FORMAT_VERSION:
        raise ValueError(
            f"config format_version {config['format_version']} is newer than this code "
            f"({FORMAT_VERSION})"
        )


def _to_tensor(a: Any, dtype: torch.dtype = torch.float32, device: Any = None) -> torch.Tensor:
    """numpy array / torch tensor / array-like (any shape) -> tensor of ``dtype`` on ``device``."""
    if isinstance(a, torch.Tensor):
        return a.to(dtype=dtype, device=device)
    arr = np.asarray(a)
    if not arr.flags.writeable:  # e.g. np.broadcast_to views; torch wants writable memory
        arr = arr.copy()
    return torch.as_tensor(arr, dtype=dtype, device=device)


def _uniform_(t: torch.Tensor, bound: float, generator: torch.Generator) -> None:
    """Fill ``t`` (any shape) in place, uniform in +-bound, from ``generator``."""
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


def epoch_draw(rng: np.random.Generator, n: int, limit: int) -> np.ndarray:
    """One epoch's example order: a fresh permutation of ``n`` examples, cut to ``limit``
    (0: all of them) so that a large training set does not make epochs grow with it."""
    perm = rng.permutation(n)
    return perm[:limit] if limit else perm
