"""Training dispatch, the model store and the quality floor, on a small generated catalog."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mrnet.modelstore import RunRecord
from mrnet.configuration import PipelineConfig, load_config
from mrnet.groupdata import build_group_data
from mrnet.model import encode_numpy
from mrnet.modelstore import load_group_model, read_manifest
from mrnet.quality import quality_rows
from mrnet.schemas import CATALOG_PARTITIONS
from mrnet.storage import TableStore
from mrnet.synthetic import generate_rows
from mrnet.train import GroupJob, gpu_profile, train_all_groups, train_one_group
from mrnet.training_report import manifest_quality_rows
from mrnet.modelstore import ChecksumMismatch, current_word_vectors
from mrnet.wordvectors import WordVectors

pytestmark = pytest.mark.spark
ROWS = 10000


@pytest.fixture(scope="module")
def pipeline(spark, tmp_path_factory):
    """catalog → corpus → word2vec → labels in a temp warehouse (no training yet)."""
    from mrnet import stages

    root = tmp_path_factory.mktemp("train") / "warehouse"
    cfg = load_config(PipelineConfig, overrides=[
        f"storage.root={root}", "word2vec.min_count=5", "word2vec.vector_size=32",
        "labels.min_labelled=20", "train.max_steps=600", "train.eval_every=150",
        "train.checkpoint_every=150", "train.hidden=16", "train.lr=0.005",
        "train.drop_failing_tasks=false"])
    store = TableStore(spark, cfg.storage)
    catalog = spark.createDataFrame(generate_rows(np.arange(ROWS), ROWS, seed=11))
    store.write(catalog, "catalog", mode="overwrite", partition_by=CATALOG_PARTITIONS)
    run = RunRecord.start("test", cfg)
    for stage in (stages.tokenize_corpus, stages.train_word_vectors, stages.build_label_tables):
        stage(spark, store, cfg, run)
    return cfg, store


def job_for(cfg, store, marketplace, group, version="mv-test") -> GroupJob:
    vectors = current_word_vectors(store.paths.word2vec(marketplace))
    versions = store.versions("labels", "label_metadata", "corpus")
    return GroupJob(store.paths.root, version, marketplace, group, versions,
                    f"{store.paths.word2vec(marketplace)}/{vectors['version']}", vars(cfg.train))


def test_group_data_from_the_label_slice(pipeline):
    cfg, store = pipeline
    labels = store.read_pandas("labels")
    labels = labels[(labels.marketplace == "uk") & (labels.product_group == "toys")]
    meta = store.read_pandas("label_metadata")
    meta = meta[(meta.marketplace == "uk") & (meta.product_group == "toys")]
    tokens = store.read_pandas("corpus")
    tokens = tokens[(tokens.marketplace == "uk") & (tokens.product_group == "toys")]
    vectors = WordVectors.load(job_for(cfg, store, "uk", "toys").word_vectors_path)
    data = build_group_data(labels, meta, tokens, vectors, max_samples_per_task=100)
    dims = {t.name: (t.kind, t.dim) for t in data.tasks}
    assert len(dims) == 15
    assert dims["hazardous"] == ("binary", 2) and dims["price"] == ("regression", 1)
    assert dims["tfidf"][1] == len(meta.set_index("task").loc["tfidf", "terms"])
    assert all(len(d) <= 100 for d in data.train.values())
    assert data.train["tfidf"].target.shape[1] == dims["tfidf"][1]
    assert all(len(t) >= 1 for d in data.train.values() for t in d.tokens)


def test_train_one_group_store_round_trip_and_checksum_refusal(pipeline, tmp_path):
    cfg, store = pipeline
    job = job_for(cfg, store, "fr", "kitchen")
    manifest = train_one_group(job)
    folder = Path(store.paths.group_model("mv-test", "fr", "kitchen"))
    assert read_manifest(folder) == json.loads(json.dumps(manifest))
    assert manifest["dims"] == {"word": 32, "hidden": 16, "embedding": 32, "pooling": cfg.train.pooling,
                                "tune_words": cfg.train.tune_words}
    assert manifest["inputs"]["labels"] == store.version("labels")
    assert {"accuracy", "baseline_accuracy"} <= set(manifest["metrics"]["color"])
    vectors = WordVectors.load(job.word_vectors_path)
    model, _ = load_group_model(folder, vectors)
    seqs = [vectors.ids(["bouilloire", "inox"]), vectors.ids(["tasse", "bleu"])]
    seqs = [s for s in seqs if len(s)]
    first = encode_numpy(model, seqs)
    again, _ = load_group_model(folder, vectors)
    np.testing.assert_array_equal(first, encode_numpy(again, seqs))
    assert first.shape == (len(seqs), 32)
    other = WordVectors(vectors.vocab, vectors.vectors + 1.0)
    with pytest.raises(ChecksumMismatch, match="refusing to load"):
        load_group_model(folder, other)
    assert train_one_group(job) == json.loads(json.dumps(manifest))   # stored: not retrained


def test_quality_floor_loose(pipeline):
    cfg, store = pipeline
    job = job_for(cfg, store, "uk", "electronics", version="mv-quality")
    job = GroupJob(**{**vars(job), "settings": {**job.settings, "max_steps": 1500, "hidden": 32,
                                                "drop_failing_tasks": False}})
    manifest = train_one_group(job)
    rows = quality_rows("uk/electronics", manifest["tasks"], manifest["metrics"])
    beaten = [r for r in rows if r["beats_baseline"]]
    assert len(beaten) >= 0.6 * len(rows), [(r["task"], r["value"], r["baseline"]) for r in rows]
    by_task = {r["task"]: r for r in rows}
    assert by_task["item_type"]["value"] > by_task["item_type"]["baseline"] + 0.1
    assert by_task["price"]["value"] > 0.1
    assert by_task["tfidf"]["value"] < 1.1 * by_task["tfidf"]["baseline"]   # small data: near the mean


def test_tasks_below_their_baseline_are_dropped_and_the_group_retrained(pipeline):
    cfg, store = pipeline
    job = job_for(cfg, store, "uk", "electronics", version="mv-drop")
    job = GroupJob(**{**vars(job), "settings": {**job.settings, "max_steps": 24, "eval_every": 12,
                                                "hidden": 16, "drop_failing_tasks": True}})
    manifest = train_one_group(job)
    dropped = {t["task"]: t for t in manifest["dropped_tasks"]}
    kept = {t["name"] for t in manifest["tasks"]}
    assert dropped and kept          # 24 steps over a dozen tasks: some stay at their baseline
    assert not set(dropped) & kept and set(manifest["metrics"]) == kept
    for task in dropped.values():
        worse = task["value"] >= task["baseline"] if task["metric"] == "mse" else task["value"] <= task["baseline"]
        assert worse and "did not beat its baseline" in task["reason"], task
    model, _ = load_group_model(Path(store.paths.group_model("mv-drop", "uk", "electronics")),
                                WordVectors.load(job.word_vectors_path))
    assert set(model.heads) == kept
    rows = manifest_quality_rows("uk/electronics", manifest)
    assert {r["task"] for r in rows if r["dropped"]} == set(dropped)


def test_dispatch_reports_a_failing_group_without_stopping_the_others(spark, pipeline):
    cfg, store = pipeline
    good = job_for(cfg, store, "uk", "grocery", version="mv-dispatch")
    bad = GroupJob(**{**vars(good), "product_group": "beauty",
                      "word_vectors_path": "/nonexistent/vectors"})
    outcomes = train_all_groups(spark, [good, bad], cfg.train).set_index("product_group")
    assert outcomes.loc["grocery", "status"] == "ok"
    assert outcomes.loc["beauty", "status"] == "failed"
    assert "nonexistent" in outcomes.loc["beauty", "error"]
    assert json.loads(outcomes.loc["grocery", "manifest"])["training"]["steps"] > 0


def test_gpu_profile_only_where_executors_have_gpus(spark):
    assert gpu_profile(spark, load_config(PipelineConfig).train) is None
    spark.conf.set("spark.executor.resource.gpu.amount", "1")
    try:
        profile = gpu_profile(spark, load_config(PipelineConfig).train)
        assert profile.taskResources["gpu"].amount == 1.0
    finally:
        spark.conf.unset("spark.executor.resource.gpu.amount")


def test_a_task_trains_on_the_gpu_spark_gave_it(monkeypatch):
    """The device choice of a training task (no GPU here: Spark's task context and CUDA's
    availability are stood in for)."""
    from types import SimpleNamespace

    import pyspark
    import torch

    from mrnet.devices import task_device as _task_device

    given = SimpleNamespace(resources=lambda: {"gpu": SimpleNamespace(addresses=["3"])})
    monkeypatch.setattr(pyspark.TaskContext, "get", staticmethod(lambda: given))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert _task_device() == "cuda:3"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)     # a GPU address, no CUDA
    assert _task_device() == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(pyspark.TaskContext, "get", staticmethod(lambda: SimpleNamespace(resources=dict)))
    assert _task_device() == "cpu"                                     # a task without a GPU
    monkeypatch.setattr(pyspark.TaskContext, "get", staticmethod(lambda: None))
    assert _task_device() == "cpu"                                     # outside Spark


def test_a_gpu_task_trains_at_the_gpu_batch_size():
    from mrnet.train import _train_settings

    conf = {"batch_size": 128, "gpu_batch_size": 1024, "max_steps": 1500}
    on_gpu, on_cpu = _train_settings(conf, "cuda:0"), _train_settings(conf, "cpu")
    assert (on_gpu.batch_size, on_gpu.device, on_gpu.max_steps) == (1024, "cuda:0", 1500)
    assert (on_cpu.batch_size, on_cpu.device) == (128, "cpu")
    assert _train_settings({**conf, "gpu_batch_size": 0}, "cuda:0").batch_size == 128


def test_a_gpu_device_turns_tf32_off_and_a_cpu_leaves_it(monkeypatch):
    """TF32 in cuDNN's LSTMs moved scored vectors by 2.5e-3 on an H200; the flag is plain
    Python state, so its setting is checked here without a GPU."""
    import torch

    from mrnet.model import exact_float32

    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", True)
    assert exact_float32("cpu") == "cpu" and torch.backends.cudnn.allow_tf32
    assert exact_float32("cuda:1") == "cuda:1" and not torch.backends.cudnn.allow_tf32


def test_group_budget_follows_the_group_size():
    from dataclasses import replace

    from mrnet.configuration.schema import TrainSettings
    from mrnet.train import group_budget

    paper = TrainSettings(max_steps=1500)
    assert group_budget(paper, {"a": 10_000}) == paper                   # epochs 0: fixed steps
    by_data = replace(paper, epochs=2.0, max_steps=0, batch_size=100)
    small = group_budget(by_data, {"color": 300, "tfidf": 450})
    assert small.max_steps == 6 + 9 and small.eval_every == 10           # 2 passes over each task
    floor = group_budget(replace(by_data, min_steps=120), {"color": 300, "tfidf": 450})
    assert floor.max_steps == 120 and floor.eval_every == 12             # a small group: more passes
    assert group_budget(replace(by_data, min_steps=5000, max_steps=1000), {"color": 300}).max_steps == 1000
    large = group_budget(by_data, {"color": 30_000, "tfidf": 45_000})
    assert large.max_steps == 1500 and large.eval_every == 150 and large.checkpoint_every == 250
    assert group_budget(replace(by_data, max_steps=1000), {"color": 300_000}).max_steps == 1000
    joint = group_budget(replace(by_data, mode="joint"), {"color": 300, "tfidf": 450})
    assert joint.max_steps == 9                                          # passes over products
