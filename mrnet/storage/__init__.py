"""Delta tables for every stage: write from Spark, read into Spark, pandas or Arrow batches.

``TableStore`` is the one entry point; it hides which engine writes the Delta log
(``delta-rs`` from the driver by default, ``delta-spark`` where the cluster has the jars).
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterator, Mapping, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.fs as pafs

from mrnet.configuration.schema import StorageSettings
from mrnet.paths import Paths
from mrnet.storage import delta_rs, delta_spark
from mrnet.storage.delta_rs import (MAINTENANCE, DeltaRsWriter, make_file_writer_fn, open_snapshot,
                                    read_partition, require_snapshot)
from mrnet.storage.errors import (
    ConcurrentCommitError,
    EngineUnavailableError,
    StorageError,
    TableMissingError,
)

__all__ = [
    "ConcurrentCommitError", "EngineUnavailableError", "StorageError", "TableMissingError",
    "TableStore", "make_file_writer_fn", "read_partition",
]


class TableStore:
    """The Delta tables under ``<storage.root>/tables``. Lives on the driver."""

    def __init__(self, spark, settings: StorageSettings):
        self.spark = spark
        self.engine = settings.engine
        self.paths = Paths.from_root(settings.root)
        if self.engine == "delta-spark" and spark is not None:
            delta_spark.require_delta_jars(spark)

    def uri(self, table: str) -> str:
        return self.paths.table(table)

    def exists(self, table: str) -> bool:
        return open_snapshot(self.uri(table)) is not None

    def version(self, table: str) -> int | None:
        snapshot = open_snapshot(self.uri(table))
        return snapshot.version() if snapshot is not None else None

    def last_data_commit(self, table: str) -> dict | None:
        """The newest commit that changed the table's rows (vacuum's commits do not)."""
        if not self.exists(table):
            return None
        for limit in (8, None):   # the newest few commits hold it, unless vacuums ran many nights
            found = next((c for c in self.history(table, limit) if c.get("operation") not in MAINTENANCE), None)
            if found is not None:
                return found
        return None

    def data_version(self, table: str) -> int | None:
        commit = self.last_data_commit(table)
        return commit["version"] if commit is not None else None

    def versions(self, *tables: str) -> dict:
        """{table: version of its rows} — the inputs a run records (and the nightly chain
        compares), so that a vacuum alone does not make later stages run again."""
        return {table: self.data_version(table) for table in tables}

    def tables(self) -> list[str]:
        """The names of the Delta tables under ``<root>/tables``."""
        fs, folder = delta_rs.filesystem(f"{self.paths.root}/tables")
        infos = fs.get_file_info(pafs.FileSelector(folder, allow_not_found=True))
        names = [i.base_name for i in infos if i.type == pafs.FileType.Directory]
        return sorted(n for n in names if self.exists(n))

    def vacuum(self, table: str, retention_hours: int, dry_run: bool = True) -> list[str]:
        """Delete (or with ``dry_run`` list) the table's files that no version committed within
        the last ``retention_hours`` references: files later versions removed, and files of runs
        that died before committing. Versions inside the retention stay readable."""
        return delta_rs.vacuum(self.uri(table), retention_hours, dry_run)

    def write(self, df, table: str, mode: str = "append", partition_by: Sequence[str] = (),
              replace: Mapping[str, Sequence[str]] | None = None,
              metadata: Mapping[str, str] | None = None,
              expected_version: int | None = None) -> int:
        """One Delta transaction with ``df``'s rows; returns the table's new version."""
        if self.engine == "delta-spark":
            delta_spark.write_native(df, self.uri(table), mode, partition_by, replace)
            return require_snapshot(self.uri(table)).version()
        return DeltaRsWriter(self.uri(table)).write(
            df, mode, partition_by, replace, metadata, expected_version
        )

    def write_with_executors(self, table: str, files_df_for, schema, mode: str = "overwrite",
                             partition_by: Sequence[str] = (),
                             replace: Mapping[str, Sequence[str]] | None = None,
                             metadata: Mapping[str, str] | None = None,
                             expected_version: int | None = None) -> int:
        """Executors write the Parquet files themselves; the driver commits them (one
        transaction). ``files_df_for(uri)`` returns the DataFrame of file rows (one per file,
        :data:`mrnet.schemas.STAGED_FILE`) made with :func:`make_file_writer_fn` for that
        folder; ``schema`` is the table's ``StructType``.

        With ``delta-spark`` the files are staged outside the table and Spark's own Delta
        writer commits their rows, so that engine's log is the only one that table has.
        """
        from pyspark.sql.pandas.types import to_arrow_schema

        from mrnet.storage.delta_rs import staged_files

        if self.engine == "delta-spark":
            return self._write_staged_natively(table, files_df_for, mode, partition_by, replace)
        uri = self.uri(table)
        arrow = to_arrow_schema(schema, timezone="UTC")
        files = staged_files(r.asDict() for r in files_df_for(uri).collect())   # one row per file
        return DeltaRsWriter(uri).commit_files(files, arrow, mode, partition_by, replace,
                                               metadata, expected_version)

    def _write_staged_natively(self, table, files_df_for, mode, partition_by, replace) -> int:
        import shutil
        import uuid

        staging = f"{self.paths.root}/staging/{table}-{uuid.uuid4().hex[:8]}"
        try:
            files_df_for(staging).collect()
            staged = self.spark.read.option("basePath", staging).parquet(staging)
            return self.write(staged, table, mode, partition_by, replace)
        finally:
            if "://" not in staging:
                shutil.rmtree(staging, ignore_errors=True)

    def read(self, table: str, version: int | None = None,
             timestamp: datetime | str | None = None):
        """A Spark DataFrame of the table's snapshot (current, ``version`` or ``timestamp``)."""
        return self.read_uri(self.uri(table), version, timestamp)

    def read_uri(self, uri: str, version: int | None = None, timestamp=None):
        """Like :meth:`read`, for a Delta table anywhere (e.g. a catalog source)."""
        if self.engine == "delta-spark":
            return delta_spark.read_native(self.spark, uri, version, timestamp)
        snapshot = require_snapshot(uri, version, timestamp)
        schema = _spark_schema(snapshot)
        files = snapshot.file_uris()
        if not files:
            return self.spark.createDataFrame([], schema)
        # Only the snapshot's files: the folder also holds removed and uncommitted ones.
        df = self.spark.read.schema(schema).option("basePath", uri).parquet(*files)
        return df.select(*schema.fieldNames())   # the table's column order, not Spark's

    def read_pandas(self, table: str, columns: Sequence[str] | None = None,
                    version: int | None = None, timestamp=None, filter=None) -> pd.DataFrame:
        """The table (or the ``filter``ed part, a pyarrow expression) as pandas, on the driver.

        For small tables and samples only; stream big ones with :meth:`iter_batches`.
        """
        dataset = require_snapshot(self.uri(table), version, timestamp).to_pyarrow_dataset()
        return dataset.to_table(columns=columns, filter=filter).to_pandas()

    def iter_batches(self, table: str, columns: Sequence[str] | None = None,
                     batch_size: int = 65_536, version: int | None = None,
                     filter=None) -> Iterator[pa.RecordBatch]:
        """Stream the table as Arrow record batches: memory stays at a few batches."""
        dataset = require_snapshot(self.uri(table), version).to_pyarrow_dataset()
        yield from dataset.to_batches(columns=columns, filter=filter, batch_size=batch_size)

    def row_counts(self, table: str, column: str, version: int | None = None) -> dict:
        """Rows per value of partition ``column``, from the Delta log's stats (no data read)."""
        snapshot = require_snapshot(self.uri(table), version)
        actions = pa.table(snapshot.get_add_actions(flatten=True))
        counts: dict = {}
        for row in actions.select(["num_records", f"partition.{column}"]).to_pylist():
            key = row[f"partition.{column}"]
            counts[key] = counts.get(key, 0) + row["num_records"]
        return counts

    def history(self, table: str, limit: int | None = None) -> list[dict]:
        """The table's commits, newest first (the ``limit`` newest)."""
        return require_snapshot(self.uri(table)).history(limit)


def _spark_schema(snapshot):
    from pyspark.sql.pandas.types import from_arrow_schema

    arrow = pa.schema(snapshot.schema().to_arrow())
    return from_arrow_schema(arrow)
