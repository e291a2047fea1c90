"""Word vectors: a vocabulary, its (V, D) matrix and the token ids the models read.

Stored by :mod:`mrnet.modelstore.vectors` (safetensors + vocabulary JSON, never pickle).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

PADDING_ID = 0


@dataclass
class WordVectors:
    """``vocab[i]`` has vector ``vectors[i]`` and token id ``i + 1`` (0 is padding)."""

    vocab: list[str]
    vectors: np.ndarray                      # (V, D) float32
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.vectors = np.ascontiguousarray(self.vectors, dtype=np.float32)
        self._index = {token: i + 1 for i, token in enumerate(self.vocab)}

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    def checksum(self) -> str:
        digest = hashlib.sha256(self.vectors.tobytes())
        digest.update("\n".join(self.vocab).encode())
        return digest.hexdigest()[:32]

    def ids(self, tokens: Iterable[str]) -> np.ndarray:
        """Token ids of the known tokens, in order (unknown tokens are dropped): (n,) int32."""
        index = self._index
        return np.fromiter((index[t] for t in tokens if t in index), dtype=np.int32)

    def embedding_matrix(self) -> np.ndarray:
        """(V + 1, D) with the all-zero padding row first: the model's frozen input table."""
        return np.vstack([np.zeros((1, self.dim), np.float32), self.vectors])

    def save(self, folder: str | Path) -> str:
        """Store under ``folder`` (see :mod:`mrnet.modelstore.vectors`); returns the checksum."""
        from mrnet.modelstore import save_word_vectors

        return save_word_vectors(folder, self)

    @classmethod
    def load(cls, folder: str | Path, expected_checksum: str | None = None) -> "WordVectors":
        from mrnet.modelstore import load_word_vectors

        return load_word_vectors(folder, expected_checksum)
