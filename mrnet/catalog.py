"""Catalog sources and their mapping onto the catalog contract, driven by conf alone.

A catalog conf (``conf/catalogs/*.yaml``) names a source (synthetic, CSV, Parquet, JSON lines or
Delta) and maps its columns onto the contract with Spark SQL expressions, so a new catalog needs a
conf file and no code.
"""
from __future__ import annotations

from pyspark.errors import AnalysisException
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from mrnet.configuration import ConfigError
from mrnet.configuration.schema import CatalogSettings, IngestSettings, SyntheticSettings
from mrnet.schemas import CONTRACT_COLUMNS

CSV_DEFAULTS = {"header": "true", "multiLine": "true", "escape": '"', "mode": "PERMISSIVE"}


def read_source(spark, catalog: CatalogSettings, synthetic: SyntheticSettings,
                read_delta=None) -> DataFrame:
    """The raw source rows, as the source has them (column names without a UTF-8 BOM)."""
    if catalog.format == "synthetic":
        from mrnet.synthetic import generate_catalog

        return generate_catalog(
            spark, synthetic.rows, seed=synthetic.seed, partitions=synthetic.partitions or None,
            pair_fraction=synthetic.pair_fraction, dirty_fraction=synthetic.dirty_fraction,
        )
    if catalog.format == "delta":
        if read_delta is None:
            raise ValueError("a Delta source needs a read_delta(uri) function")
        raw = read_delta(catalog.path)
    else:
        options = {**CSV_DEFAULTS, **catalog.options} if catalog.format == "csv" else catalog.options
        raw = spark.read.format(catalog.format).options(**options).load(catalog.path)
    return raw.toDF(*[c.lstrip("\ufeff") for c in raw.columns])


def map_to_contract(raw: DataFrame, catalog: CatalogSettings, rules: IngestSettings) -> DataFrame:
    """Contract columns + typed attributes + ``_raw`` (the whole source row as JSON).

    Numeric attributes also keep their source text in ``_text_<name>`` so validation can tell a
    missing value from one that does not parse.
    """
    check_expressions(raw, catalog)
    raw = raw.withColumn("_raw", F.to_json(F.struct(*[F.col(f"`{c}`") for c in raw.columns])))
    columns = [_contract_column(name, catalog.columns.get(name)) for name in CONTRACT_COLUMNS]
    attributes, texts = [], []
    for name, spec in catalog.attributes.items():
        source = F.expr(spec.expr)
        attributes.append(_typed(source, spec.type, rules).alias(name))
        if spec.type == "number":
            texts.append(source.cast("string").alias(f"_text_{name}"))
    return raw.select(*columns, *attributes, *texts, "_raw")


def check_expressions(raw: DataFrame, catalog: CatalogSettings) -> None:
    """Analyse every conf expression against the source's columns (no rows are read), so a typo
    fails at start as a ConfigError naming its key and Spark's one-line reason."""
    expressions = {**{f"catalog.columns.{k}": v for k, v in catalog.columns.items()},
                   **{f"catalog.attributes.{k}.expr": a.expr for k, a in catalog.attributes.items()}}
    empty = raw.limit(0)
    for key, expression in expressions.items():
        try:
            empty.select(F.expr(expression)).schema
        except AnalysisException as error:
            reason = str(error).strip().splitlines()[0]
            raise ConfigError(f"{key}: {expression!r} does not fit the source "
                              f"(columns {raw.columns[:12]}{' ...' if len(raw.columns) > 12 else ''}): "
                              f"{reason}") from None


def _contract_column(name: str, expr: str | None) -> Column:
    if expr is None:
        return F.lit(None).cast("string").alias(name)
    return F.expr(expr).cast("string").alias(name)


def _typed(source: Column, kind: str, rules: IngestSettings) -> Column:
    if kind == "number":
        cleaned = F.regexp_replace(source.cast("string"), rules.number_pattern, "")
        return F.when(F.trim(cleaned) == "", None).otherwise(cleaned).try_cast("double")
    if kind == "boolean":
        return source.cast("string").try_cast("boolean")
    return source.cast("string")
