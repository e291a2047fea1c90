"""The per-group MRNet models in the model store: safetensors weights + a JSON manifest.

``<root>/models/<model_version>/groups/<marketplace>/<group>/{model.safetensors,manifest.json}``.
Loading never unpickles anything, and refuses word vectors other than the model's own.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from safetensors.torch import load_file, save_file

from mrnet.model import MRNet, TaskSpec
from mrnet.paths import Paths
from mrnet.wordvectors import ChecksumMismatch, WordVectors, write_json_atomic

FORMAT_VERSION = 1


def save_group_model(folder: str | Path, model: MRNet, manifest: dict) -> None:
    """Write weights and manifest to a temp folder, then swap it in (readers never see half)."""
    folder = Path(folder)
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_file({k: v.contiguous() for k, v in model.state_for_store().items()},
              str(tmp / "model.safetensors"))
    (tmp / "manifest.json").write_text(
        json.dumps({"format_version": FORMAT_VERSION, **manifest}, indent=2, default=to_jsonable))
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)


def current_model_version(paths: Paths) -> str | None:
    """The model version ``models/current.json`` points at (None before the first full training)."""
    pointer = Path(paths.models()) / "current.json"
    return json.loads(pointer.read_text())["model_version"] if pointer.exists() else None


def publish_model_version(paths: Paths, model_version: str) -> None:
    write_json_atomic(Path(paths.models()) / "current.json", {"model_version": model_version})


def read_manifest(folder: str | Path) -> dict:
    return json.loads((Path(folder) / "manifest.json").read_text())


def load_group_model(folder: str | Path, word_vectors: WordVectors) -> tuple[MRNet, dict]:
    """The model (eval mode) and its manifest; refuses vectors whose checksum differs."""
    manifest = read_manifest(folder)
    expected = manifest["word_vectors"]["checksum"]
    if word_vectors.checksum() != expected:
        raise ChecksumMismatch(
            f"refusing to load {folder}: it was trained with word vectors {expected}, "
            f"but was given {word_vectors.checksum()} (load the vectors of "
            f"{manifest['word_vectors']['path']})")
    tasks = [TaskSpec.from_json(t) for t in manifest["tasks"]]
    state = load_file(str(Path(folder) / "model.safetensors"))
    model = MRNet.from_store(word_vectors.embedding_matrix(), tasks, manifest["dims"]["hidden"], state)
    return model, manifest


def to_jsonable(value):
    """json.dumps default for numpy values."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    return str(value)
