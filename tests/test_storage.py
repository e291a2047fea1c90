"""Delta tables through delta-rs: round trips, overwrites, time travel, failures and races."""
from __future__ import annotations

import site
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest
from deltalake import DeltaTable

from mrnet.storage import ConcurrentCommitError, EngineUnavailableError, TableMissingError, TableStore
from mrnet.storage.delta_rs import DeltaRsWriter

pytestmark = pytest.mark.spark
PARTS = ["marketplace", "product_group"]


def frame(spark, n, marketplaces=("uk", "fr"), tag="a"):
    groups = ["toys", "grocery & gourmet", "a/b"]
    rows = [(f"{tag}{i}", marketplaces[i % len(marketplaces)], groups[i % 3], [float(i), 1.0])
            for i in range(n)]
    return spark.createDataFrame(rows, "product_id string, marketplace string, "
                                       "product_group string, vec array<float>")


def sorted_pdf(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values("product_id").reset_index(drop=True)


def test_round_trip_spark_pandas_and_partitions(spark, store):
    version = store.write(frame(spark, 30), "t", partition_by=PARTS)
    assert version == 0
    back = store.read("t").toPandas()
    assert list(back.columns) == ["product_id", "marketplace", "product_group", "vec"]
    assert len(back) == 30
    assert set(back.product_group) == {"toys", "grocery & gourmet", "a/b"}
    assert back.set_index("product_id").loc["a4", "vec"].tolist() == [4.0, 1.0]
    pdf = store.read_pandas("t")
    assert sorted_pdf(pdf)[["product_id", "marketplace", "product_group"]].equals(
        sorted_pdf(back)[["product_id", "marketplace", "product_group"]])
    assert DeltaTable(store.uri("t")).count() == 30   # numRecords stats are written
    assert store.row_counts("t", "marketplace") == {"uk": 15, "fr": 15}


def test_append_and_full_overwrite(spark, store):
    store.write(frame(spark, 10), "t", partition_by=PARTS)
    store.write(frame(spark, 5, tag="b"), "t", mode="append", partition_by=PARTS)
    assert store.read("t").count() == 15
    store.write(frame(spark, 4, tag="c"), "t", mode="overwrite", partition_by=PARTS)
    assert sorted(store.read_pandas("t").product_id) == ["c0", "c1", "c2", "c3"]


def test_overwrite_partitions_replaces_only_them_and_rerun_never_duplicates(spark, store):
    store.write(frame(spark, 30), "t", partition_by=PARTS)
    uk_again = frame(spark, 30, marketplaces=("uk",), tag="u")
    for _ in range(2):   # a re-run replaces its own output
        store.write(uk_again, "t", mode="overwrite_partitions", partition_by=PARTS,
                    replace={"marketplace": ["uk"]})
    pdf = store.read_pandas("t")
    assert (pdf.marketplace == "fr").sum() == 15
    assert (pdf.marketplace == "uk").sum() == 30
    assert set(pdf[pdf.marketplace == "uk"].product_id) == {f"u{i}" for i in range(30)}


def test_dynamic_partition_overwrite_touches_written_partitions_only(spark, store):
    store.write(frame(spark, 30), "t", partition_by=PARTS)
    toys = frame(spark, 3, marketplaces=("fr",), tag="n").filter("product_group = 'toys'")
    store.write(toys, "t", mode="overwrite_partitions", partition_by=PARTS)
    pdf = store.read_pandas("t")
    fr_toys = pdf[(pdf.marketplace == "fr") & (pdf.product_group == "toys")]
    assert list(fr_toys.product_id) == ["n0"]
    assert len(pdf) == 30 - 5 + 1


def test_time_travel_by_version_and_timestamp(spark, store):
    store.write(frame(spark, 6), "t", partition_by=PARTS)
    time.sleep(1.1)
    between = datetime.now(timezone.utc)
    time.sleep(1.1)
    store.write(frame(spark, 9, tag="z"), "t", mode="overwrite", partition_by=PARTS)
    assert store.read("t", version=0).count() == 6
    assert store.read("t").count() == 9
    assert len(store.read_pandas("t", version=0)) == 6
    assert store.read("t", timestamp=between).count() == 6


def test_run_dying_before_commit_leaves_previous_version_intact(spark, store, monkeypatch):
    store.write(frame(spark, 12), "t", partition_by=PARTS)

    def die(*args, **kwargs):
        raise KeyboardInterrupt("killed before commit")

    monkeypatch.setattr(DeltaRsWriter, "_commit", die)
    with pytest.raises(KeyboardInterrupt):
        store.write(frame(spark, 50, tag="x"), "t", mode="overwrite", partition_by=PARTS)
    monkeypatch.undo()
    assert store.version("t") == 0
    pdf = store.read_pandas("t")
    assert len(pdf) == 12 and not pdf.product_id.str.startswith("x").any()
    assert store.read("t").count() == 12   # the dead run's parquet files are in the folder, unseen
    parquet_on_disk = list(Path(store.uri("t")).rglob("*.parquet"))
    assert len(parquet_on_disk) > len(DeltaTable(store.uri("t")).file_uris())


def test_commit_race_one_wins_the_other_fails_cleanly(spark, store, monkeypatch):
    store.write(frame(spark, 6), "t", partition_by=PARTS)
    original_stage = DeltaRsWriter._stage
    raced = {}

    def stage_then_let_a_rival_commit(self, df, partition_by, run_id):
        staged = original_stage(self, df, partition_by, run_id)
        if not raced:
            raced["rival"] = True
            store.write(frame(spark, 3, tag="rival"), "t", mode="append", partition_by=PARTS)
        return staged

    monkeypatch.setattr(DeltaRsWriter, "_stage", stage_then_let_a_rival_commit)
    with pytest.raises(ConcurrentCommitError, match="another run committed"):
        store.write(frame(spark, 20, tag="loser"), "t", mode="overwrite", partition_by=PARTS)
    monkeypatch.undo()
    pdf = store.read_pandas("t")
    assert store.version("t") == 1
    assert len(pdf) == 9 and not pdf.product_id.str.startswith("loser").any()


def test_stale_expected_version_is_refused(spark, store):
    store.write(frame(spark, 6), "t", partition_by=PARTS)
    store.write(frame(spark, 6, tag="b"), "t", mode="append", partition_by=PARTS)
    with pytest.raises(ConcurrentCommitError):
        store.write(frame(spark, 2, tag="c"), "t", mode="overwrite", partition_by=PARTS,
                    expected_version=0)
    assert store.read("t").count() == 12


def test_readable_by_deltalake_and_duckdb(spark, store):
    duckdb = pytest.importorskip("duckdb")
    store.write(frame(spark, 30), "t", partition_by=PARTS)
    assert DeltaTable(store.uri("t")).to_pandas().shape == (30, 4)
    con = duckdb.connect()
    extensions = Path(site.getsitepackages()[0]) / "duckdb_ext" / "extensions"
    con.execute(f"SET extension_directory='{extensions}'")
    con.execute("LOAD delta")
    rows = con.execute(
        f"SELECT marketplace, product_group, count(*) FROM delta_scan('{store.uri('t')}') "
        "GROUP BY ALL ORDER BY ALL").fetchall()
    assert rows == [("fr", "a/b", 5), ("fr", "grocery & gourmet", 5), ("fr", "toys", 5),
                    ("uk", "a/b", 5), ("uk", "grocery & gourmet", 5), ("uk", "toys", 5)]


def test_empty_write_and_missing_table(spark, store):
    store.write(frame(spark, 3).limit(0), "empty", partition_by=PARTS)
    assert store.read("empty").count() == 0
    assert store.read("empty").columns == ["product_id", "marketplace", "product_group", "vec"]
    with pytest.raises(TableMissingError, match="no Delta table"):
        store.read("nope")


def test_delta_spark_engine_without_jars_fails_at_start(spark, storage_settings):
    storage_settings.engine = "delta-spark"
    with pytest.raises(EngineUnavailableError, match="--packages io.delta:delta-spark"):
        TableStore(spark, storage_settings)


def test_files_written_by_executors_commit_as_one_transaction(spark, store):
    """The executor-side writer (used by scoring): pyarrow files, one commit, invisible before."""
    from mrnet.schemas import FLOATS, STAGED_FILE, STRING, struct
    from mrnet.storage import make_file_writer_fn
    from mrnet.storage.delta_rs import staged_files

    schema = struct(("product_id", STRING), ("marketplace", STRING), ("product_group", STRING),
                    ("vec", FLOATS))
    store.write(frame(spark, 6), "t", partition_by=PARTS)
    uri = store.uri("t")
    files_df = frame(spark, 40, tag="w").mapInArrow(make_file_writer_fn(uri, PARTS), STAGED_FILE)
    written = staged_files(r.asDict() for r in files_df.collect())
    assert sum(f.rows for f in written) == 40
    assert store.read("t").count() == 6                       # written but not committed: unseen
    version = store.write_with_executors("t", lambda u: frame(spark, 40, tag="w").mapInArrow(
        make_file_writer_fn(u, PARTS), STAGED_FILE), schema, mode="overwrite", partition_by=PARTS)
    assert version == 1
    pdf = store.read_pandas("t")
    assert len(pdf) == 40 and pdf.product_id.str.startswith("w").all()
    back = store.read("t").toPandas().set_index("product_id")
    assert back.loc["w4", "vec"].tolist() == [4.0, 1.0]
    assert back.loc["w4", "product_group"] == "grocery & gourmet"
