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
        self._spelling = None

    @property
    def oov(self) -> str:
        """What happens to a word outside the vocabulary (``word2vec.oov``); vectors written
        before the setting existed drop it."""
        return self.info.get("settings", {}).get("oov", "drop")

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    def checksum(self) -> str:
        digest = hashlib.sha256(self.vectors.tobytes())
        digest.update("\n".join(self.vocab).encode())
        if self.oov != "drop":   # the ids a title gets depend on it: models must not mix them
            digest.update(f"\noov={self.oov}".encode())
        return digest.hexdigest()[:32]

    def ids(self, tokens: Iterable[str]) -> np.ndarray:
        """Token ids of a title's words, in order: (n,) int32. An unknown word is dropped, or
        with ``oov: spelling`` takes the id of the known word spelt most like it; when no word
        of the title clears that bar, each takes its closest known spelling, however far."""
        index = self._index
        known = np.fromiter((index[t] for t in tokens if t in index), dtype=np.int32)
        if self.oov == "drop" or len(known) == len(tokens):
            return known
        spelling = self.spelling()
        ids = [index.get(t) or spelling.id_of(t) for t in tokens]
        if not any(ids):
            ids = [spelling.id_of(t, min_similarity=0.0) for t in tokens]
        return np.fromiter((i for i in ids if i), dtype=np.int32)

    def spelling(self):
        from mrnet.spelling import SpellingNeighbours

        if self._spelling is None:
            self._spelling = SpellingNeighbours(self.vocab)
        return self._spelling

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
