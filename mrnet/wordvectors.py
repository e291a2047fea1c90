"""Word vectors in the model store: safetensors + vocabulary JSON + checksum, never pickle."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
from safetensors.numpy import load_file, save_file

PADDING_ID = 0


class ChecksumMismatch(ValueError):
    pass


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
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        checksum = self.checksum()
        save_file({"vectors": self.vectors}, str(folder / "vectors.safetensors"))
        (folder / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False))
        manifest = {**self.info, "checksum": checksum, "words": len(self.vocab), "dim": self.dim}
        write_json_atomic(folder / "manifest.json", manifest)
        return checksum

    @classmethod
    def load(cls, folder: str | Path, expected_checksum: str | None = None) -> "WordVectors":
        folder = Path(folder)
        vectors = load_file(str(folder / "vectors.safetensors"))["vectors"]
        vocab = json.loads((folder / "vocab.json").read_text())
        info = json.loads((folder / "manifest.json").read_text())
        loaded = cls(vocab, vectors, info)
        actual = loaded.checksum()
        if actual != info["checksum"]:
            raise ChecksumMismatch(f"{folder}: files are corrupt (checksum {actual} != manifest)")
        if expected_checksum and actual != expected_checksum:
            raise ChecksumMismatch(
                f"{folder}: word vectors have checksum {actual}, but the model was trained "
                f"with {expected_checksum}; score with the word vectors of the model's version")
        return loaded


def write_json_atomic(path: Path, data: dict) -> None:
    """Write to a temp file, then rename: readers see the old or the new file, never half."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    os.replace(tmp, path)


def publish_current(root: Path, version: str, checksum: str) -> None:
    """Point ``root/current.json`` at ``version`` (atomically, after the version is complete)."""
    write_json_atomic(root / "current.json", {"version": version, "checksum": checksum})


def current_version(root: Path) -> dict:
    path = root / "current.json"
    if not path.exists():
        raise FileNotFoundError(f"no word vectors at {root}: run jobs/word2vec.py first")
    return json.loads(path.read_text())
