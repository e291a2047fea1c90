"""Validate a catalog into the ``catalog`` and ``quarantine`` tables.

Every source row ends in exactly one of them: rows in = catalog rows + quarantine rows.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from mrnet.catalog import map_to_contract
from mrnet.configuration.schema import CatalogSettings, IngestSettings
from mrnet.errors import RefusedCommit
from mrnet.numbers import is_blank, out_of_range
from mrnet.schemas import CATALOG_PARTITIONS, CONTRACT_COLUMNS, QUARANTINE_PARTITIONS, REASONS

log = logging.getLogger("mrnet")

# U+FFFD is what a reader leaves where the bytes were not valid UTF-8.
INVALID_TEXT = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\uFFFD]"
# What does not count as content (Java regex, as Spark runs it): Unicode whitespace and
# separators (NBSP, U+2003, U+3000, ...), format characters (zero-width space/joiners, BOM), and
# markup: tags and character entities.
INVISIBLE = r"[\s\p{Z}\p{Cf}]+"
MARKUP = r"<[^>]*>|&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);"


@dataclass
class IngestSummary:
    rows_in: int
    kept: int
    quarantined: int
    by_reason: dict[str, int] = field(default_factory=dict)
    nulled: dict[str, int] = field(default_factory=dict)   # kept rows with a bad value set to null
    catalog_version: int | None = None
    quarantine_version: int | None = None

    def lines(self) -> list[str]:
        out = [f"rows in      {self.rows_in:>12,}", f"kept         {self.kept:>12,}",
               f"quarantined  {self.quarantined:>12,}"]
        out += [f"  {reason:<28}{n:>10,}" for reason, n in sorted(self.by_reason.items())]
        out += [f"kept with {name} null (on_invalid: null) {n:>6,}" for name, n in sorted(self.nulled.items()) if n]
        return out


def validate(mapped: DataFrame, catalog: CatalogSettings, rules: IngestSettings) -> DataFrame:
    """``mapped`` (from map_to_contract) with a ``reason`` column: null where the row is valid."""
    df = mapped.withColumn("title", _clean_spaces(F.col("title")))
    df = df.withColumn("description", F.regexp_replace("description", INVALID_TEXT, " "))
    df = null_bad_numbers(df, catalog).withColumn("reason", _first_reason(catalog, rules))
    # Deterministic whatever the partitioning: keep the row with the smallest raw hash.
    window = Window.partitionBy("marketplace", "product_id", F.col("reason").isNull()).orderBy(
        F.xxhash64("_raw"), "_raw")
    rank = F.when(F.col("reason").isNull(), F.row_number().over(window))
    return df.withColumn("reason", F.when(rank > 1, _reason("duplicate_id")).otherwise(F.col("reason")))


def _clean_spaces(column: Column) -> Column:
    """Runs of any Unicode space become one ASCII space; zero-width characters go."""
    spaced = F.regexp_replace(column, r"[\s\p{Z}]+", " ")
    return F.trim(F.regexp_replace(spaced, r"[\x{200B}-\x{200D}\x{2060}\x{FEFF}]", ""))


def _reason(name: str, detail: str = "") -> Column:
    """A quarantine reason from the one vocabulary, :data:`mrnet.schemas.REASONS`."""
    if name not in REASONS:
        raise ValueError(f"{name!r} is not a quarantine reason of mrnet.schemas.REASONS")
    return F.lit(f"{name}:{detail}" if detail else name)


def _first_reason(catalog: CatalogSettings, rules: IngestSettings) -> Column:
    checks: list[tuple[Column, Column]] = [
        (F.col("_record_error").isNotNull(), F.col("_record_error")),   # the reader's reason
        (_blank("product_id"), _reason("empty_id")),
        (_blank("marketplace"), _reason("empty_marketplace")),
    ]
    if catalog.marketplaces:
        checks.append((~F.col("marketplace").isin(list(catalog.marketplaces)),
                       _reason("unknown_marketplace")))
    if catalog.product_groups:
        unknown = F.col("product_group").isNull() | ~F.col("product_group").isin(catalog.product_groups)
        checks.append((unknown, _reason("unknown_group")))
    else:
        checks.append((_blank("product_group"), _reason("unknown_group")))
    checks += [
        (_blank("title"), _reason("empty_title")),
        (F.col("title").rlike(INVALID_TEXT), _reason("invalid_text")),
        (F.length("title") > rules.max_title_chars, _reason("title_too_long")),
    ]
    for name, spec in catalog.attributes.items():
        if spec.type == "number" and spec.on_invalid == "quarantine":
            checks.append((_unparsed(name), _reason("bad_number", name)))
            checks.append((_out_of_range(name, spec), _reason("bad_range", name)))
    reason = F.lit(None).cast("string")
    for condition, label in reversed(checks):
        reason = F.when(condition, label).otherwise(reason)
    return reason


def _unparsed(name: str) -> Column:
    """A number attribute whose text is not blank but did not parse."""
    return ~is_blank(F.col(f"_text_{name}")) & F.col(name).isNull()


def _out_of_range(name: str, spec) -> Column:
    return out_of_range(F.col(name), spec.min, spec.max, spec.integer)


def null_bad_numbers(df: DataFrame, catalog: CatalogSettings) -> DataFrame:
    """Number attributes with ``on_invalid: null``: a bad value becomes null, flagged in
    ``_nulled_<name>`` for the summary, and the row stays."""
    for name, spec in catalog.attributes.items():
        if spec.type == "number" and spec.on_invalid == "null":
            bad = _unparsed(name) | _out_of_range(name, spec)
            df = df.withColumn(f"_nulled_{name}", bad).withColumn(name, F.when(bad, None).otherwise(F.col(name)))
    return df


def _blank(column: str) -> Column:
    """Null, or nothing left once markup and invisible characters are removed."""
    visible = F.regexp_replace(F.regexp_replace(F.col(column), MARKUP, ""), INVISIBLE, "")
    return F.col(column).isNull() | (visible == "")


def catalog_rows(validated: DataFrame, catalog: CatalogSettings) -> DataFrame:
    return validated.filter(F.col("reason").isNull()).select(
        *CONTRACT_COLUMNS, *catalog.attributes.keys())


def quarantine_rows(validated: DataFrame) -> DataFrame:
    return validated.filter(F.col("reason").isNotNull()).select(
        "product_id", "marketplace", "reason", F.col("_raw").alias("raw"),
        F.current_timestamp().alias("quarantined_at"))


CONTENT_KEY = "mrnet.content"


def nulled_counts(validated: DataFrame, catalog: CatalogSettings) -> dict[str, int]:
    """{attribute: kept rows whose bad value was set to null} for ``on_invalid: null`` attributes."""
    names = [n for n, spec in catalog.attributes.items() if spec.type == "number" and spec.on_invalid == "null"]
    if not names:
        return {}
    kept = F.col("reason").isNull()
    row = validated.agg(*[F.sum((kept & F.col(f"_nulled_{n}")).cast("long")).alias(n) for n in names]).first()
    return {n: int(row[n] or 0) for n in names}


def content_fingerprint(validated: DataFrame, catalog: CatalogSettings) -> tuple[int, int, str]:
    """(rows in, rows kept, a fingerprint of the kept rows' content) in one pass: a re-ingest of
    the same catalog writes a new version with the same fingerprint, so later stages can be
    skipped."""
    kept = F.col("reason").isNull()
    row_hash = F.xxhash64(*CONTRACT_COLUMNS, *catalog.attributes.keys())
    stats = validated.agg(F.count("*").alias("rows"),
                          F.sum(F.when(kept, row_hash.cast("decimal(38,0)"))).alias("hash"),
                          F.sum(kept.cast("long")).alias("kept")).first()
    return stats["rows"], stats["kept"] or 0, f"{stats['kept']}:{stats['hash']}"


def refusal(rows_in: int, kept: int, current: int | None, rules: IngestSettings) -> str | None:
    """Why committing this catalog would destroy a good table (None: commit). ``current`` is the
    current catalog version's row count (None when there is none)."""
    quarantined = rows_in - kept
    if kept == 0:
        return (f"the new catalog would be empty ({rows_in:,} rows read, {quarantined:,} quarantined): "
                "check catalog.path and the column mapping")
    if current and kept < rules.min_kept_fraction * current:
        return (f"the new catalog keeps {kept:,} rows, under ingest.min_kept_fraction "
                f"{rules.min_kept_fraction:g} of the current version's {current:,}")
    if quarantined > rules.max_quarantine_fraction * rows_in:
        return (f"{quarantined:,} of {rows_in:,} rows would be quarantined, over "
                f"ingest.max_quarantine_fraction {rules.max_quarantine_fraction:g}")
    return None


def run_ingest(spark, store, raw: DataFrame, catalog: CatalogSettings, rules: IngestSettings,
               metadata: dict[str, str] | None = None) -> IngestSummary:
    """Validate ``raw`` and overwrite both tables (one Delta commit each). Runs on the driver."""
    validated = validate(map_to_contract(raw, catalog, rules), catalog, rules)
    validated = validated.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        rows_in, kept, content = content_fingerprint(validated, catalog)
        nulled = nulled_counts(validated, catalog)
        current = sum(store.row_counts("catalog", "marketplace").values()) if store.exists("catalog") else None
        reason = refusal(rows_in, kept, current, rules)
        if reason and not rules.allow_shrink:
            raise RefusedCommit(f"ingest refused to commit: {reason}. The current catalog stays "
                                f"(version {store.version('catalog') if current is not None else 'none'}); "
                                "--allow-shrink (ingest.allow_shrink) commits it anyway")
        if reason:
            log.warning("ingest: committing although %s (ingest.allow_shrink)", reason)
        catalog_version = store.write(catalog_rows(validated, catalog), "catalog", mode="overwrite",
                                      partition_by=CATALOG_PARTITIONS,
                                      metadata={**(metadata or {}), CONTENT_KEY: content})
        quarantine_version = store.write(quarantine_rows(validated), "quarantine", mode="overwrite",
                                         partition_by=QUARANTINE_PARTITIONS, metadata=metadata)
    finally:
        validated.unpersist()
    by_reason = store.row_counts("quarantine", "reason")
    kept = sum(store.row_counts("catalog", "marketplace").values())
    return IngestSummary(rows_in, kept, sum(by_reason.values()), by_reason, nulled,
                         catalog_version, quarantine_version)
