"""Train / validation / test by a stable hash of (marketplace, product_id).

The same CRC-32 is computed by Spark (``crc32``) and by Python (``zlib.crc32``), so every stage,
every re-run and every plain-pandas check agree on the split of every product.
"""
from __future__ import annotations

import zlib

from pyspark.sql import Column
from pyspark.sql import functions as F

BUCKETS = 1000


def _thresholds(valid_fraction: float, test_fraction: float) -> tuple[int, int]:
    train_end = round(BUCKETS * (1 - valid_fraction - test_fraction))
    return train_end, train_end + round(BUCKETS * valid_fraction)


def split_of(marketplace: str, product_id: str, valid_fraction: float, test_fraction: float) -> str:
    bucket = zlib.crc32(f"{marketplace}|{product_id}".encode()) % BUCKETS
    train_end, valid_end = _thresholds(valid_fraction, test_fraction)
    return "train" if bucket < train_end else "valid" if bucket < valid_end else "test"


def split_column(valid_fraction: float, test_fraction: float) -> Column:
    bucket = F.crc32(F.concat_ws("|", "marketplace", "product_id")) % BUCKETS
    train_end, valid_end = _thresholds(valid_fraction, test_fraction)
    return (F.when(bucket < train_end, "train").when(bucket < valid_end, "valid")
            .otherwise("test"))
