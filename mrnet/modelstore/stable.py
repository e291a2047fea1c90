"""Version-stable maps of a model version, one artifact per marketplace: orthogonal matrices
that take its vectors into the space of the version it replaced (``embedding_pg/<group>``,
``embedding``, ``embedding_aligned``), with what they were fitted on in the manifest."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from mrnet.modelstore.artifacts import has_artifact, read_file, read_manifest, write_artifact
from mrnet.modelstore.layout import MAPS
from mrnet.paths import Paths


def save_stable_maps(paths: Paths, model_version: str, marketplace: str, maps: dict[str, np.ndarray],
                     manifest: dict) -> dict:
    from safetensors.numpy import save

    tensors = {name: np.ascontiguousarray(m, np.float32) for name, m in maps.items()}
    return write_artifact(paths.stable_maps(model_version, marketplace), {MAPS: save(tensors)},
                          {"kind": "stable_maps", **manifest})


def load_stable_maps(paths: Paths, model_version: str, marketplace: str) -> dict[str, np.ndarray]:
    """{name: (d, d) map} of a marketplace ({} when the version has none)."""
    from safetensors.numpy import load

    folder = Path(paths.stable_maps(model_version, marketplace))
    if not has_artifact(folder):
        return {}
    return load(read_file(folder, MAPS, read_manifest(folder)))


def has_stable_maps(paths: Paths, model_version: str) -> bool:
    root = Path(paths.model_version(model_version)) / "stable"
    return root.is_dir() and any(has_artifact(p) for p in root.iterdir())
