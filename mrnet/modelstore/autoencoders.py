"""The autoencoders of a model version: the PG-agnostic one per marketplace and the aligner per
marketplace pair, each a folder of safetensors weights (their config in its metadata) + manifest."""
from __future__ import annotations

from pathlib import Path

from mrnet.modelstore.artifacts import has_artifact, read_file, read_manifest, write_artifact
from mrnet.modelstore.layout import WEIGHTS
from mrnet.paths import Paths


def save_autoencoder_model(folder: str | Path, model, manifest: dict,
                           config_yaml: str | None = None) -> dict:
    """``model`` is a BlockSparseAutoencoder or MultimodalAutoencoder; returns the manifest."""
    from mrnet.autoencoders import autoencoder_bytes

    return write_artifact(folder, {WEIGHTS: autoencoder_bytes(model)}, manifest, config_yaml)


def load_autoencoder_model(folder: str | Path):
    """(model in eval mode, manifest); refuses files whose checksum differs from the manifest."""
    from mrnet.autoencoders import autoencoder_from_bytes

    manifest = read_manifest(folder)
    return autoencoder_from_bytes(read_file(folder, WEIGHTS, manifest), str(folder)), manifest


def agnostic_model(paths: Paths, model_version: str, marketplace: str):
    """(sparse autoencoder, manifest) of a marketplace, or None when the version has none."""
    folder = paths.agnostic_model(model_version, marketplace)
    return load_autoencoder_model(folder) if has_artifact(folder) else None


def aligner_for(paths: Paths, model_version: str, marketplace: str):
    """(aligner, "a" or "b", the vector it is fed) of the first configured pair naming the
    marketplace, or None; a pair whose aligner the align stage withheld (manifest
    ``published: false``) has none."""
    root = Path(paths.model_version(model_version)) / "align"
    for folder in sorted(root.iterdir()) if root.exists() else []:
        if folder.name.endswith(".tmp") or not has_artifact(folder):   # .tmp: a write that died
            continue
        manifest = read_manifest(folder)
        side_a, side_b = manifest["pair"]
        if marketplace in (side_a, side_b):
            if not manifest.get("published", True):
                return None
            model, _ = load_autoencoder_model(folder)
            return model, "a" if marketplace == side_a else "b", manifest.get("input", "agnostic")
    return None
