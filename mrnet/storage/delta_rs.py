"""Delta tables without JVM jars: Spark writes Parquet, the driver commits with delta-rs.

A write is two-phase:

1. executors write Parquet files into ``<table>/_staging/<run_id>/`` (Spark's own commit
   protocol, so task retries never leave duplicates there);
2. the driver moves them into the table's partition folders (names are unique per run), reads
   each file's row count from its footer, and commits **one** Delta transaction: the new files
   as ``add`` actions and, for overwrites, the replaced files as ``remove`` actions.

Files of a run that dies before step 2 ends are in no Delta version, so no reader sees them.
The commit is made with ``max_commit_retries=0`` from the snapshot the run started on: if another
run committed in between, this one fails with :class:`ConcurrentCommitError` and nothing changes.
"""
from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator, Mapping, Sequence
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from deltalake import DeltaTable, Schema
from deltalake.exceptions import CommitFailedError, DeltaError, TableNotFoundError
from deltalake.transaction import (
    AddAction,
    CommitProperties,
    RemoveAction,
    create_table_with_add_actions,
)

from mrnet.storage.errors import ConcurrentCommitError, TableMissingError, UnreadableTableError

HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
_SAFE_PARTITION_CHARS = re.compile(r"[^A-Za-z0-9._-]")
WRITE_MODES = ("append", "overwrite", "overwrite_partitions")
MAINTENANCE = frozenset({"VACUUM START", "VACUUM END"})   # commits that change no row


@dataclass(frozen=True)
class StagedFile:
    relative_path: str          # from the table root, on the filesystem
    partition_values: dict[str, str | None]
    size: int
    rows: int


def escape_partition_value(value: str | None) -> str:
    """Directory-safe form of a partition value (Spark unescapes ``%XX`` when it reads)."""
    if value is None:
        return HIVE_NULL
    return _SAFE_PARTITION_CHARS.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), value)


def open_snapshot(uri: str, version: int | None = None, timestamp: datetime | str | None = None):
    """The table at its current version, at ``version``, or as of ``timestamp``; None if absent."""
    try:
        table = DeltaTable(uri, version=version) if version is not None else DeltaTable(uri)
    except TableNotFoundError:
        return None
    except DeltaError as error:
        raise UnreadableTableError(uri, str(error).strip().splitlines()[0]) from None
    if timestamp is not None:
        table.load_as_version(timestamp)
    return table


def require_snapshot(uri: str, version: int | None = None, timestamp=None) -> DeltaTable:
    table = open_snapshot(uri, version, timestamp)
    if table is None:
        raise TableMissingError(f"no Delta table at {uri}: run the job that writes it first")
    return table


class DeltaRsWriter:
    """Writes one Spark DataFrame into one Delta table as one transaction. Runs on the driver."""

    def __init__(self, uri: str):
        self.uri = uri
        self.fs, self.root = filesystem(uri)

    def write(
        self,
        df,
        mode: str = "append",
        partition_by: Sequence[str] = (),
        replace: Mapping[str, Sequence[str]] | None = None,
        metadata: Mapping[str, str] | None = None,
        expected_version: int | None = None,
    ) -> int:
        """Write ``df`` and commit; returns the new table version.

        ``overwrite_partitions`` replaces the partitions named in ``replace`` (e.g.
        ``{"marketplace": ["uk"]}``), or, without it, the partitions the run wrote files into.
        ``expected_version``: the version this run read (defaults to the version now).
        """
        snapshot, start_version = self._begin(mode, expected_version)
        df = _partition_columns_as_strings(df, partition_by)
        schema = _arrow_schema(df)
        run_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        staged = self._stage(df, partition_by, run_id)
        self._finish(snapshot, start_version, schema, staged, mode, partition_by, replace,
                     {"mrnet.run_id": run_id, **(metadata or {})})
        self.fs.delete_dir(f"{self.root}/_staging/{run_id}")
        if not self.fs.get_file_info(pafs.FileSelector(f"{self.root}/_staging")):
            self.fs.delete_dir(f"{self.root}/_staging")
        return DeltaTable(self.uri).version()

    def commit_files(self, files: Sequence[StagedFile], schema: pa.Schema, mode: str,
                     partition_by: Sequence[str] = (),
                     replace: Mapping[str, Sequence[str]] | None = None,
                     metadata: Mapping[str, str] | None = None,
                     expected_version: int | None = None) -> int:
        """Commit Parquet files that executors already wrote into the table folder (see
        :func:`make_file_writer_fn`) as one transaction; returns the new version."""
        snapshot, start_version = self._begin(mode, expected_version)
        self._finish(snapshot, start_version, schema, list(files), mode, partition_by, replace,
                     dict(metadata or {}))
        return DeltaTable(self.uri).version()

    def _begin(self, mode: str, expected_version: int | None):
        if mode not in WRITE_MODES:
            raise ValueError(f"mode must be one of {WRITE_MODES}, got {mode!r}")
        snapshot = open_snapshot(self.uri)
        start_version = snapshot.version() if snapshot is not None else None
        if expected_version is not None and expected_version != start_version:
            raise ConcurrentCommitError(self.uri, expected_version, start_version)
        return snapshot, start_version

    def _finish(self, snapshot, start_version, schema: pa.Schema, staged, mode, partition_by,
                replace, metadata: dict) -> None:
        adds = [self._add_action(f) for f in staged]
        removes = _removes(snapshot, mode, partition_by, replace, staged)
        properties = CommitProperties(custom_metadata=metadata, max_commit_retries=0)
        self._commit(snapshot, start_version, Schema.from_arrow(schema), adds, removes,
                     partition_by, mode, properties)

    def _stage(self, df, partition_by: Sequence[str], run_id: str) -> list[StagedFile]:
        staging = f"{self.uri}/_staging/{run_id}"
        writer = df.write.mode("errorifexists")
        if partition_by:
            writer = writer.partitionBy(*partition_by)
        writer.parquet(staging)
        return [self._publish(info, run_id, partition_by) for info in self._data_files(run_id)]

    def _data_files(self, run_id: str) -> Iterator[pafs.FileInfo]:
        selector = pafs.FileSelector(f"{self.root}/_staging/{run_id}", recursive=True)
        infos = sorted(self.fs.get_file_info(selector), key=lambda info: info.path)  # stable file order
        for info in infos:
            if info.type == pafs.FileType.File and info.base_name.endswith(".parquet"):
                yield info

    def _publish(self, info: pafs.FileInfo, run_id: str, partition_by) -> StagedFile:
        """Move one staged file into its partition folder of the table (not yet committed)."""
        staged_rel = info.path[len(f"{self.root}/_staging/{run_id}/"):]
        values = _partition_values(staged_rel, partition_by)
        folder = "/".join(f"{c}={escape_partition_value(values[c])}" for c in partition_by)
        relative = f"{folder}/{info.base_name}" if folder else info.base_name
        if folder:
            self.fs.create_dir(f"{self.root}/{folder}", recursive=True)
        self.fs.move(info.path, f"{self.root}/{relative}")
        rows = pq.read_metadata(f"{self.root}/{relative}", filesystem=self.fs).num_rows
        return StagedFile(relative, values, info.size, rows)

    @staticmethod
    def _add_action(staged: StagedFile) -> AddAction:
        stats = json.dumps({"numRecords": staged.rows})
        now = int(time.time() * 1000)
        # delta-rs percent-encodes the path itself when it writes the log.
        return AddAction(staged.relative_path, staged.size,
                         staged.partition_values, now, True, stats)

    def _commit(self, snapshot, start_version, schema, adds, removes, partition_by, mode, props):
        try:
            if snapshot is None:
                create_table_with_add_actions(
                    self.uri, schema, adds, mode="error", partition_by=list(partition_by) or None,
                    commit_properties=props,
                )
                return
            now = open_snapshot(self.uri)
            if now.version() != start_version:
                raise ConcurrentCommitError(self.uri, start_version, now.version())
            commit_mode = "overwrite" if mode == "overwrite" else "append"
            snapshot.create_write_transaction(
                removes + adds, mode=commit_mode, schema=schema,
                partition_by=list(partition_by) or None, commit_properties=props,
            )
        except CommitFailedError as error:
            latest = open_snapshot(self.uri)
            raise ConcurrentCommitError(
                self.uri, start_version, latest.version() if latest else None, str(error)
            ) from None
        except Exception as error:  # a concurrent create surfaces as a generic DeltaError
            if snapshot is None and "already exists" in str(error).lower():
                raise ConcurrentCommitError(self.uri, None, 0, str(error)) from None
            raise


def _removes(snapshot, mode, partition_by, replace, staged) -> list[RemoveAction]:
    """The files an overwrite replaces; full overwrites are left to delta-rs (mode=overwrite)."""
    if snapshot is None or mode != "overwrite_partitions":
        return []
    if replace is None:
        replace_keys = {tuple(f.partition_values.get(c) for c in partition_by) for f in staged}
        selected = lambda values: tuple(values.get(c) for c in partition_by) in replace_keys
    else:
        unknown = set(replace) - set(partition_by)
        if unknown:
            raise ValueError(f"replace names non-partition columns {sorted(unknown)}")
        selected = lambda values: all(values.get(c) in set(v) for c, v in replace.items())
    now = int(time.time() * 1000)
    removes = []
    for action in pa.table(snapshot.get_add_actions(flatten=True)).to_pylist():
        values = {c: action.get(f"partition.{c}") for c in partition_by}
        if selected(values):
            # get_add_actions() gives the log's encoded path; delta-rs encodes again on commit.
            path = unquote(action["path"])
            removes.append(RemoveAction(path, True, now, action["size_bytes"], values))
    return removes


def _partition_values(relative: str, partition_by: Sequence[str]) -> dict[str, str | None]:
    parts = dict(p.split("=", 1) for p in relative.split("/")[:-1] if "=" in p)
    values = {}
    for column in partition_by:
        raw = unquote(parts[column])
        values[column] = None if raw == HIVE_NULL else raw
    return values


def _partition_columns_as_strings(df, partition_by):
    from pyspark.sql import functions as F

    for column in partition_by:
        if column not in df.columns:
            raise ValueError(f"partition column {column!r} is not in the DataFrame")
        df = df.withColumn(column, F.col(column).cast("string"))
    return df


def _arrow_schema(df) -> pa.Schema:
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(df.schema, timezone="UTC", prefers_large_types=False)


def filesystem(uri: str):
    """``(pyarrow filesystem, path on it)`` of a folder or URI."""
    if "://" in uri:
        return pafs.FileSystem.from_uri(uri)
    return pafs.LocalFileSystem(), uri


def vacuum(uri: str, retention_hours: int, dry_run: bool) -> list[str]:
    """delta-rs's full vacuum (unreferenced files, those of dead runs included) plus the
    ``_staging`` folders of dead runs, both only when older than the retention; returns the
    table-relative paths it removed (or would remove)."""
    files = DeltaTable(uri).vacuum(retention_hours=retention_hours, dry_run=dry_run,
                                   enforce_retention_duration=False, full=True)
    dead = remove_dead_folders(f"{uri}/_staging", retention_hours, dry_run)
    return sorted(files) + [f"_staging/{name}/" for name in dead]


def remove_dead_folders(parent: str, retention_hours: int, dry_run: bool) -> list[str]:
    """Remove (unless ``dry_run``) the sub-folders of ``parent`` in which nothing changed for
    ``retention_hours``: the staging of runs that died. Returns their names."""
    fs, root = filesystem(parent)
    cutoff = time.time() - retention_hours * 3600
    found = fs.get_file_info(pafs.FileSelector(root, allow_not_found=True))
    dead = sorted((info for info in found
                   if info.type == pafs.FileType.Directory and _newest_mtime(fs, info.path) < cutoff),
                  key=lambda info: info.base_name)
    for info in dead if not dry_run else ():
        fs.delete_dir(info.path)
    return [info.base_name for info in dead]


def _newest_mtime(fs, folder: str) -> float:
    infos = fs.get_file_info(pafs.FileSelector(folder, recursive=True))
    times = [i.mtime.timestamp() for i in infos if i.mtime is not None]
    return max(times, default=fs.get_file_info(folder).mtime.timestamp())




def make_file_writer_fn(uri: str, partition_by: Sequence[str], transform=None):
    """Runs on the driver; returns the mapInArrow function that, on the executors, writes the
    (optionally ``transform``-ed) Arrow batches as Parquet files straight into the table folder
    with pyarrow, and yields one small row per file for :meth:`DeltaRsWriter.commit_files`.

    The rows never cross into the JVM: for wide rows (embeddings) this is most of the cost of a
    write. Files are invisible until the driver commits them; a failed or retried task's files
    are in no result and so are never committed.
    """

    def write_files(batches):
        fs, root = filesystem(uri)
        writers: dict = {}
        stream = transform(batches) if transform is not None else batches
        try:
            for batch in stream:
                for key, part in _split_by_partition(batch, partition_by):
                    if key not in writers:
                        writers[key] = _open_file(fs, root, partition_by, key, part.schema)
                    writers[key][1].write_batch(part)
        finally:
            files = [_close_file(fs, root, key, entry, partition_by) for key, entry in writers.items()]
        if files:
            yield pa.RecordBatch.from_pylist(files, schema=pa.schema([
                ("relative_path", pa.string()), ("partition_values", pa.string()),
                ("size", pa.int64()), ("rows", pa.int64())]))

    return write_files


def _split_by_partition(batch: pa.RecordBatch, partition_by: Sequence[str]):
    """(partition key, the batch's rows of that partition without the partition columns)."""
    if not partition_by:
        yield (), batch
        return
    import pyarrow.compute as pc

    table = pa.Table.from_batches([batch])
    keys = table.select(list(partition_by)).group_by(list(partition_by)).aggregate([]).to_pylist()
    data = table.drop(list(partition_by))
    for key in keys:
        mask = None
        for column in partition_by:
            term = pc.equal(table[column], key[column]) if key[column] is not None \
                else pc.is_null(table[column])
            mask = term if mask is None else pc.and_(mask, term)
        for part in data.filter(mask).to_batches():
            yield tuple(key[c] for c in partition_by), part


def _open_file(fs, root: str, partition_by, key: tuple, schema: pa.Schema):
    folder = "/".join(f"{c}={escape_partition_value(v)}" for c, v in zip(partition_by, key))
    relative = f"{folder}/part-{uuid.uuid4().hex}.parquet" if folder else f"part-{uuid.uuid4().hex}.parquet"
    if folder:
        fs.create_dir(f"{root}/{folder}", recursive=True)
    sink = fs.open_output_stream(f"{root}/{relative}")
    writer = pq.ParquetWriter(sink, schema, compression="zstd", compression_level=1,
                              use_dictionary=False, coerce_timestamps="us")
    return relative, writer, sink


def _close_file(fs, root, key, entry, partition_by) -> dict:
    relative, writer, sink = entry
    writer.close()
    sink.close()
    rows = pq.read_metadata(f"{root}/{relative}", filesystem=fs).num_rows
    size = fs.get_file_info(f"{root}/{relative}").size
    return {"relative_path": relative, "partition_values": json.dumps(dict(zip(partition_by, key))),
            "size": size, "rows": rows}


def staged_files(rows) -> list[StagedFile]:
    """The file rows of :func:`make_file_writer_fn`, collected on the driver (one per file)."""
    return [StagedFile(r["relative_path"], json.loads(r["partition_values"]), r["size"], r["rows"])
            for r in rows]


def read_partition(uri: str, version: int | None, partition: Mapping[str, str],
                   columns: Sequence[str] | None = None, where=None) -> pa.Table:
    """One partition's rows of a table version (those matching the pyarrow expression ``where``),
    read with pyarrow (no Spark): for executors that each read their own slice. Only that
    partition's files are opened."""
    import pyarrow.compute as pc

    dataset = require_snapshot(uri, version).to_pyarrow_dataset()
    condition = where
    for column, value in partition.items():
        term = pc.field(column) == value
        condition = term if condition is None else condition & term
    return dataset.to_table(columns=list(columns) if columns else None, filter=condition)
