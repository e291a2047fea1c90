"""``models/current.json``: the model version that scoring and the autoencoders use."""
from __future__ import annotations

from pathlib import Path

from mrnet.modelstore.atomic import read_json, write_json_atomic
from mrnet.modelstore.layout import CURRENT
from mrnet.paths import Paths


def current_model_version(paths: Paths) -> str | None:
    """The version ``models/current.json`` points at (None before the first full training)."""
    pointer = Path(paths.models()) / CURRENT
    return read_json(pointer)["model_version"] if pointer.exists() else None


def publish_model_version(paths: Paths, model_version: str) -> None:
    write_json_atomic(Path(paths.models()) / CURRENT, {"model_version": model_version})
