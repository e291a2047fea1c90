"""Every folder of the system, derived from one root (no path strings in jobs); the file names
inside the model store's folders are :mod:`mrnet.modelstore.layout`'s."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass


def _is_uri(path: str) -> bool:
    return "://" in path


_UNSAFE = re.compile(r"[%/\\\x00-\x1f\x7f]|^\.")


def segment(value: str) -> str:
    """A catalog value (marketplace, product group, version, ...) as one folder name that cannot
    leave its folder: ``%``, ``/``, ``\\``, control characters and a leading ``.`` are
    percent-encoded (so ``..`` is ``%2E.``); every other name is kept as it is, and distinct
    values stay distinct."""
    value = str(value)
    if not value:
        raise ValueError("an empty name cannot be a folder")
    return _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), value)


@dataclass(frozen=True)
class Paths:
    """``root/tables/<table>``, ``root/models/<version>/…``, ``root/reports/…``, ``root/runs/…``."""

    root: str

    @classmethod
    def from_root(cls, root: str) -> "Paths":
        return cls(root if _is_uri(root) else os.path.abspath(root))

    def table(self, name: str) -> str:
        return f"{self.root}/tables/{segment(name)}"

    def models(self) -> str:
        return f"{self.root}/models"

    def model_version(self, version: str) -> str:
        return f"{self.root}/models/{segment(version)}"

    def group_model(self, version: str, marketplace: str, group: str) -> str:
        return f"{self.model_version(version)}/groups/{segment(marketplace)}/{segment(group)}"

    def word2vec(self, marketplace: str) -> str:
        """Holds one folder per word2vec version and ``current.json`` pointing at the latest."""
        return f"{self.root}/models/word2vec/{segment(marketplace)}"

    def word_vectors(self, marketplace: str, version: str) -> str:
        return f"{self.word2vec(marketplace)}/{segment(version)}"

    def agnostic_model(self, version: str, marketplace: str) -> str:
        return f"{self.model_version(version)}/agnostic/{segment(marketplace)}"

    def align_model(self, version: str, side_a: str, side_b: str) -> str:
        return f"{self.model_version(version)}/align/{segment(side_a)}-{segment(side_b)}"

    def stable_maps(self, version: str, marketplace: str) -> str:
        return f"{self.model_version(version)}/stable/{segment(marketplace)}"

    def checkpoints(self, version: str, marketplace: str, group: str) -> str:
        return f"{self.root}/checkpoints/{segment(version)}/{segment(marketplace)}/{segment(group)}"

    def reports(self, *parts: str) -> str:
        return "/".join([self.root, "reports", *map(segment, parts)])

    def run_dir(self, job: str, run_id: str) -> str:
        return f"{self.root}/runs/{segment(job)}/{segment(run_id)}"
