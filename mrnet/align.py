"""The cross-language stage: products listed in both marketplaces of a pair → an aligner (the
contrastive default or the paper's multimodal autoencoder), judged on held-out pairs against
Procrustes and LSA baselines, and withheld when it does not clearly beat them."""
from __future__ import annotations

import numpy as np
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from mrnet.embedder import make_vector_fn
from mrnet.schemas import PAIR_SIDE_COLUMNS, PAIR_VECTORS

FED_COLUMN = {"group": "pg", "agnostic": "agn"}   # align.input -> pair-set column prefix


def paired_vectors(corpus: DataFrame, catalog: DataFrame, side_a: str, side_b: str,
                   root: str, model_version: str, max_pairs: int, test_fraction: float) -> DataFrame:
    """One row per pair_key listed in both marketplaces (schemas.ALIGN_PAIRS)."""
    keyed = (catalog.filter(F.col("pair_key").isNotNull() & F.col("marketplace").isin(side_a, side_b))
             .select("marketplace", "product_id", "pair_key", "title")
             .join(corpus.select("marketplace", "product_id", "product_group", "title_tokens"),
                   ["marketplace", "product_id"]))
    vectors = keyed.mapInPandas(
        make_vector_fn(root, model_version, "pair_key", {"pg": "group", "agn": "agnostic"},
                       carry=("title", "title_tokens")), PAIR_VECTORS)
    vectors = vectors.withColumnRenamed("title_tokens", "tokens")

    def side(marketplace: str, suffix: str) -> DataFrame:
        return vectors.filter(F.col("marketplace") == marketplace).select(
            "pair_key", *[F.col(c).alias(f"{c}_{suffix}") for c in PAIR_SIDE_COLUMNS])

    bucket = F.crc32(F.col("pair_key")) % 1000
    pairs = side(side_a, "a").join(side(side_b, "b"), "pair_key").withColumn(
        "split", F.when(bucket < round(1000 * test_fraction), "test").otherwise("train"))
    return pairs.orderBy(F.crc32("pair_key")).limit(max_pairs)


def read_pairs(store, table: str, split: str) -> dict:
    """The pairs of one split as a pair set ({column: list or (N, d) array}, sorted by key),
    read a batch at a time."""
    import pyarrow.compute as pc

    columns = ["pair_key", *[f"{c}_{s}" for s in ("a", "b") for c in PAIR_SIDE_COLUMNS]]
    parts: dict[str, list] = {c: [] for c in columns}
    for batch in store.iter_batches(table, columns, filter=pc.field("split") == split):
        for c in columns:
            parts[c].extend(batch.column(c).to_pylist())
    order = np.argsort(parts["pair_key"], kind="stable")   # rows arrive in shuffle order
    out = {}
    for c, values in parts.items():
        values = [values[i] for i in order]
        vectors = c.startswith(("pg_", "agn_"))
        out[c] = (np.asarray(values, np.float32).reshape(len(values), -1) if values else
                  np.empty((0, 0), np.float32)) if vectors else values
    return out


def pair_subset(pairs: dict, n: int) -> dict:
    """At most ``n`` of the pairs, chosen by a hash of their key (the same ones every run)."""
    import zlib

    keys = pairs["pair_key"]
    if len(keys) <= n:
        return pairs
    chosen = np.sort(np.argsort([zlib.crc32(str(k).encode()) for k in keys], kind="stable")[:n])
    return {c: (v[chosen] if isinstance(v, np.ndarray) else [v[i] for i in chosen]) for c, v in pairs.items()}


def train_aligner(train: dict, settings, names: tuple[str, str], log):
    """The pair's aligner, fed the vectors ``settings.input`` names (and, for the contrastive
    method, the title tokens), for ``settings.epochs`` or more when fewer pairs would make fewer
    than ``settings.min_steps`` steps; returns (model, history)."""
    from dataclasses import replace

    from mrnet.agnostic import epochs_for
    from mrnet.autoencoders import train_contrastive_aligner, train_multimodal_ae

    fed = FED_COLUMN[settings.input]
    settings = replace(settings, epochs=epochs_for(settings, len(train["pair_key"]), train_share=1.0))
    if settings.method == "mmae":
        return train_multimodal_ae(train[f"{fed}_a"], train[f"{fed}_b"], settings, names=names, log=log)
    return train_contrastive_aligner(train[f"{fed}_a"], train[f"{fed}_b"], train["tokens_a"],
                                     train["tokens_b"], settings, names=names, log=log)


def aligned_test_codes(model, test: dict, settings) -> tuple[np.ndarray, np.ndarray]:
    """Both sides of the test pairs in the shared space, each side encoded alone (as scoring
    does)."""
    from mrnet.embedder import aligned_codes

    fed = FED_COLUMN[settings.input]
    return (aligned_codes(model, "a", test[f"{fed}_a"], test["tokens_a"]),
            aligned_codes(model, "b", test[f"{fed}_b"], test["tokens_b"]))
