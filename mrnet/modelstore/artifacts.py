"""An artifact folder written all at once (temp folder, then one rename) and read back verified."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Mapping

from mrnet.modelstore.atomic import fsync_dir, read_json, write_atomic, write_json_atomic
from mrnet.modelstore.layout import CONFIG, FORMAT_VERSION, MANIFEST


class ChecksumMismatch(ValueError):
    """An artifact's files differ from its manifest, or from what its reader expects."""


class UnsupportedFormat(ValueError):
    """An artifact written by a newer version of the project."""


def write_artifact(folder: str | Path, files: Mapping[str, bytes | str], manifest: dict,
                   config_yaml: str | None = None) -> dict:
    """Write ``files`` + manifest (+ the run's config) into ``folder``, replacing it whole.

    Readers see the old folder or the new one, never a mix. Returns the manifest as written.
    """
    folder = Path(folder)
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if config_yaml is not None:
        files = {**files, CONFIG: config_yaml}
    for name, data in files.items():
        write_atomic(tmp / name, data)
    checksums = {name: _sha256(data) for name, data in files.items()}
    written = {"format_version": FORMAT_VERSION, **manifest, "files": checksums}
    write_json_atomic(tmp / MANIFEST, written)
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    fsync_dir(folder.parent)
    return read_json(folder / MANIFEST)


def has_artifact(folder: str | Path) -> bool:
    return (Path(folder) / MANIFEST).exists()


def read_manifest(folder: str | Path) -> dict:
    manifest = read_json(Path(folder) / MANIFEST)
    if manifest.get("format_version", 1) > FORMAT_VERSION:
        raise UnsupportedFormat(f"{folder}: format version {manifest['format_version']} is newer "
                                f"than this code reads ({FORMAT_VERSION}); upgrade mrnet")
    return manifest


def read_file(folder: str | Path, name: str, manifest: dict | None = None) -> bytes:
    """One file of an artifact, refused when its checksum differs from the manifest's."""
    manifest = manifest if manifest is not None else read_manifest(folder)
    data = (Path(folder) / name).read_bytes()
    expected = manifest.get("files", {}).get(name)
    if expected is not None and _sha256(data) != expected:
        raise ChecksumMismatch(f"{Path(folder) / name}: files are corrupt (checksum differs from "
                               f"the manifest)")
    return data


def _sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()
