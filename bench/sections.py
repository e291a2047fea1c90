"""Benchmark sections: each takes the shared context and returns its figures."""
from __future__ import annotations

import time
from pathlib import Path


def _session():
    from mrnet.configuration import PipelineConfig, load_config
    from mrnet.session import build_spark_session

    cfg = load_config(PipelineConfig, env="local")
    return cfg, build_spark_session(cfg.spark, app_name="mrnet-bench")


def _store(spark, cfg, workdir: Path):
    from mrnet.storage import TableStore

    cfg.storage.root = str(workdir / "warehouse")
    return TableStore(spark, cfg.storage)


def _folder_bytes(path: str) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file() and "_delta_log" not in p.parts)


def bench_ingest(context: dict) -> dict:
    """Synthetic catalog generation + validation + two Delta commits, end to end."""
    from mrnet.catalog import read_source
    from mrnet.ingest import run_ingest

    cfg, spark = _session()
    store = _store(spark, cfg, context["workdir"])
    cfg.synthetic.rows = context["rows"]
    context.update(spark=spark, cfg=cfg, store=store)
    started = time.time()
    summary = run_ingest(spark, store, read_source(spark, cfg.catalog, cfg.synthetic),
                         cfg.catalog, cfg.ingest)
    seconds = time.time() - started
    return {"rows": summary.rows_in, "seconds": round(seconds, 1),
            "rows_per_second": round(summary.rows_in / seconds),
            "catalog_mb_on_disk": round(_folder_bytes(store.uri("catalog")) / 2**20, 1),
            "bytes_per_row": round(_folder_bytes(store.uri("catalog")) / summary.kept, 1)}


def _ensure_catalog(context: dict) -> None:
    """The workdir's catalog: ingested now, or the one an earlier run of this workdir left."""
    if "store" in context:
        return
    cfg, spark = _session()
    store = _store(spark, cfg, context["workdir"])
    if store.exists("catalog"):
        cfg.synthetic.rows = context["rows"]
        context.update(spark=spark, cfg=cfg, store=store)
    else:
        bench_ingest(context)


def bench_corpus_and_labels(context: dict) -> dict:
    """Tokenizing the catalog into the corpus, then the 15 tasks' labels, on the ingested catalog."""
    from mrnet.corpus import build_corpus
    from mrnet.labels import build_labels
    from mrnet.schemas import CORPUS_PARTITIONS, LABEL_PARTITIONS

    _ensure_catalog(context)
    cfg, store = context["cfg"], context["store"]
    rows = sum(store.row_counts("catalog", "marketplace").values())
    started = time.time()
    store.write(build_corpus(store.read("catalog")), "corpus", mode="overwrite",
                partition_by=CORPUS_PARTITIONS)
    corpus_seconds = time.time() - started
    started = time.time()
    tokens = store.read("corpus").select("marketplace", "product_group", "product_id", "title_tokens")
    build = build_labels(store.read("catalog"), tokens, cfg.tasks, cfg.labels)
    store.write(build.labels, "labels", mode="overwrite", partition_by=LABEL_PARTITIONS)
    labels_seconds = time.time() - started
    label_rows = sum(store.row_counts("labels", "marketplace").values())
    return {"catalog_rows": rows, "corpus_seconds": round(corpus_seconds, 1),
            "corpus_rows_per_second": round(rows / corpus_seconds),
            "labels_seconds": round(labels_seconds, 1),
            "labels_catalog_rows_per_second": round(rows / labels_seconds),
            "label_rows": label_rows, "tasks_kept": len(build.metadata)}


WORD2VEC_PROBE = """
import json, resource, sys, time
from mrnet.configuration.schema import StorageSettings, Word2VecSettings
from mrnet.storage import TableStore
from mrnet.word2vec import StreamingSentences, train_word2vec
store = TableStore(None, StorageSettings(root=sys.argv[1]))
sentences = StreamingSentences(store, sys.argv[2], "uk")
vectors, stats = train_word2vec(sentences, Word2VecSettings(epochs=1, workers=2))
stats["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(stats))
"""


def bench_word2vec(context: dict) -> dict:
    """Streamed word2vec on two corpus sizes (10x apart), each in its own process: peak RSS."""
    import json
    import subprocess
    import sys

    from mrnet.corpus import build_corpus
    from mrnet.schemas import CORPUS_PARTITIONS

    _ensure_catalog(context)
    store = context["store"]
    rows = sum(store.row_counts("catalog", "marketplace").values())
    sizes = [context["rows"] // 20, context["rows"] // 2]
    figures = {}
    for size in sizes:
        table = f"corpus_{size}"
        sample = store.read("catalog").sample(fraction=min(1.0, size / rows), seed=1)
        store.write(build_corpus(sample), table, mode="overwrite", partition_by=CORPUS_PARTITIONS)
        out = subprocess.run([sys.executable, "-c", WORD2VEC_PROBE, store.paths.root, table],
                             capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError(f"word2vec probe failed: {out.stderr[-2000:]}")
        stats = json.loads(out.stdout.strip().splitlines()[-1])
        figures[f"rows_{size}_words"] = stats["words"]
        figures[f"rows_{size}_words_per_second"] = stats["words_per_second"]
        figures[f"rows_{size}_peak_rss_mb"] = stats["peak_rss_mb"]
    return figures


def _train_small_models(context: dict) -> str:
    """Models for the scoring benchmark: the real chain with short training (speed, not quality),
    on a copy of the conf, so that the training benchmarks still see its nightly settings."""
    import copy

    from mrnet import stages
    from mrnet.configuration.schema import TrainSettings
    from mrnet.modelstore import RunRecord, current_model_version

    spark, cfg, store = context["spark"], copy.deepcopy(context["cfg"]), context["store"]
    published = current_model_version(store.paths)
    if published:   # a --workdir of an earlier run: its catalog is the same generated one
        return published
    cfg.train = TrainSettings(max_steps=150, eval_every=150, checkpoint_every=150,
                              max_samples_per_task=20_000)
    cfg.agnostic.epochs, cfg.agnostic.max_per_group, cfg.align.epochs = 3, 20_000, 3
    cfg.agnostic.min_steps = cfg.align.min_steps = 0
    cfg.publish.min_beating_baseline = 0.0      # speed, not quality: whatever 150 steps learn
    cfg.align.max_pairs = 20_000
    run = RunRecord.start("bench", cfg)
    if not store.exists("corpus"):
        stages.tokenize_corpus(spark, store, cfg, run)
    for stage in (stages.train_word_vectors, stages.build_label_tables, stages.run_training,
                  stages.train_agnostic_autoencoders, stages.train_aligners, stages.gate_model_version):
        stage(spark, store, cfg, run)
    return stages.published_model_version(store)


_PLAIN = {}


def _plain_init(root: str, model_version: str) -> None:
    """A pool process: one torch thread, like one Spark task slot; models loaded once."""
    import torch

    from mrnet.embedder import bundle_for

    torch.set_num_threads(1)
    _PLAIN["bundle"] = bundle_for(root, model_version)


def _plain_shard(shard) -> int:
    """The three vectors of one shard's titles, as the scoring UDF makes them: rows done."""
    from mrnet.embedder import embed_agnostic, embed_aligned, embed_group
    from mrnet.text import tokenize_many

    bundle = _PLAIN["bundle"]
    for (marketplace, group), rows in shard.groupby(["marketplace", "product_group"]):
        for start in range(0, len(rows), 10_000):
            chunk = rows.iloc[start:start + 10_000]
            tokens = tokenize_many(chunk.title)
            vectors, _ = embed_group(bundle, marketplace, group, tokens)
            agnostic = embed_agnostic(bundle, marketplace, group, vectors)
            embed_aligned(bundle, marketplace, vectors, agnostic, tokens)
    return len(shard)


def _plain_pool(root: str, model_version: str, slots: int):
    """As many processes as Spark has task slots (spawned: deltalake and torch dislike fork)."""
    import multiprocessing

    return multiprocessing.get_context("spawn").Pool(slots, _plain_init, (root, model_version))


TRAIN_GROUPS = (("uk", "toys"), ("fr", "electronics"))


def _one_torch_thread() -> None:
    import torch

    torch.set_num_threads(1)


def _trained_samples(manifest: dict, batch_size: int) -> int:
    return manifest["training"]["steps"] * batch_size


def _train_jobs(context: dict, settings: dict, tag: str) -> list:
    """The benchmark's groups as training jobs of a fresh model version (a stored one is skipped)."""
    from mrnet.modelstore import current_word_vectors
    from mrnet.train import GroupJob

    store = context["store"]
    versions = store.versions("labels", "label_metadata", "corpus")
    jobs = []
    for marketplace, group in TRAIN_GROUPS:
        vectors = current_word_vectors(store.paths.word2vec(marketplace))
        jobs.append(GroupJob(store.paths.root, f"bench-train-{tag}", marketplace, group, versions,
                             store.paths.word_vectors(marketplace, vectors["version"]), settings))
    return jobs


def _remove_bench_models(paths) -> None:
    import shutil

    for parent in (paths.models(), f"{paths.root}/checkpoints"):
        for folder in Path(parent).glob("bench-train-*"):
            shutil.rmtree(folder, ignore_errors=True)


def bench_train(context: dict) -> dict:
    """Training through Spark (one task per group, validation and checkpoints as in the nightly
    chain) beside the same groups trained by ``train_one_group`` in as many spawned processes as
    there are groups, one torch thread each (Spark's training tasks run one thread each), as
    interleaved repetitions; plus the training loop's own rate (step time only), beside the
    paper's ~8.3k samples/s on one GRID K520 GPU."""
    import dataclasses
    import itertools
    import json
    import multiprocessing
    import statistics
    import uuid

    from sidebyside import interleaved

    from mrnet.train import train_all_groups, train_one_group

    _ensure_catalog(context)
    if "model_version" not in context:
        context["model_version"] = _train_small_models(context)
    cfg = context["cfg"]
    settings = dataclasses.asdict(cfg.train) | {"max_steps": 600, "eval_every": 200, "epochs": 0.0,
                                                 "checkpoint_every": 200, "patience": 10}
    batch, loop_rates = settings["batch_size"], []
    tags = (f"{uuid.uuid4().hex[:8]}-{n}" for n in itertools.count())   # each repetition trains anew

    def through_spark() -> int:
        outcomes = train_all_groups(context["spark"], _train_jobs(context, settings, next(tags)), cfg.train)
        if (outcomes.status != "ok").any():
            raise RuntimeError(f"training failed: {outcomes.error.dropna().tolist()}")
        manifests = [json.loads(m) for m in outcomes.manifest]
        return sum(_trained_samples(m, batch) for m in manifests)

    def loop_alone() -> int:
        manifests = pool.map(train_one_group, _train_jobs(context, settings, next(tags)))
        loop_rates.extend(m["training"]["samples_per_second"] for m in manifests)
        return sum(_trained_samples(m, batch) for m in manifests)

    pool = multiprocessing.get_context("spawn").Pool(len(TRAIN_GROUPS), _one_torch_thread)
    try:
        measured = interleaved({"spark": through_spark, "loop_alone": loop_alone}, unit="samples")
    finally:
        pool.terminate()
        _remove_bench_models(context["store"].paths)
    figures = {"groups": [f"{m}/{g}" for m, g in TRAIN_GROUPS], "steps_per_group": settings["max_steps"],
               "baseline": f"train_one_group in {len(TRAIN_GROUPS)} spawned processes, 1 torch thread each"}
    figures.update(measured)
    figures["training_steps_only_samples_per_second_per_group_median"] = round(statistics.median(loop_rates))
    figures["paper_k520_gpu_samples_per_second"] = round(15 * 1_000_000 / 1800)
    return figures


def bench_score(context: dict) -> dict:
    """Scoring end to end through Spark (read catalog -> mapInArrow -> Delta commit) at two sizes,
    beside the same vectors of the same titles by plain torch in as many processes as Spark has
    task slots, one torch thread each (Spark's tasks run one thread each too); interleaved
    repetitions (bench/sidebyside.py); the peak RSS of the Python workers that scored."""
    from datetime import datetime, timezone

    from pyspark.sql import functions as F

    from sidebyside import interleaved, peak_rss_mb, python_workers, reset_peak_rss

    from mrnet.schemas import EMBEDDINGS, EMBEDDINGS_PARTITIONS
    from mrnet.score import score_files

    _ensure_catalog(context)
    spark, store = context["spark"], context["store"]
    if "model_version" not in context:
        context["model_version"] = _train_small_models(context)
    model_version = context["model_version"]
    catalog = store.read("catalog")
    total = sum(store.row_counts("catalog", "marketplace").values())
    slots = spark.sparkContext.defaultParallelism
    figures = {"model_version": model_version, "task_slots": slots,
               "baseline": f"plain torch in {slots} spawned processes, 1 torch thread each"}
    pool = _plain_pool(store.paths.root, model_version, slots)
    try:
        for size in (context["rows"] // 10, context["rows"]):
            subset = catalog.filter(F.crc32("product_id") % 1000 < round(1000 * size / total))
            table = f"embeddings_{size}"

            def through_spark() -> int:
                store.write_with_executors(
                    table, lambda uri: score_files(subset, uri, store.paths.root, model_version,
                                                   datetime.now(timezone.utc)),
                    EMBEDDINGS, mode="overwrite", partition_by=EMBEDDINGS_PARTITIONS)
                return sum(store.row_counts(table, "marketplace").values())

            titles = subset.select("marketplace", "product_group", "title").toPandas()
            shards = [titles.iloc[i::slots] for i in range(slots)]

            def plain_torch() -> int:
                return sum(pool.map(_plain_shard, shards))

            reset_peak_rss(python_workers())
            measured = interleaved({"spark": through_spark, "plain_torch": plain_torch})
            measured["worker_peak_rss_mb"] = peak_rss_mb(python_workers())
            figures.update({f"rows_{len(titles)}_{k}": v for k, v in measured.items()})
    finally:
        pool.terminate()
    return figures


def _ensure_embeddings(context: dict) -> None:
    """The embeddings table of the whole catalog, scored once with the benchmark's models."""
    from mrnet import stages
    from mrnet.modelstore import RunRecord

    _ensure_catalog(context)
    if "model_version" not in context:
        context["model_version"] = _train_small_models(context)
    store, cfg = context["store"], context["cfg"]
    if not store.exists("embeddings"):
        stages.score_embeddings(context["spark"], store, cfg, RunRecord.start("bench", cfg))


def bench_neighbours(context: dict) -> dict:
    """The neighbours stage over every scored product (within-group scope, 2 marketplaces x 7
    groups), exact and through the HNSW index, with the index's recall@10; and mrnet.Embedder
    titles/s at three batch sizes."""
    import dataclasses

    from mrnet import Embedder, stages
    from mrnet.modelstore import RunRecord

    _ensure_embeddings(context)
    spark, store, cfg = context["spark"], context["store"], context["cfg"]
    products = sum(store.row_counts("embeddings", "marketplace").values())
    figures = {"products": products, "task_slots": spark.sparkContext.defaultParallelism}
    for name, exact_max_rows in (("exact", 10**12), ("approximate", 0)):
        run_cfg = dataclasses.replace(cfg, align=dataclasses.replace(cfg.align, pairs=[]),
                                      neighbours=dataclasses.replace(cfg.neighbours, incremental=False,
                                                                     exact_max_rows=exact_max_rows))
        started = time.time()
        summary = stages.build_neighbours(spark, store, run_cfg, RunRecord.start("bench", run_cfg))
        seconds = time.time() - started
        figures[f"{name}_seconds"] = round(seconds, 1)
        figures[f"{name}_products_per_second"] = round(products / seconds)
        figures[f"{name}_products_per_second_per_core"] = round(products / seconds / figures["task_slots"])
        if summary["recall"]:
            figures[f"{name}_recall_at_10_min"] = round(min(r["recall"] for r in summary["recall"]), 4)
            figures[f"{name}_recall_at_10_mean"] = round(
                sum(r["recall"] for r in summary["recall"]) / len(summary["recall"]), 4)
    rate = figures["approximate_products_per_second_per_core"]
    figures["extrapolated_2b_products_200_cores_hours"] = round(2e9 / (rate * 200) / 3600, 2)
    figures.update(_embedder_rates(Embedder.load(store.paths.root), store))
    return figures


def _embedder_rates(embedder, store) -> dict:
    titles = store.read_pandas("catalog", columns=["marketplace", "product_group", "title"])
    titles = titles[(titles.marketplace == "uk") & (titles.product_group == "toys")].title.tolist()
    figures = {}
    for batch in (1, 100, 10_000):
        chunk = (titles * (1 + batch // max(1, len(titles))))[:batch]
        repeats = max(1, 2000 // batch)
        embedder.embed(chunk, "uk", "toys")          # warm
        started = time.perf_counter()
        for _ in range(repeats):
            embedder.embed(chunk, "uk", "toys")
        figures[f"embedder_batch_{batch}_titles_per_second"] = round(batch * repeats / (time.perf_counter() - started))
    return figures


def bench_train_profile(context: dict) -> dict:
    from trainprofile import bench_train_profile as profile

    return profile(context)


SECTIONS = {"ingest": bench_ingest, "labels": bench_corpus_and_labels, "word2vec": bench_word2vec,
            "train": bench_train, "train_profile": bench_train_profile, "score": bench_score,
            "neighbours": bench_neighbours}
