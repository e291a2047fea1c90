"""Training every (marketplace, product group): a plain per-group function, dispatched by Spark.

``train_one_group`` runs anywhere (a test, a notebook, a Spark task): it reads its group's slice
of the label table and corpus with pyarrow, trains with checkpoints (a killed run resumes), and
writes the model store entry. ``train_all_groups`` (driver) sends one Spark task per group and,
on clusters with GPUs, asks one GPU per task through a stage-level ResourceProfile.
"""
from __future__ import annotations

import hashlib
import math
import json
import logging
import time
import traceback
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Iterator

import pandas as pd

from mrnet.configuration.schema import TrainSettings
from mrnet.devices import gpu_task_profile, task_device
from mrnet.groupdata import build_group_data
from mrnet.modelstore import has_artifact, read_manifest, save_group_model
from mrnet.paths import Paths
from mrnet.quality import quality_rows
from mrnet.schemas import TRAIN_OUTCOME
from mrnet.storage import read_partition
from mrnet.training import train_group
from mrnet.wordvectors import WordVectors

log = logging.getLogger("mrnet")



@dataclass(frozen=True)
class GroupJob:
    """Everything one group's training needs: small and picklable (it travels to executors)."""

    root: str
    model_version: str
    marketplace: str
    product_group: str
    versions: dict                 # labels, label_metadata, corpus table versions
    word_vectors_path: str
    settings: dict                 # TrainSettings as a dict


def train_one_group(job: GroupJob, device: str = "cpu") -> dict:
    """Train (or resume, or skip if already stored) one group's model; returns its manifest."""
    paths = Paths(job.root)
    folder = Path(paths.group_model(job.model_version, job.marketplace, job.product_group))
    if has_artifact(folder):
        return read_manifest(folder)
    started = time.time()
    vectors = WordVectors.load(job.word_vectors_path)
    settings = _train_settings(job.settings, device)
    data = _group_data(job, paths, vectors).with_decoding_objective(settings.decoding_loss)
    settings = group_budget(settings,
                            {name: len(task) for name, task in data.train.items()})
    checkpoints = Path(paths.checkpoints(job.model_version, job.marketplace, job.product_group))
    prefix = f"[{job.marketplace}/{job.product_group}]"
    say = lambda line: log.info("%s %s", prefix, line)
    result = train_group(data.tasks, data.train, data.valid, vectors.embedding_matrix(), settings,
                         checkpoints, log=say)
    failing = failing_tasks(data, result.metrics) if settings.drop_failing_tasks else []
    if failing and len(failing) < len(data.tasks):
        say(f"retraining without {', '.join(t['task'] for t in failing)} (below baseline on validation)")
        data = data.without({t["task"] for t in failing})
        result = train_group(data.tasks, data.train, data.valid, vectors.embedding_matrix(), settings,
                             checkpoints / "without-failing-tasks", log=say)
    else:
        failing = []
    manifest = _manifest(job, vectors, data, result, settings, time.time() - started)
    manifest["dropped_tasks"] = failing
    save_group_model(folder, result.model, manifest)
    return read_manifest(folder)


def failing_tasks(data, metrics: dict) -> list[dict]:
    """The tasks whose validation metric did not beat their trivial baseline, with the figures."""
    rows = quality_rows("", [t.to_json() for t in data.tasks], metrics)
    return [{"task": r["task"], "metric": r["metric"], "value": r["value"], "baseline": r["baseline"],
             "reason": f"{r['metric']} {r['value']} did not beat its baseline {r['baseline']} on validation"}
            for r in rows if not r["beats_baseline"]]


def _group_data(job: GroupJob, paths: Paths, vectors: WordVectors):
    partition = {"marketplace": job.marketplace, "product_group": job.product_group}
    labels = read_partition(paths.table("labels"), job.versions["labels"], partition).to_pandas()
    metadata = read_partition(paths.table("label_metadata"), job.versions["label_metadata"],
                              partition).to_pandas()
    tokens = read_partition(paths.table("corpus"), job.versions["corpus"], partition,
                            ["product_id", "title_tokens"]).to_pandas()
    return build_group_data(labels, metadata, tokens, vectors, job.settings["max_samples_per_task"])


def _train_settings(conf: dict, device: str) -> TrainSettings:
    """The job's settings (a ``TrainSettings`` as a dict), on the device Spark gave the task,
    with its batch size (``gpu_batch_size`` on a GPU)."""
    settings = replace(TrainSettings(**conf), device=device)
    if device.startswith("cuda") and settings.gpu_batch_size:
        settings = replace(settings, batch_size=settings.gpu_batch_size)
    return settings


def group_budget(settings: TrainSettings, train_rows: dict[str, int]) -> TrainSettings:
    """The steps a group trains for: ``epochs`` passes over each task's labelled training
    products (alternating: one task per step, so the passes add up over the tasks), raised to
    ``min_steps`` (a small group gets more passes) and capped by ``max_steps``; evaluations and
    checkpoints at least ten times over the budget, so early stopping can act on a small group.
    ``epochs: 0`` keeps the paper's fixed ``max_steps``."""
    if not settings.epochs:
        return settings
    per_task = [math.ceil(settings.epochs * n / settings.batch_size) for n in train_rows.values()]
    steps = max(per_task, default=1) if settings.mode == "joint" else sum(per_task)
    steps = max(steps, settings.min_steps)
    steps = max(1, min(steps, settings.max_steps) if settings.max_steps else steps)
    every = max(10, min(settings.eval_every, steps // 10))
    return replace(settings, max_steps=steps, eval_every=every,
                   checkpoint_every=max(every, min(settings.checkpoint_every, steps // 4)))


def _manifest(job: GroupJob, vectors: WordVectors, data, result, settings, seconds: float) -> dict:
    return {
        "model_version": job.model_version, "marketplace": job.marketplace,
        "product_group": job.product_group,
        "dims": {"word": vectors.dim, "hidden": settings.hidden, "embedding": 2 * settings.hidden,
                 "pooling": settings.pooling, "tune_words": settings.tune_words},
        "tasks": [{**t.to_json(), **data.task_info[t.name]} for t in data.tasks],
        "word_vectors": {"path": job.word_vectors_path, "checksum": vectors.checksum(),
                         "words": len(vectors.vocab)},
        "inputs": job.versions,
        "metrics": result.metrics,
        "training": {"seconds": round(seconds, 1), "steps": result.steps,
                     "samples_per_second": round(result.samples_per_second),
                     "device": settings.device, "budget_steps": settings.max_steps,
                     "best_step": result.best_step,
                     "stopped_early": result.stopped_early, "resumed_from": result.resumed_from,
                     "train_rows": {k: len(v) for k, v in data.train.items()},
                     "dropped_no_known_tokens": data.dropped_no_tokens},
        "settings": job.settings,
        "history": result.history,
    }


def make_train_fn(jobs: dict[tuple[str, str], GroupJob]):
    """Runs on the driver; returns the mapInPandas function that trains groups on executors.

    Each input row names one (marketplace, product_group). A failure is reported as a row
    (status "failed", with the error), never raised, so one group cannot stop the others.
    """

    def train_partition(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import torch

        # one torch thread per task: Spark runs one task per core, and more threads per task
        # oversubscribe the cores (two tasks of two threads each on two cores collapse throughput)
        torch.set_num_threads(1)
        for batch in batches:
            for marketplace, group in zip(batch["marketplace"], batch["product_group"]):
                yield pd.DataFrame([_run_guarded(jobs[(marketplace, group)])])

    return train_partition


def _run_guarded(job: GroupJob) -> dict:
    device = task_device()
    started = time.time()
    row = {"marketplace": job.marketplace, "product_group": job.product_group, "device": device}
    try:
        manifest = train_one_group(job, device)
        return {**row, "status": "ok", "seconds": time.time() - started,
                "manifest": json.dumps({k: manifest.get(k, []) for k in ("metrics", "training", "tasks",
                                                                          "dropped_tasks")}),
                "error": None}
    except Exception as error:  # reported per group; the job fails at the end
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        return {**row, "status": "failed", "seconds": time.time() - started, "manifest": None,
                "error": f"{detail}\n{traceback.format_exc(limit=5)}"}


def gpu_profile(spark, settings: TrainSettings):
    """A ResourceProfile asking one GPU per training task, where executors have GPUs; else None."""
    return gpu_task_profile(spark, settings.cpus_per_task)


def model_version_for(settings: TrainSettings, versions: dict, checksums: dict) -> str:
    """Derived from the inputs and settings, so a re-run of the same inputs resumes its version."""
    if settings.model_version:
        return settings.model_version
    # Where it runs and which groups this run trains do not change what a group's model is, and
    # only values that differ from the defaults count, so a setting added later (at its
    # default) keeps the versions of earlier runs, and their checkpoints, valid.
    defaults = asdict(TrainSettings())
    identity = {k: v for k, v in asdict(settings).items()
                if k not in ("device", "groups") and v != defaults[k]}
    key = json.dumps([identity, versions, checksums], sort_keys=True)
    return f"mv-l{versions['labels']}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def train_all_groups(spark, jobs: list[GroupJob], settings: TrainSettings) -> pd.DataFrame:
    """One Spark task per group (driver side); returns one outcome row per group."""
    rows = [(j.marketplace, j.product_group) for j in jobs]
    keys = spark.sparkContext.parallelize(rows, max(1, len(rows))).toDF(
        "marketplace string, product_group string")
    train_fn = make_train_fn({(j.marketplace, j.product_group): j for j in jobs})
    profile = gpu_profile(spark, settings)
    outcomes = keys.mapInPandas(train_fn, TRAIN_OUTCOME, profile=profile) if profile \
        else keys.mapInPandas(train_fn, TRAIN_OUTCOME)
    return outcomes.toPandas()   # one small row per group
