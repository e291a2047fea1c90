"""The cross-language stage: paired products' PG-agnostic vectors → a multimodal autoencoder per
marketplace pair, evaluated by retrieving held-out counterparts (precision@1/10)."""
from __future__ import annotations


import numpy as np
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from mrnet.embedder import make_vector_fn
from mrnet.schemas import PAIR_VECTORS



def paired_vectors(corpus: DataFrame, catalog: DataFrame, side_a: str, side_b: str,
                   root: str, model_version: str, max_pairs: int, test_fraction: float) -> DataFrame:
    """(pair_key, split, x_a, x_b) for products listed in both marketplaces."""
    keyed = (catalog.filter(F.col("pair_key").isNotNull() & F.col("marketplace").isin(side_a, side_b))
             .select("marketplace", "product_id", "pair_key")
             .join(corpus.select("marketplace", "product_id", "product_group", "title_tokens"),
                   ["marketplace", "product_id"]))
    vectors = keyed.mapInPandas(
        make_vector_fn(root, model_version, "pair_key", "vector", agnostic=True), PAIR_VECTORS)
    a = vectors.filter(F.col("marketplace") == side_a).select("pair_key", F.col("vector").alias("x_a"))
    b = vectors.filter(F.col("marketplace") == side_b).select("pair_key", F.col("vector").alias("x_b"))
    bucket = F.crc32(F.col("pair_key")) % 1000
    pairs = a.join(b, "pair_key").withColumn(
        "split", F.when(bucket < round(1000 * test_fraction), "test").otherwise("train"))
    return pairs.orderBy(F.crc32("pair_key")).limit(max_pairs)


def read_pairs(store, table: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of one split as two (N, d) arrays, read a batch at a time."""
    import pyarrow.compute as pc

    keys, xs_a, xs_b = [], [], []
    for batch in store.iter_batches(table, ["pair_key", "x_a", "x_b"], filter=pc.field("split") == split):
        if batch.num_rows:
            keys += batch.column("pair_key").to_pylist()
            xs_a.append(batch.column("x_a").flatten().to_numpy(zero_copy_only=False).reshape(batch.num_rows, -1))
            xs_b.append(batch.column("x_b").flatten().to_numpy(zero_copy_only=False).reshape(batch.num_rows, -1))
    if not xs_a:
        return np.empty((0, 0), np.float32), np.empty((0, 0), np.float32)
    order = np.argsort(keys, kind="stable")   # rows arrive in shuffle order: fix it, for reproducible training
    return np.vstack(xs_a)[order].astype(np.float32), np.vstack(xs_b)[order].astype(np.float32)


def alignment_metrics(model, test_a: np.ndarray, test_b: np.ndarray, train_a: np.ndarray,
                      train_b: np.ndarray, ks=(1, 10)) -> dict:
    """precision@k of finding each held-out product's counterpart in the other language."""
    from mrnet.retrieval import least_squares_fit, precision_at_k, procrustes_fit, random_baseline

    procrustes, least_squares = procrustes_fit(train_a, train_b), least_squares_fit(train_a, train_b)
    return {
        "pairs_train": len(train_a), "pairs_test": len(test_a),
        "mmae_a_to_b": precision_at_k(model.a_to_b(test_a), test_b, ks),
        "mmae_b_to_a": precision_at_k(model.b_to_a(test_b), test_a, ks),
        "mmae_shared": precision_at_k(model.shared(x_a=test_a), model.shared(x_b=test_b), ks),
        "procrustes_a_to_b": precision_at_k(procrustes(test_a), test_b, ks),
        "least_squares_a_to_b": precision_at_k(least_squares(test_a), test_b, ks),
        "random": random_baseline(len(test_a), ks),
    }
