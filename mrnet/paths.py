"""Every folder of the system, derived from one root (no path strings in jobs); the file names
inside the model store's folders are :mod:`mrnet.modelstore.layout`'s."""
from __future__ import annotations

import os
from dataclasses import dataclass


def _is_uri(path: str) -> bool:
    return "://" in path


@dataclass(frozen=True)
class Paths:
    """``root/tables/<table>``, ``root/models/<version>/…``, ``root/reports/…``, ``root/runs/…``."""

    root: str

    @classmethod
    def from_root(cls, root: str) -> "Paths":
        return cls(root if _is_uri(root) else os.path.abspath(root))

    def table(self, name: str) -> str:
        return f"{self.root}/tables/{name}"

    def models(self) -> str:
        return f"{self.root}/models"

    def model_version(self, version: str) -> str:
        return f"{self.root}/models/{version}"

    def group_model(self, version: str, marketplace: str, group: str) -> str:
        return f"{self.model_version(version)}/groups/{marketplace}/{group}"

    def word2vec(self, marketplace: str) -> str:
        """Holds one folder per word2vec version and ``current.json`` pointing at the latest."""
        return f"{self.root}/models/word2vec/{marketplace}"

    def word_vectors(self, marketplace: str, version: str) -> str:
        return f"{self.word2vec(marketplace)}/{version}"

    def agnostic_model(self, version: str, marketplace: str) -> str:
        return f"{self.model_version(version)}/agnostic/{marketplace}"

    def align_model(self, version: str, side_a: str, side_b: str) -> str:
        return f"{self.model_version(version)}/align/{side_a}-{side_b}"

    def checkpoints(self, version: str, marketplace: str, group: str) -> str:
        return f"{self.root}/checkpoints/{version}/{marketplace}/{group}"

    def reports(self, *parts: str) -> str:
        return "/".join([self.root, "reports", *parts])

    def run_dir(self, job: str, run_id: str) -> str:
        return f"{self.root}/runs/{job}/{run_id}"
