"""The per-group MRNet models: safetensors weights + a JSON manifest per (marketplace, group)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from mrnet.model import MRNet, TaskSpec
from mrnet.modelstore.artifacts import (ChecksumMismatch, has_artifact, read_file, read_manifest,
                                        write_artifact)
from mrnet.modelstore.layout import WEIGHTS
from mrnet.paths import Paths

if TYPE_CHECKING:
    from mrnet.wordvectors import WordVectors


def save_group_model(folder: str | Path, model: MRNet, manifest: dict) -> dict:
    """Weights and manifest in one folder swap (readers never see half); returns the manifest."""
    state = {k: v.contiguous() for k, v in model.state_for_store().items()}
    return write_artifact(folder, {WEIGHTS: save_tensors(state)}, manifest)


def group_manifests(paths: Paths, model_version: str) -> list[dict]:
    """The manifests of every group model of a version, in (marketplace, group) order."""
    root = Path(paths.model_version(model_version)) / "groups"
    folders = sorted(p for p in root.glob("*/*") if not p.name.endswith(".tmp")) if root.exists() else []
    return [read_manifest(folder) for folder in folders if has_artifact(folder)]


def load_group_model(folder: str | Path, word_vectors: "WordVectors") -> tuple[MRNet, dict]:
    """The model (eval mode) and its manifest; refuses vectors whose checksum differs."""
    manifest = read_manifest(folder)
    expected = manifest["word_vectors"]["checksum"]
    if word_vectors.checksum() != expected:
        raise ChecksumMismatch(
            f"refusing to load {folder}: it was trained with word vectors {expected}, "
            f"but was given {word_vectors.checksum()} (load the vectors of "
            f"{manifest['word_vectors']['path']})")
    tasks = [TaskSpec.from_json(t) for t in manifest["tasks"]]
    state = load_tensors(read_file(folder, WEIGHTS, manifest))
    model = MRNet.from_store(word_vectors.embedding_matrix(), tasks, manifest["dims"]["hidden"], state,
                             pooling=manifest["dims"].get("pooling", "last"))
    return model, manifest
