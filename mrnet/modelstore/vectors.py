"""Word vectors in the store: safetensors + vocabulary JSON + manifest, never pickle.

One folder per version under ``models/word2vec/<marketplace>/``; ``current.json`` beside them
names the latest, written only after the version's folder is complete.
"""
from __future__ import annotations

import json
from pathlib import Path

from safetensors.numpy import load as load_tensors
from safetensors.numpy import save as save_tensors

from mrnet.modelstore.artifacts import ChecksumMismatch, read_file, read_manifest, write_artifact
from mrnet.modelstore.atomic import read_json, write_json_atomic
from mrnet.modelstore.layout import CURRENT, VECTORS, VOCAB
from mrnet.wordvectors import WordVectors


def save_word_vectors(folder: str | Path, vectors: WordVectors, config_yaml: str | None = None) -> str:
    """Write one version's folder; returns the vectors' checksum (what models record)."""
    checksum = vectors.checksum()
    files = {VECTORS: save_tensors({"vectors": vectors.vectors}),
             VOCAB: json.dumps(vectors.vocab, ensure_ascii=False)}
    manifest = {**vectors.info, "checksum": checksum, "words": len(vectors.vocab), "dim": vectors.dim}
    write_artifact(folder, files, manifest, config_yaml)
    return checksum


def load_word_vectors(folder: str | Path, expected_checksum: str | None = None) -> WordVectors:
    """The vectors of ``folder``; refuses corrupt files and vectors other than ``expected``."""
    manifest = read_manifest(folder)
    vectors = load_tensors(read_file(folder, VECTORS, manifest))["vectors"]
    vocab = json.loads(read_file(folder, VOCAB, manifest))
    loaded = WordVectors(vocab, vectors, manifest)
    actual = loaded.checksum()
    if actual != manifest["checksum"]:
        raise ChecksumMismatch(f"{folder}: files are corrupt (checksum {actual} != manifest)")
    if expected_checksum and actual != expected_checksum:
        raise ChecksumMismatch(
            f"{folder}: word vectors have checksum {actual}, but the model was trained "
            f"with {expected_checksum}; score with the word vectors of the model's version")
    return loaded


def publish_word_vectors(root: str | Path, version: str, checksum: str) -> None:
    """Point ``root/current.json`` at ``version`` (atomically, after the version is complete)."""
    write_json_atomic(Path(root) / CURRENT, {"version": version, "checksum": checksum})


def current_word_vectors(root: str | Path) -> dict:
    """``{"version", "checksum"}`` of the published vectors under ``root``."""
    path = Path(root) / CURRENT
    if not path.exists():
        raise FileNotFoundError(f"no word vectors at {root}: run jobs/word2vec.py first")
    return read_json(path)
