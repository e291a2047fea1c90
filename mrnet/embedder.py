"""Title tokens → PG-specific, PG-agnostic and language-aligned vectors, with every model of a
model version loaded once per Python worker (cached by root and version) and reused by every
Arrow batch. Used by the agnostic, align and score stages on the executors.
"""
from __future__ import annotations

import threading

import numpy as np
import torch

from mrnet.devices import score_batch_size
from mrnet.model import encode_numpy, exact_float32
from mrnet.modelstore import (agnostic_model, aligner_for, has_artifact, load_group_model,
                              load_stable_maps, load_word_vectors, read_manifest)
from mrnet.paths import Paths
from mrnet.schemas import STATUS_EMPTY, STATUS_NO_TOKENS, STATUS_OK, STATUS_UNKNOWN_GROUP


_BUNDLES: dict[tuple[str, str], "ModelBundle"] = {}
_LOCK = threading.Lock()


def bundle_for(root: str, model_version: str, stable: bool = True, device: str = "cpu",
               amp: bool = False) -> "ModelBundle":
    """The worker's one bundle for this model version on this device (built on first use)."""
    key = (root, model_version, stable, device, amp)
    with _LOCK:
        if key not in _BUNDLES:
            _BUNDLES[key] = ModelBundle(Paths(root), model_version, stable, device, amp)
        return _BUNDLES[key]


class ModelBundle:
    """The models of one version, each loaded on first use and then kept. ``stable``: the
    vectors :func:`embed_rows` makes are taken into the previous version's space by the
    version's stable maps, where it has them (``score.stable_space``). ``device``: where the
    group BiLSTMs run (the autoencoders are small and stay on the CPU); ``amp``: float16
    autocast there, on a CUDA device only."""

    def __init__(self, paths: Paths, model_version: str, stable: bool = True, device: str = "cpu",
                 amp: bool = False):
        self.paths, self.model_version, self.stable = paths, model_version, stable
        self.device, self.amp = exact_float32(device), amp
        self._groups: dict = {}
        self._vectors: dict = {}
        self._agnostic: dict = {}
        self._aligners: dict = {}
        self._maps: dict = {}

    def mapped(self, marketplace: str, name: str, matrix: np.ndarray | None) -> np.ndarray | None:
        """``matrix`` in the stable space (unchanged without a map or with ``stable`` off)."""
        if not self.stable or matrix is None or matrix.shape[1] == 0:
            return matrix
        if marketplace not in self._maps:
            self._maps[marketplace] = load_stable_maps(self.paths, self.model_version, marketplace)
        rotation = self._maps[marketplace].get(name)
        return matrix if rotation is None else (matrix @ rotation).astype(np.float32)

    def group_model(self, marketplace: str, group: str):
        """(model, word vectors) of a group, or None when the version has no model for it."""
        key = (marketplace, group)
        if key not in self._groups:
            folder = self.paths.group_model(self.model_version, marketplace, group)
            self._groups[key] = self._load_group(folder) if has_artifact(folder) else None
        return self._groups[key]

    def _load_group(self, folder: str):
        path = read_manifest(folder)["word_vectors"]["path"]
        if path not in self._vectors:
            self._vectors[path] = load_word_vectors(path)
        model, _ = load_group_model(folder, self._vectors[path])
        return model.to(self.device), self._vectors[path]

    def agnostic(self, marketplace: str):
        """(sparse autoencoder, {group: block index}) of a marketplace, or None."""
        if marketplace not in self._agnostic:
            found = agnostic_model(self.paths, self.model_version, marketplace)
            self._agnostic[marketplace] = None if found is None else \
                (found[0], {g: i for i, g in enumerate(found[1]["groups"])})
        return self._agnostic[marketplace]

    def aligner(self, marketplace: str):
        """(aligner, "a" or "b", "agnostic" or "group": the vector it is fed) of the first pair
        naming the marketplace, or None."""
        if marketplace not in self._aligners:
            self._aligners[marketplace] = aligner_for(self.paths, self.model_version, marketplace)
        return self._aligners[marketplace]


def embed_group(bundle: ModelBundle, marketplace: str, group: str, token_lists) -> tuple[np.ndarray, list[str]]:
    """(N, 2H) float32 group vectors (NaN rows where none can be made) and a status per row."""
    loaded = bundle.group_model(marketplace, group)
    n = len(token_lists)
    if loaded is None:
        return np.full((n, 0), np.nan, np.float32), [STATUS_UNKNOWN_GROUP] * n
    model, vectors = loaded
    ids = [vectors.ids(tokens) if tokens is not None else np.empty(0, np.int32) for tokens in token_lists]
    status = [STATUS_OK if len(i) else (STATUS_EMPTY if tokens is None or len(tokens) == 0 else STATUS_NO_TOKENS)
              for i, tokens in zip(ids, token_lists)]
    out = np.full((n, model.embedding_dim), np.nan, np.float32)
    known = [k for k, i in enumerate(ids) if len(i)]
    if known:
        with torch.inference_mode():
            out[known] = encode_numpy(model, [ids[k] for k in known], batch_size=score_batch_size(bundle.device),
                                      amp=bundle.amp)
    return out, status


def embed_agnostic(bundle: ModelBundle, marketplace: str, group: str, group_vectors: np.ndarray) -> np.ndarray | None:
    """(N, 256) PG-agnostic vectors of one group's rows (NaN rows stay NaN), or None."""
    loaded = bundle.agnostic(marketplace)
    if loaded is None or group not in loaded[1] or group_vectors.shape[1] == 0:
        return None
    model, index = loaded
    out = np.full((len(group_vectors), model.config()["hidden"]), np.nan, np.float32)
    ok = ~np.isnan(group_vectors).any(axis=1)
    if ok.any():
        g = np.full(int(ok.sum()), index[group], np.int64)
        with torch.inference_mode():
            out[ok] = model.embed(group_vectors[ok], g)
    return out


def embed_aligned(bundle: ModelBundle, marketplace: str, group_vectors: np.ndarray,
                  agnostic: np.ndarray | None, token_lists) -> np.ndarray | None:
    """(N, hidden) vectors in the shared cross-language space of the marketplace's pair, or None
    (no aligner, or one withheld by the align stage's check)."""
    loaded = bundle.aligner(marketplace)
    if loaded is None:
        return None
    model, side, fed = loaded
    inputs = group_vectors if fed == "group" else agnostic
    if inputs is None or inputs.shape[1] == 0:
        return None
    out = np.full((len(inputs), model.config()["hidden"]), np.nan, np.float32)
    ok = ~np.isnan(inputs).any(axis=1)
    if ok.any():
        with torch.inference_mode():
            out[ok] = aligned_codes(model, side, inputs[ok], [token_lists[i] for i in np.flatnonzero(ok)])
    return out


def aligned_codes(model, side: str, vectors: np.ndarray, token_lists) -> np.ndarray:
    """The shared-space codes of one side's products, whichever aligner the pair has (both
    have ``encode``; only the contrastive one reads the title tokens)."""
    return np.asarray(model.encode(side, vectors, token_lists), np.float32)


def make_vector_fn(root: str, model_version: str, key: str, outputs: dict[str, str], carry: tuple = ()):
    """Runs on the driver; returns the mapInPandas function that runs on the executors:
    (marketplace, product_group, ``key``, title_tokens, ``carry``...) → (marketplace,
    product_group, ``key``, ``carry``..., one column per ``outputs`` entry), where ``outputs``
    maps a column name to "group" (the group vector) or "agnostic" (the PG-agnostic one). Rows
    without every vector are left out (callers that must keep every row use mrnet.score)."""
    import pandas as pd

    def vectors_of(batches):
        bundle = bundle_for(root, model_version)
        for batch in batches:
            for (marketplace, group), rows in batch.groupby(["marketplace", "product_group"]):
                pg, status = embed_group(bundle, marketplace, group, list(rows["title_tokens"]))
                kinds = {"group": pg}
                if "agnostic" in outputs.values():
                    kinds["agnostic"] = embed_agnostic(bundle, marketplace, group, pg)
                    if kinds["agnostic"] is None:
                        continue
                ok = np.array(status) == STATUS_OK
                if not ok.any():
                    continue   # an empty float column would not convert to array<float>
                yield pd.DataFrame({"marketplace": marketplace, "product_group": group,
                                    key: rows[key].to_numpy()[ok],
                                    **{c: rows[c].to_numpy()[ok] for c in carry},
                                    **{c: list(kinds[kind][ok]) for c, kind in outputs.items()}})

    return vectors_of


VECTOR_COLUMNS = ("embedding_pg", "embedding", "embedding_aligned")


def embed_rows(bundle: ModelBundle, marketplace: np.ndarray, group: np.ndarray,
               token_lists) -> tuple[np.ndarray, dict[str, np.ndarray | None]]:
    """Rows of any (marketplace, group) mix: a status per row and the three vectors as (N, d)
    matrices (NaN rows where a row has none; None where no row of the batch has one)."""
    n = len(token_lists)
    status = np.full(n, STATUS_EMPTY, dtype=object)
    vectors: dict[str, np.ndarray | None] = dict.fromkeys(VECTOR_COLUMNS)
    keys = marketplace.astype(str) + "\x1f" + group.astype(str)
    for key in np.unique(keys):
        rows = np.flatnonzero(keys == key)
        mp, pg = key.split("\x1f", 1)
        tokens = [token_lists[i] for i in rows]
        pg_vectors, pg_status = embed_group(bundle, mp, pg, tokens)
        status[rows] = pg_status
        agnostic = embed_agnostic(bundle, mp, pg, pg_vectors)
        aligned = embed_aligned(bundle, mp, pg_vectors, agnostic, tokens)
        for name, part in zip(VECTOR_COLUMNS, (pg_vectors, agnostic, aligned)):
            map_name = f"{name}/{pg}" if name == "embedding_pg" else name
            vectors[name] = _place(vectors[name], bundle.mapped(mp, map_name, part), rows, n)
    return status, vectors


def _place(matrix: np.ndarray | None, part: np.ndarray | None, rows: np.ndarray, n: int):
    """Copy one group's (rows, d) vectors into the batch's (n, d) matrix (NaN = no vector)."""
    if part is None or part.shape[1] == 0:
        return matrix
    if matrix is None:
        matrix = np.full((n, part.shape[1]), np.nan, np.float32)
    matrix[rows] = part
    return matrix
