"""Catalog sources and their mapping onto the catalog contract, driven by conf alone.

A catalog conf (``conf/catalogs/*.yaml``) names a source (synthetic, CSV, Parquet, JSON lines or
Delta) and maps its columns onto the contract with Spark SQL expressions, so a new catalog needs a
conf file and no code.
"""
from __future__ import annotations

import re
from pathlib import Path

from pyspark.errors import AnalysisException
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import NumericType

from mrnet.configuration import ConfigError
from mrnet.configuration.schema import AttributeSpec, CatalogSettings, IngestSettings, SyntheticSettings
from mrnet.numbers import finite, parse_number
from mrnet.schemas import CONTRACT_COLUMNS

CSV_OPTIONS = ("sep", "delimiter", "quote", "header", "multiLine", "escape", "mode")
# Columns a reader adds beside the source's: a record-level quarantine reason (a malformed CSV
# record, a JSON line that does not parse), the record's text, and where it came from.
RECORD_COLUMNS = ("_record_error", "_record_text", "_source_file", "_source_line")


def read_source(spark, catalog: CatalogSettings, synthetic: SyntheticSettings,
                read_delta=None) -> DataFrame:
    """The raw source rows, as the source has them (column names without a UTF-8 BOM)."""
    missing = ConfigError(f"catalog.path: {catalog.path!r} does not exist (catalog "
                          f"{catalog.name!r}); check the path and the variables in it")
    if _local_path_missing(catalog.path):
        raise missing   # before Spark logs its own Java trace of it
    try:
        raw = _read_raw(spark, catalog, synthetic, read_delta)
    except AnalysisException as error:
        if "PATH_NOT_FOUND" not in str(error):
            raise
        raise missing from None
    return raw.toDF(*[c.lstrip("\ufeff") for c in raw.columns])


def _local_path_missing(path: str | None) -> bool:
    """A plain local path (no URI scheme, no glob) that does not exist."""
    if not path or re.search(r"://|^\w+:/|[*?\[{]", path):
        return False
    return not Path(path).exists()


def _read_raw(spark, catalog: CatalogSettings, synthetic: SyntheticSettings, read_delta) -> DataFrame:
    if catalog.format == "synthetic":
        from mrnet.synthetic import generate_catalog

        return generate_catalog(
            spark, synthetic.rows, seed=synthetic.seed, partitions=synthetic.partitions or None,
            pair_fraction=synthetic.pair_fraction, dirty_fraction=synthetic.dirty_fraction,
        )
    if catalog.format == "delta":
        if read_delta is None:
            raise ValueError("a Delta source needs a read_delta(uri) function")
        return read_delta(catalog.path)
    if catalog.format == "csv":
        return read_csv_records(spark, catalog.path, catalog.options)
    if catalog.format == "json":
        return read_json_records(spark, catalog.path, catalog.options)
    return spark.read.format(catalog.format).options(**catalog.options).load(catalog.path)


def read_csv_records(spark, path: str, options: dict) -> DataFrame:
    """CSV files as records counted from the source (mrnet.csvrecords), one file per task: the
    header's columns as strings plus RECORD_COLUMNS. Every file must have the same header."""
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    unknown = sorted(set(options) - set(CSV_OPTIONS))
    if unknown:
        raise ConfigError(f"catalog.options: {unknown} are not supported for CSV (supported: sep, quote)")
    sep, quote = options.get("sep", options.get("delimiter", ",")), options.get("quote", '"')
    files = spark.read.format("binaryFile").load(path)
    first = files.select("path").orderBy("path").first()
    if first is None:
        raise ConfigError(f"catalog.path: no file matches {path!r}, or every file it matches is empty")
    header = _csv_header(spark, first["path"], sep, quote)
    schema = StructType([StructField(c, StringType()) for c in header] +
                        [StructField(c, LongType() if c == "_source_line" else StringType())
                         for c in RECORD_COLUMNS])
    return files.select("path", "content").mapInPandas(_csv_file_records(header, sep, quote), schema)


def _csv_header(spark, path: str, sep: str, quote: str) -> list[str]:
    from mrnet.csvrecords import split_records

    line = spark.read.text(path).first()
    if line is None:
        raise ConfigError(f"catalog.path: {path} is empty (no header line)")
    header, _ = split_records(line["value"].encode("utf-8"), sep, quote)
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        raise ConfigError(f"catalog.path: {path} repeats the header columns {duplicates}")
    return header


def _csv_file_records(header: list[str], sep: str, quote: str):
    def records(frames):
        from mrnet.csvrecords import split_records

        for frame in frames:
            for path, content in zip(frame["path"], frame["content"]):
                names, found = split_records(bytes(content), sep, quote)
                if names != header:
                    raise ValueError(f"{path}: header {names} differs from the first file's {header}")
                # an empty field is null, as Spark's own CSV reader has it
                rows = ([*([f if f != "" else None for f in r.fields] if r.fields else [None] * len(header)),
                         r.error, r.text, path, r.line] for r in found)
                yield from _frames(rows, [*header, *RECORD_COLUMNS])

    return records


def _frames(rows, names: list[str], batch: int = 20_000):
    """pandas frames of at most ``batch`` of ``rows`` each (one file's records, streamed)."""
    import pandas as pd

    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == batch:
            yield pd.DataFrame(chunk, columns=names)
            chunk = []
    if chunk:
        yield pd.DataFrame(chunk, columns=names)


def read_json_records(spark, path: str, options: dict) -> DataFrame:
    """JSON-lines files as records counted from the source (mrnet.jsonrecords), one file per
    task: the columns and types Spark's JSON reader infers from the files, plus RECORD_COLUMNS.
    A malformed line keeps only its reason, text, file and line."""
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    if str(options.get("multiLine", options.get("multiline", "false"))).lower() == "true":
        raise ConfigError("catalog.options.multiLine: the json format reads JSON lines (one object a "
                          "line); convert a JSON array or pretty-printed file to JSON lines or Parquet")
    files = spark.read.format("binaryFile").load(path)
    if files.select("path").first() is None:
        raise ConfigError(f"catalog.path: no file matches {path!r}, or every file it matches is empty")
    inferred = spark.read.options(**options).json(path).schema
    columns = StructType([f for f in inferred.fields if f.name != "_corrupt_record"])
    lines = StructType([StructField("_line", StringType()),
                        *[StructField(c, LongType() if c == "_source_line" else StringType())
                          for c in RECORD_COLUMNS]])
    records = files.select("path", "content").mapInPandas(_json_file_lines, lines)
    parsed = F.when(F.col("_record_error").isNull(), F.from_json("_line", columns, options))
    return records.select(parsed.alias("_object"), *RECORD_COLUMNS).select("_object.*", *RECORD_COLUMNS)


def _json_file_lines(frames):
    from mrnet.jsonrecords import split_lines

    for frame in frames:
        for path, content in zip(frame["path"], frame["content"]):
            rows = ([r.text if r.error is None else None, r.error, r.text, path, r.line]
                    for r in split_lines(bytes(content)))
            yield from _frames(rows, ["_line", *RECORD_COLUMNS])


def map_to_contract(raw: DataFrame, catalog: CatalogSettings, rules: IngestSettings) -> DataFrame:
    """Contract columns + typed attributes + ``_raw`` (the whole source row as JSON).

    Numeric attributes also keep their source text in ``_text_<name>`` so validation can tell a
    missing value from one that does not parse.
    """
    check_expressions(raw, catalog)
    source = [c for c in raw.columns if c not in RECORD_COLUMNS]
    record = F.to_json(F.struct(*[F.col(c) for c in RECORD_COLUMNS[1:] if c in raw.columns]))
    error = F.col("_record_error") if "_record_error" in raw.columns else F.lit(None).cast("string")
    raw = raw.withColumn("_raw", F.when(error.isNotNull(), record).otherwise(
        F.to_json(F.struct(*[F.col(f"`{c}`") for c in source])))).withColumn("_record_error", error)
    columns = [_contract_column(name, catalog.columns.get(name)) for name in CONTRACT_COLUMNS]
    attributes, texts = [], []
    for name, spec in catalog.attributes.items():
        source = F.expr(spec.expr)
        numeric = isinstance(raw.select(source).schema[0].dataType, NumericType)
        attributes.append(_typed(source, spec, rules, numeric).alias(name))
        if spec.type == "number":
            texts.append(source.cast("string").alias(f"_text_{name}"))
    return raw.select(*columns, *attributes, *texts, "_raw", "_record_error")


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


def _typed(source: Column, spec: AttributeSpec, rules: IngestSettings, numeric: bool) -> Column:
    if spec.type == "number":
        return finite(source) if numeric else parse_number(source.cast("string"), spec.currency, rules.decimal)
    if spec.type == "boolean":
        return source.cast("string").try_cast("boolean")
    return source.cast("string")
