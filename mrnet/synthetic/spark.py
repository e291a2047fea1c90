"""The Spark entry point: ``generate_catalog`` runs on the driver and only builds a lazy plan
(``mapInPandas`` over ``spark.range`` ids), so the catalog is never materialised on the driver;
the rows are generated on the executors by ``generate_rows``."""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np
import pandas as pd

from mrnet.schemas import SYNTHETIC_CATALOG
from .rows import check_args, generate_rows

PARTITION_ROWS = 200_000  # default rows per partition of generate_catalog


def make_generate_fn(n_rows: int, seed: int, pair_fraction: float,
                     dirty_fraction: float) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """Runs on the driver; returns the function that runs on executors inside
    DataFrame.mapInPandas: Iterator[pd.DataFrame with int64 column `id`] -> Iterator[pd.DataFrame].
    The closure captures four numbers only; vocabulary tables are built once per Python worker."""
    check_args(n_rows, pair_fraction, dirty_fraction)
    n_rows, seed = int(n_rows), int(seed)
    pair_fraction, dirty_fraction = float(pair_fraction), float(dirty_fraction)

    def generate(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield generate_rows(batch["id"].to_numpy(dtype=np.int64), n_rows, seed, pair_fraction, dirty_fraction)

    return generate


def generate_catalog(spark, rows: int, seed: int = 7, partitions: int | None = None,
                     pair_fraction: float = 0.3, dirty_fraction: float = 0.0) -> "pyspark.sql.DataFrame":  # noqa: F821
    """Runs on the driver and returns a lazy DataFrame of `rows` catalog rows (schema SYNTHETIC_CATALOG),
    generated on the executors by mapInPandas over spark.range ids."""
    num_partitions = partitions or max(2, rows // PARTITION_ROWS)
    ids = spark.range(0, rows, 1, numPartitions=num_partitions)
    return ids.mapInPandas(make_generate_fn(rows, seed, pair_fraction, dirty_fraction), SYNTHETIC_CATALOG)
