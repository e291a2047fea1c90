"""Version-stable vectors: when a new model version is published, its vectors are taken into the
space of the embeddings table it replaces, so a model a data scientist trained on last month's
vectors keeps working on tonight's.

Per marketplace, on a bounded sample of products the table scored (``score.stable_sample`` per
group, drawn by Spark with a stable hash), the new version's raw vectors are fitted onto the
table's by orthogonal Procrustes without centring (a rotation: every distance, norm and cosine
of the new version is kept): one map per group for ``embedding_pg`` (each group has its own
space), one per marketplace for ``embedding`` and ``embedding_aligned``. The table is itself in
the stable space of the version before, so the space stays the first version's for as long as
versions replace each other. The maps live in the model store with the version
(``models/<version>/stable/<marketplace>/``); scoring and ``mrnet.Embedder`` apply them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from pyspark.sql import Window
from pyspark.sql import functions as F

from mrnet.embedder import VECTOR_COLUMNS, ModelBundle, embed_rows
from mrnet.modelstore import save_stable_maps
from mrnet.retrieval import procrustes_fit
from mrnet.text import tokenize_many

MIN_PER_DIMENSION = 2     # at least 2 x d products to fit a d x d map


def stable_sample(embeddings, catalog, previous_version: str, per_group: int) -> pd.DataFrame:
    """The table's vectors and titles of at most ``per_group`` ok products per group."""
    rank = Window.partitionBy("marketplace", "product_group").orderBy(F.crc32("product_id"), "product_id")
    rows = (embeddings.filter((F.col("status") == "ok") & (F.col("model_version") == previous_version))
            .select("marketplace", "product_group", "product_id", *VECTOR_COLUMNS)
            .withColumn("_rank", F.row_number().over(rank)).filter(F.col("_rank") <= per_group)
            .join(catalog.select("marketplace", "product_id", "title"), ["marketplace", "product_id"]))
    return rows.drop("_rank").toPandas()


def fit_stable_maps(paths, sample: pd.DataFrame, model_version: str, previous_version: str,
                    embeddings_version: int) -> dict:
    """Fit and store the maps of ``model_version``; returns {marketplace: {map: agreement}} where
    agreement is the mean cosine between a product's mapped new vector and its table vector."""
    bundle = ModelBundle(paths, model_version, stable=False)
    report = {}
    for marketplace, rows in sample.groupby("marketplace"):
        _, new = embed_rows(bundle, rows.marketplace.to_numpy(object), rows.product_group.to_numpy(object),
                            tokenize_many(rows.title))
        maps, agreement, products = {}, {}, {}
        for name in VECTOR_COLUMNS:
            parts = rows.groupby("product_group").indices.items() if name == "embedding_pg" else \
                [(None, np.arange(len(rows)))]
            for group, index in parts:
                key = f"{name}/{group}" if group is not None else name
                fitted = _fit(rows[name].to_numpy()[index], None if new[name] is None else new[name][index])
                if fitted is not None:
                    maps[key], agreement[key], products[key] = fitted
        save_stable_maps(paths, model_version, marketplace, maps, {
            "model_version": model_version, "onto": previous_version,
            "embeddings_version": embeddings_version, "products": products, "agreement": agreement})
        report[marketplace] = agreement
    return report


def _fit(old_rows: np.ndarray, new: np.ndarray | None):
    """(rotation, mean cosine after it, products) from the rows both spaces have, or None."""
    if new is None:
        return None
    both = np.array([o is not None for o in old_rows]) & ~np.isnan(new).any(axis=1)
    if not both.any():
        return None
    old = np.stack(old_rows[both]).astype(np.float64)
    fresh = new[both].astype(np.float64)
    if old.shape[1] != fresh.shape[1] or len(old) < MIN_PER_DIMENSION * old.shape[1]:
        return None
    rotation = procrustes_fit(fresh, old, centre=False).W
    mapped = fresh @ rotation
    cosine = (mapped * old).sum(1) / np.maximum(np.linalg.norm(mapped, axis=1) * np.linalg.norm(old, axis=1), 1e-12)
    return rotation, round(float(cosine.mean()), 4), int(len(old))
