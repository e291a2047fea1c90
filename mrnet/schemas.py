"""The tables' schemas, declared once; tests check the written tables against them."""
from __future__ import annotations

from pyspark.sql.types import StringType, StructField, StructType, TimestampType

CONTRACT_COLUMNS = ("product_id", "marketplace", "product_group", "title", "description", "pair_key")

CATALOG_PARTITIONS = ("marketplace",)
CATALOG_BASE = StructType([StructField(c, StringType(), c in ("description", "pair_key"))
                           for c in CONTRACT_COLUMNS])

QUARANTINE_PARTITIONS = ("reason",)
QUARANTINE = StructType([
    StructField("product_id", StringType()),
    StructField("marketplace", StringType()),
    StructField("reason", StringType(), False),
    StructField("raw", StringType(), False),
    StructField("quarantined_at", TimestampType(), False),
])

# Reasons a catalog row is quarantined, in the order they are checked (a row gets the first).
REASONS = (
    "empty_id",
    "empty_marketplace",
    "unknown_marketplace",
    "unknown_group",
    "empty_title",
    "invalid_text",        # invalid UTF-8 (decoded as U+FFFD) or control characters in the title
    "title_too_long",
    "bad_number",          # written as bad_number:<attribute>
    "duplicate_id",        # within a marketplace; the row with the smallest raw hash is kept
)
