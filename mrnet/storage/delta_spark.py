"""``storage.engine: delta-spark``: Delta Lake's own Spark integration, for clusters with its jars."""
from __future__ import annotations

from typing import Mapping, Sequence

from mrnet.storage.errors import EngineUnavailableError

DELTA_SPARK_HELP = (
    "storage.engine: delta-spark needs Delta Lake's jars on the cluster. Add them with "
    "--packages io.delta:delta-spark_2.13:4.0.0 (or use a platform whose runtime ships Delta) and "
    "--conf spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension "
    "--conf spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog, "
    "or set storage.engine: delta-rs, which needs no jars."
)


def require_delta_jars(spark) -> None:
    """Fail at start, not at the first write, when the Delta classes are not on the JVM."""
    from py4j.java_gateway import JavaClass

    if not isinstance(spark._jvm.io.delta.tables.DeltaTable, JavaClass):
        raise EngineUnavailableError(DELTA_SPARK_HELP)


def write_native(df, uri: str, mode: str, partition_by: Sequence[str],
                 replace: Mapping[str, Sequence[str]] | None) -> None:
    writer = df.write.format("delta").partitionBy(*partition_by)
    if mode == "append":
        writer.mode("append").save(uri)
        return
    writer = writer.mode("overwrite")
    if mode == "overwrite_partitions":
        if replace:
            clause = " AND ".join(
                f"{c} IN ({', '.join(repr(v) for v in values)})" for c, values in replace.items()
            )
            writer = writer.option("replaceWhere", clause)
        else:
            writer = writer.option("partitionOverwriteMode", "dynamic")
    writer.save(uri)


def read_native(spark, uri: str, version: int | None, timestamp):
    reader = spark.read.format("delta")
    if version is not None:
        reader = reader.option("versionAsOf", version)
    if timestamp is not None:
        reader = reader.option("timestampAsOf", str(timestamp))
    return reader.load(uri)
