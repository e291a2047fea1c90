"""The PG-agnostic stage: a balanced sample of group vectors → one sparse autoencoder per
marketplace (G blocks of 128 → 256 hidden units), streamed from Delta in batches."""
from __future__ import annotations

import logging
import math
from typing import Callable, Iterator

import numpy as np
import pyarrow.compute as pc
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from mrnet.embedder import make_vector_fn
from mrnet.schemas import GROUP_VECTORS
from mrnet.splits import split_column
from mrnet.vectors import vector_matrix

log = logging.getLogger("mrnet")


TRAIN_SHARE = 0.8   # sample_group_vectors splits 10% valid, 10% test


def epochs_for(settings, sample_rows: int, train_share: float = TRAIN_SHARE) -> int:
    """``settings.epochs``, or more when a small sample would give fewer than
    ``settings.min_steps`` steps. An epoch is a pass over the training sample, or
    ``settings.samples_per_epoch`` of it when the sample is larger: the budget follows the
    sample's size below the cap and stays put above it, so one conf serves 20k and 10M rows."""
    per_epoch = math.ceil(sample_rows * train_share)
    if settings.samples_per_epoch:
        per_epoch = min(per_epoch, settings.samples_per_epoch)
    batches = max(1, math.ceil(per_epoch / settings.batch_size))
    return max(settings.epochs, math.ceil(settings.min_steps / batches))


def balanced_sample(corpus: DataFrame, max_per_group: int) -> DataFrame:
    """At most ``max_per_group`` products per (marketplace, group), chosen by a stable hash."""
    order = Window.partitionBy("marketplace", "product_group").orderBy(F.crc32("product_id"), "product_id")
    return corpus.withColumn("_rank", F.row_number().over(order)).filter(F.col("_rank") <= max_per_group)


def sample_group_vectors(corpus: DataFrame, root: str, model_version: str, max_per_group: int,
                         seed: int, partitions: int) -> DataFrame:
    """Group vectors of the balanced sample, shuffled so that every file mixes the groups."""
    sample = balanced_sample(corpus.select("marketplace", "product_group", "product_id", "title_tokens"),
                             max_per_group).drop("_rank")
    vectors = sample.mapInPandas(
        make_vector_fn(root, model_version, "product_id", {"embedding_pg": "group"}), GROUP_VECTORS)
    # A hash of the product, not rand(): Spark's shuffle delivers rows in no fixed order, so a
    # random key would give a different sample order (and autoencoder) on every run.
    key = F.xxhash64("marketplace", "product_id", F.lit(seed))
    shuffled = (vectors.withColumn("_key", key).repartition(partitions, "_key")
                .sortWithinPartitions("_key").drop("_key"))
    return shuffled.withColumn("split", split_column(0.1, 0.1))   # TRAIN_SHARE for training


def batch_source(store, marketplace: str, groups: dict[str, int], batch_size: int,
                 splits: tuple[str, ...]) -> Callable[[], Iterator[tuple[np.ndarray, np.ndarray]]]:
    """A fresh stream of (x (B, 128), g (B,)) batches of one marketplace per call (one epoch)."""

    def batches():
        condition = (pc.field("marketplace") == marketplace) & pc.field("split").isin(list(splits))
        for record_batch in store.iter_batches("agnostic_sample", ["product_group", "embedding_pg"],
                                               batch_size=batch_size, filter=condition):
            if record_batch.num_rows == 0:
                continue
            x = vector_matrix(record_batch.column("embedding_pg"))
            g = np.array([groups[name] for name in record_batch.column("product_group").to_pylist()])
            yield x, g

    return batches
