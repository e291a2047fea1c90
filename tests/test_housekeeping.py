"""Vacuum: removes what no version inside the retention reads, dead runs' files included, and
never what a version inside it reads."""
from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import unquote

import pytest
from deltalake import DeltaTable

from mrnet.housekeeping import vacuum_warehouse
from mrnet.storage.delta_rs import DeltaRsWriter

pytestmark = pytest.mark.spark
PARTS = ["marketplace"]


def frame(spark, n, tag):
    return spark.createDataFrame([(f"{tag}{i}", ["uk", "fr"][i % 2]) for i in range(n)],
                                 "product_id string, marketplace string")


def parquet_files(store, table) -> set[str]:
    root = Path(store.uri(table))
    return {str(p.relative_to(root)) for p in root.rglob("*.parquet")}


def snapshot_files(store, table, version=None) -> set[str]:
    table_dt = DeltaTable(store.uri(table), version=version)
    root = Path(store.uri(table))
    return {str(Path(unquote(u.removeprefix("file://"))).relative_to(root)) for u in table_dt.file_uris()}


def age(path: Path, hours: float) -> None:
    """Make a file (or every file under a folder) look ``hours`` old."""
    stamp = time.time() - hours * 3600
    for p in [path, *path.rglob("*")] if path.is_dir() else [path]:
        os.utime(p, (stamp, stamp))


def a_dead_run(spark, store, monkeypatch, table):
    """A run killed between writing its files and committing them (they stay in the folder)."""
    def die(*args, **kwargs):
        raise KeyboardInterrupt("killed before commit")

    monkeypatch.setattr(DeltaRsWriter, "_commit", die)
    with pytest.raises(KeyboardInterrupt):
        store.write(frame(spark, 8, "dead"), table, mode="overwrite", partition_by=PARTS)
    monkeypatch.undo()


def test_vacuum_keeps_every_version_inside_the_retention(spark, store, monkeypatch):
    store.write(frame(spark, 6, "a"), "t", partition_by=PARTS)
    store.write(frame(spark, 4, "b"), "t", mode="overwrite", partition_by=PARTS)
    committed = snapshot_files(store, "t", 0) | snapshot_files(store, "t", 1)
    a_dead_run(spark, store, monkeypatch, "t")
    dead = parquet_files(store, "t") - committed
    assert dead and (Path(store.uri("t")) / "_staging").is_dir()

    # Nothing is old yet: a 1-hour retention lists nothing, removes nothing, both versions read.
    assert vacuum_warehouse(store, retention_hours=1, dry_run=False).total == 0
    assert parquet_files(store, "t") == committed | dead
    assert store.read("t", version=0).count() == 6 and store.read("t").count() == 4

    # The dead run's files and staging folder age past the retention: only they go.
    for relative in dead:
        age(Path(store.uri("t")) / relative, hours=2)
    age(Path(store.uri("t")) / "_staging", hours=2)
    listed = vacuum_warehouse(store, retention_hours=1, dry_run=True)
    assert set(listed.files["t"]) == dead | {p for p in listed.files["t"] if p.startswith("_staging/")}
    assert any(p.startswith("_staging/") for p in listed.files["t"])
    assert parquet_files(store, "t") == committed | dead        # a dry run removes nothing
    removed = vacuum_warehouse(store, retention_hours=1, dry_run=False)
    assert removed.total == listed.total
    assert parquet_files(store, "t") == committed
    assert not list((Path(store.uri("t")) / "_staging").glob("*"))
    assert store.read("t", version=0).count() == 6 and store.read("t", version=1).count() == 4


def test_vacuum_with_no_retention_keeps_only_the_current_version(spark, store):
    store.write(frame(spark, 6, "a"), "t", partition_by=PARTS)
    store.write(frame(spark, 4, "b"), "t", mode="overwrite", partition_by=PARTS)
    store.write(frame(spark, 3, "c"), "other", partition_by=PARTS)
    current, first = snapshot_files(store, "t"), snapshot_files(store, "t", 0)
    before = store.read_pandas("t").sort_values("product_id").reset_index(drop=True)

    cleanup = vacuum_warehouse(store, retention_hours=0, dry_run=False)
    assert sorted(cleanup.files) == ["other", "t"]
    assert set(cleanup.files["t"]) == first and cleanup.files["other"] == []
    assert parquet_files(store, "t") == current
    after = store.read_pandas("t").sort_values("product_id").reset_index(drop=True)
    assert after.equals(before)
    assert f"removed {len(first)} files" in cleanup.lines()[0]


def test_a_vacuum_commit_is_not_a_data_change(spark, store):
    """The nightly chain compares data versions: a vacuum alone must not rerun later stages."""
    store.write(frame(spark, 6, "a"), "t", partition_by=PARTS, metadata={"mrnet.content": "abc"})
    store.write(frame(spark, 4, "b"), "t", mode="overwrite", partition_by=PARTS,
                metadata={"mrnet.content": "def"})
    vacuum_warehouse(store, retention_hours=0, dry_run=False)
    assert store.version("t") == 3                       # VACUUM START and END were committed
    assert store.versions("t") == {"t": 1}
    assert store.last_data_commit("t")["mrnet.content"] == "def"
