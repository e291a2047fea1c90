"""``models/current.json``: the model version scoring uses; ``models/candidate.json``: the one
training just made, which the autoencoders are trained for and the quality gate judges."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from mrnet.modelstore.atomic import read_json, write_json_atomic
from mrnet.modelstore.layout import CANDIDATE, CURRENT, PUBLISHED
from mrnet.paths import Paths


def current_model_version(paths: Paths) -> str | None:
    """The version ``models/current.json`` points at (None before the first full training)."""
    pointer = Path(paths.models()) / CURRENT
    return read_json(pointer)["model_version"] if pointer.exists() else None


def publish_model_version(paths: Paths, model_version: str, how: str = "gate") -> None:
    """Point scoring at ``model_version``, and log the publication (``how``: gate, forced, by
    hand, rollback) so a rollback knows what came before."""
    history = publications(paths)
    entry = {"model_version": model_version, "published_at": datetime.now(timezone.utc).isoformat(
        timespec="seconds"), "how": how}
    write_json_atomic(Path(paths.models()) / PUBLISHED, [*history, entry])
    write_json_atomic(Path(paths.models()) / CURRENT, {"model_version": model_version})


def publications(paths: Paths) -> list[dict]:
    """Every publication, oldest first."""
    log = Path(paths.models()) / PUBLISHED
    return read_json(log) if log.exists() else []


def candidate_model_version(paths: Paths) -> str | None:
    """The version training made that the gate has not judged yet (None: none)."""
    pointer = Path(paths.models()) / CANDIDATE
    return read_json(pointer)["model_version"] if pointer.exists() else None


def propose_model_version(paths: Paths, model_version: str) -> None:
    write_json_atomic(Path(paths.models()) / CANDIDATE, {"model_version": model_version})


def withdraw_candidate(paths: Paths) -> None:
    (Path(paths.models()) / CANDIDATE).unlink(missing_ok=True)
