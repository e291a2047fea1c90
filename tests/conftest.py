"""Shared fixtures: one local SparkSession for the whole test run, small data, temp warehouses."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


@pytest.fixture(scope="session")
def spark():
    from mrnet.configuration import load_config
    from mrnet.configuration.schema import PipelineConfig
    from mrnet.session import build_spark_session

    cfg = load_config(PipelineConfig, env="local", overrides=[
        "spark.master=local[2]",
        "spark.conf.spark.sql.shuffle.partitions=4",
        "spark.conf.spark.default.parallelism=4",
        "spark.conf.spark.driver.memory=2g",
    ])
    session = build_spark_session(cfg.spark, app_name="mrnet-tests")
    yield session
    session.stop()


@pytest.fixture
def storage_settings(tmp_path):
    from mrnet.configuration.schema import StorageSettings

    return StorageSettings(root=str(tmp_path / "warehouse"))


@pytest.fixture
def store(spark, storage_settings):
    from mrnet.storage import TableStore

    return TableStore(spark, storage_settings)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared catalogs not found at {SHARED_DATA}")
    return SHARED_DATA


SMALL_PIPELINE = [
    "synthetic.rows=4000", "synthetic.dirty_fraction=0.0", "word2vec.min_count=3",
    "word2vec.workers=1",   # with the stable hash, word vectors (and so the chain) are reproducible
    "word2vec.vector_size=32", "labels.min_labelled=10", "train.hidden=16",
    "train.max_steps=300", "train.eval_every=100", "train.checkpoint_every=100", "train.lr=0.005",
    "train.drop_failing_tasks=false",   # tiny budgets: tests/test_train.py tests the dropping
    "agnostic.hidden=32", "agnostic.epochs=20", "align.hidden=32", "align.epochs=20",
    "evaluate.sample=1500", "evaluate.folds=3", "evaluate.forest_trees=20",
    "evaluate.projection_points=800",
]


@pytest.fixture(scope="session")
def small_pipeline(spark, tmp_path_factory):
    """The whole nightly chain, once, on a small generated catalog: (cfg, store, outcomes)."""
    from mrnet.configuration import PipelineConfig, load_config
    from mrnet.nightly import run_chain
    from mrnet.storage import TableStore

    root = tmp_path_factory.mktemp("pipeline") / "warehouse"
    cfg = load_config(PipelineConfig, overrides=[f"storage.root={root}", *SMALL_PIPELINE])
    store = TableStore(spark, cfg.storage)
    outcomes = run_chain(spark, store, cfg)
    return cfg, store, outcomes
