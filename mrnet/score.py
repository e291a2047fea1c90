"""Scoring every catalog title into the ``embeddings`` table (its contract: one row per catalog row, three vectors and a status).

The executors' function works on Arrow record batches (``mapInArrow``): titles are tokenized a
batch at a time, every model of the version is loaded once per Python worker (``bundle_for``),
rows are encoded per (marketplace, group) in length-sorted mini-batches, and the vectors leave as
Arrow list arrays built from flat float32 buffers — no per-row Python objects for the floats.
Every input row yields exactly one output row; where a vector cannot be made it is null and
``status`` says why.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Iterator

import numpy as np
import pyarrow as pa
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from mrnet.devices import map_in_arrow, task_device
from mrnet.embedder import bundle_for, embed_rows
from mrnet.schemas import EMBEDDINGS, EMBEDDINGS_PARTITIONS, STAGED_FILE
from mrnet.storage import make_file_writer_fn
from mrnet.vectors import list_array

INPUT_COLUMNS = ["product_id", "marketplace", "product_group", "title", "title_hash"]


def title_hash_column(title="title"):
    """A stable hash of the (ingest-normalised) title, computed by Spark itself."""
    return F.substring(F.sha2(F.coalesce(F.col(title), F.lit("")), 256), 1, 16)


def make_score_fn(root: str, model_version: str, scored_at: datetime, stable: bool = True,
                  amp: bool = False) -> Callable:
    """Runs on the driver; returns the mapInArrow function that scores on the executors
    (``stable``: in the stable space, where the version has maps), on the GPU Spark gave the
    task if any (``amp``: under float16 autocast there)."""

    def score_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import torch

        from mrnet.text import tokenize_many

        torch.set_num_threads(1)   # one thread per Spark task: two tasks of two threads each on two cores collapse throughput
        bundle = bundle_for(root, model_version, stable, task_device(), amp)
        for batch in batches:
            yield _score_batch(bundle, batch, tokenize_many, model_version, scored_at)

    return score_batches


def _score_batch(bundle, batch: pa.RecordBatch, tokenize_many, model_version: str,
                 scored_at: datetime) -> pa.RecordBatch:
    n = batch.num_rows
    marketplace = np.asarray(batch.column("marketplace").to_pylist(), dtype=object)
    group = np.asarray(batch.column("product_group").to_pylist(), dtype=object)
    status, vectors = embed_rows(bundle, marketplace, group, tokenize_many(batch.column("title")))
    columns = {
        "product_id": batch.column("product_id"), "marketplace": batch.column("marketplace"),
        "product_group": batch.column("product_group"), "title_hash": batch.column("title_hash"),
        "model_version": pa.array([model_version] * n, pa.string()),
        "scored_at": pa.array(np.full(n, np.datetime64(scored_at.replace(tzinfo=None), "us")),
                              pa.timestamp("us", tz="UTC")),
        "status": pa.array(status.tolist(), pa.string()),
        **{name: list_array(matrix, n) for name, matrix in vectors.items()},
    }
    return pa.RecordBatch.from_pydict(columns)


def _input_rows(catalog: DataFrame) -> DataFrame:
    return catalog.select(*INPUT_COLUMNS[:4]).withColumn("title_hash", title_hash_column())


def score_catalog(catalog: DataFrame, root: str, model_version: str, scored_at: datetime,
                  stable: bool = True) -> DataFrame:
    """Every catalog row → one embeddings row (as a Spark DataFrame)."""
    return _input_rows(catalog).mapInArrow(make_score_fn(root, model_version, scored_at, stable), EMBEDDINGS)


def score_files(catalog: DataFrame, uri: str, root: str, model_version: str, scored_at: datetime,
                stable: bool = True, amp: bool = False, profile=None) -> DataFrame:
    """Every catalog row scored and written by the executors straight into the table folder
    (pyarrow Parquet); returns the small DataFrame of written files for the commit.
    ``profile``: the stage's ResourceProfile (one GPU per task), or None."""
    writer = make_file_writer_fn(uri, EMBEDDINGS_PARTITIONS, make_score_fn(root, model_version, scored_at,
                                                                           stable, amp))
    return map_in_arrow(_input_rows(catalog), writer, STAGED_FILE, profile)


def incremental_files(catalog: DataFrame, existing: DataFrame, uri: str, root: str, model_version: str,
                      scored_at: datetime, stable: bool = True, amp: bool = False, profile=None) -> DataFrame:
    """Files of the new rows of every (marketplace, group) partition that changed since the last run.

    A row changes when its product is new, its title hash differs or it was scored by another
    model version; a partition also changes when one of its products left the catalog. In a
    changed partition, unchanged rows are carried over as they were and changed rows are
    rescored; unchanged partitions produce nothing (the caller replaces exactly the partitions
    written, so they are kept as they are).
    """
    keys = ["marketplace", "product_group", "product_id"]
    current = catalog.select(*INPUT_COLUMNS[:4]).withColumn("title_hash", title_hash_column())
    old = existing.select(*keys, F.col("title_hash").alias("_old_hash"),
                          F.col("model_version").alias("_old_version"))
    joined = current.join(old, keys, "full_outer").withColumn(
        "_changed", F.col("title") .isNull() | F.col("_old_hash").isNull()
        | (F.col("_old_hash") != F.col("title_hash")) | (F.col("_old_version") != model_version))
    window = Window.partitionBy("marketplace", "product_group")
    flagged = joined.withColumn("_partition_changed", F.max("_changed").over(window)).filter(
        F.col("_partition_changed") & F.col("title").isNotNull())
    rescored = score_files(flagged.filter("_changed").select(*INPUT_COLUMNS[:4]), uri, root,
                           model_version, scored_at, stable, amp, profile)
    kept = existing.join(flagged.filter(~F.col("_changed")).select(*keys), keys, "left_semi")
    carried = kept.select(*EMBEDDINGS.fieldNames()).mapInArrow(make_file_writer_fn(uri, EMBEDDINGS_PARTITIONS),
                                               STAGED_FILE)
    return rescored.unionByName(carried)
