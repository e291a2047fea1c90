"""Embeddings on demand: vectors for titles that are not in the table yet (a product listed this
morning, a query, a competitor's title), with the numbers the scoring job writes.

    >>> from mrnet import Embedder
    >>> embedder = Embedder.load("warehouse")            # the published model version
    >>> embedder.embed(["Wooden toy train set"], marketplace="uk", group="toys")
"""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from mrnet.embedder import ModelBundle, embed_rows
from mrnet.errors import MissingInput
from mrnet.modelstore import current_model_version
from mrnet.paths import Paths
from mrnet.text import tokenize_many

class Embedder:
    """The models of one version, loaded once, embedding any titles of one (marketplace, group)."""

    def __init__(self, root: str, model_version: str, stable: bool = True):
        self.root, self.model_version = root, model_version
        self._bundle = ModelBundle(Paths.from_root(root), model_version, stable)

    @classmethod
    def load(cls, root: str, model_version: str | None = None, stable: bool = True) -> "Embedder":
        """The version ``model_version``, or the one ``models/current.json`` points at; its
        vectors in the stable space as the scoring job writes them (``stable=False``: the
        version's own space)."""
        version = model_version or current_model_version(Paths.from_root(root))
        if version is None:
            raise MissingInput(f"no published model version under {root}: run the nightly chain first")
        return cls(root, version, stable)

    def embed(self, titles: Iterable[str] | str, marketplace: str, group: str) -> pd.DataFrame:
        """One row per title: ``title, status`` and the three vectors (None where the scoring job
        writes null: an empty title, no known word, a group without a model, an unpaired
        marketplace for ``embedding_aligned``)."""
        titles = [titles] if isinstance(titles, str) else list(titles)
        n = len(titles)
        status, vectors = embed_rows(self._bundle, np.full(n, marketplace, object), np.full(n, group, object),
                                     tokenize_many(titles))
        return pd.DataFrame({"title": titles, "status": status,
                             **{name: vector_rows(matrix, n) for name, matrix in vectors.items()}})


def vector_rows(matrix: np.ndarray | None, n: int) -> list:
    """One numpy vector per row, None where the row has none."""
    if matrix is None:
        return [None] * n
    return [None if np.isnan(row).any() else row for row in matrix]
