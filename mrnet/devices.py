"""Where a Spark task's torch work runs: the GPU Spark gave the task, if any, else the CPU.

Training and scoring ask one GPU per task through a stage-level ResourceProfile only where the
cluster's executors have GPUs (``spark.executor.resource.gpu.amount``), so the same conf and
code run on GPU clusters and on CPU-only ones.
"""
from __future__ import annotations

CPU = "cpu"
# Titles per BiLSTM forward when scoring: a GPU wants large batches to be busy; on a CPU a
# batch past ~1k titles buys nothing and holds more padding.
SCORE_BATCH = {"cpu": 1024, "cuda": 16384}


def task_device() -> str:
    """``cuda:<address>`` of the GPU Spark gave this task when CUDA is usable, else ``cpu``."""
    import torch

    from pyspark import TaskContext

    context = TaskContext.get()
    gpus = context.resources().get("gpu") if context is not None else None
    if gpus is not None and gpus.addresses and torch.cuda.is_available():
        return f"cuda:{gpus.addresses[0]}"
    return CPU


def gpu_task_profile(spark, cpus_per_task: int = 1):
    """A ResourceProfile asking one GPU (and ``cpus_per_task`` cores) per task, where executors
    have GPUs; else None."""
    amount = spark.conf.get("spark.executor.resource.gpu.amount", "0") or "0"
    if float(amount) <= 0:
        return None
    from pyspark.resource import ResourceProfileBuilder, TaskResourceRequests

    requests = TaskResourceRequests().cpus(cpus_per_task).resource("gpu", 1)
    return ResourceProfileBuilder().require(requests).build


def map_in_arrow(df, fn, schema, profile):
    """``df.mapInArrow`` under ``profile`` when there is one."""
    return df.mapInArrow(fn, schema, profile=profile) if profile is not None else df.mapInArrow(fn, schema)


def score_batch_size(device: str) -> int:
    return SCORE_BATCH["cuda" if device.startswith("cuda") else "cpu"]
