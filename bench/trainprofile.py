"""Where a training step's time goes (``./build.sh bench --only train_profile``).

One group's data, built once, trained by :func:`mrnet.training.train_group` in spawned processes
of one torch thread each (as a Spark task runs it), without validation until the last step and
without checkpoints, so that what is timed is the training loop alone:

* one process alone, under cProfile: its step-only rate and the share of the step time in each
  part of a step (the BiLSTM forward, backward, the optimisers, clipping, padding, the heads);
* one process alone, not profiled, and two processes at once on the same data: what a second
  group trained beside it (Spark's second task slot) does to the first one's rate;
* the rate per title length: the same steps on the group's shortest and longest titles;
* the same group through Spark (``train_all_groups``, one task), and both benchmark groups
  through Spark with validation and checkpoints as in the nightly chain (wall-clock rates).
"""
from __future__ import annotations

import cProfile
import dataclasses
import multiprocessing
import pstats
import time

# cProfile names (substrings of "file:function") of the parts of a step, in the order tried
PARTS = (("lstm forward", ("<built-in method torch.lstm>",)),
         ("backward", ("run_backward",)),
         ("optimisers", ("adam",)),
         ("clipping", ("clip_grad",)),
         ("padding and packing", ("pad_batch", "pack_padded_sequence", "_pack_padded_sequence")),
         ("heads and losses", ("linear", "cross_entropy", "mse_loss", "binary_cross_entropy",
                               "target_batch")))

_DATA: dict = {}


def _load(job) -> None:
    import torch

    from mrnet.paths import Paths
    from mrnet.train import _group_data
    from mrnet.wordvectors import WordVectors

    torch.set_num_threads(1)
    vectors = WordVectors.load(job.word_vectors_path)
    _DATA.update(job=job, vectors=vectors, data=_group_data(job, Paths(job.root), vectors))


def _train(settings_dict: dict, tokens: str = "all", profile: bool = False) -> dict:
    """One loop in this (pool) process: step-only samples/s, and the profile's parts."""
    import tempfile

    from mrnet.configuration.schema import TrainSettings
    from mrnet.training import train_group

    data, vectors = _DATA["data"], _DATA["vectors"]
    train = data.train if tokens == "all" else {name: _by_length(task, tokens) for name, task in data.train.items()}
    settings = TrainSettings(**settings_dict)
    profiler = cProfile.Profile() if profile else None
    with tempfile.TemporaryDirectory() as checkpoints:
        if profiler:
            profiler.enable()
        started = time.perf_counter()
        result = train_group(data.tasks, train, data.valid, vectors.embedding_matrix(), settings,
                             checkpoints, log=lambda line: None)
        wall = time.perf_counter() - started
        if profiler:
            profiler.disable()
    out = {"samples_per_second": round(result.samples_per_second), "wall_seconds": round(wall, 1),
           "mean_tokens": round(_mean_tokens(train), 1)}
    if profiler:
        out["step_share"] = _parts(pstats.Stats(profiler), result.steps * settings.batch_size
                                   / result.samples_per_second)
    return out


def _by_length(task, which: str):
    """The task's rows with titles at most (``short``) or at least (``long``) its median length."""
    import numpy as np

    from mrnet.training.data import TaskData

    lengths = np.array([len(t) for t in task.tokens])
    keep = np.nonzero(lengths <= np.median(lengths) if which == "short" else lengths >= np.median(lengths))[0]
    index = None if task.product_index is None else task.product_index[keep]
    return TaskData([task.tokens[i] for i in keep], task.target[keep], index)


def _mean_tokens(train: dict) -> float:
    lengths = [len(t) for task in train.values() for t in task.tokens]
    return sum(lengths) / max(1, len(lengths))


def _parts(stats: pstats.Stats, step_seconds: float) -> dict:
    """Share of the step time in each of PARTS (tottime of the matching functions)."""
    shares = dict.fromkeys([name for name, _ in PARTS], 0.0)
    for (filename, _, function), (_, _, tottime, _, _) in stats.stats.items():
        key = f"{filename}:{function}".lower()
        for name, needles in PARTS:
            if any(n.lower() in key for n in needles):
                shares[name] += tottime
                break
    shares = {k: round(v / step_seconds, 3) for k, v in shares.items()}
    shares["other python"] = round(1 - sum(shares.values()), 3)
    return shares


def bench_train_profile(context: dict) -> dict:
    from sections import TRAIN_GROUPS, _ensure_catalog, _remove_bench_models, _train_jobs, _train_small_models

    _ensure_catalog(context)
    if "model_version" not in context:
        context["model_version"] = _train_small_models(context)
    # the nightly chain's model and step budget; the loop alone validates only at its last step
    nightly_train = context["cfg"].train
    steps = nightly_train.max_steps
    settings = dataclasses.asdict(nightly_train) | {"max_steps": steps, "eval_every": steps, "epochs": 0.0,
                                                 "checkpoint_every": 10**6, "patience": 10,
                                                 "drop_failing_tasks": False}
    job = _train_jobs(context, settings, "profile")[0]
    spawn = multiprocessing.get_context("spawn")
    figures = {"group": "/".join(TRAIN_GROUPS[0]), "steps": settings["max_steps"]}
    with spawn.Pool(2, _load, (job,)) as pool:
        pool.map(_train, [{**settings, "max_steps": 20}] * 2)            # warm both processes
        figures["profiled_alone"] = pool.apply(_train, (settings, "all", True))
        figures["alone"] = [pool.apply(_train, (settings,)) for _ in range(2)]
        figures["two_at_once"] = pool.map(_train, [settings] * 2)
        figures["alone_short_titles"] = pool.apply(_train, (settings, "short"))
        figures["alone_long_titles"] = pool.apply(_train, (settings, "long"))
    alone = sum(r["samples_per_second"] for r in figures["alone"]) / 2
    beside = sum(r["samples_per_second"] for r in figures["two_at_once"]) / 2
    figures["one_process_samples_per_second"] = round(alone)
    figures["each_of_two_processes_samples_per_second"] = round(beside)
    figures["second_process_slowdown"] = round(alone / beside, 2)
    nightly = settings | {"eval_every": nightly_train.eval_every, "checkpoint_every": nightly_train.checkpoint_every}
    try:
        figures["spark_one_group"] = _through_spark(context, settings, "profile-one", jobs=1)
        figures["spark_two_groups_validation_checkpoints"] = _through_spark(context, nightly, "profile-two")
    finally:
        _remove_bench_models(context["store"].paths)
    nightly_rate = figures["spark_two_groups_validation_checkpoints"]["wall_samples_per_second_per_group"]
    figures["loop_alone_to_spark_nightly_per_group"] = round(alone / nightly_rate, 2)
    figures["two_loops_to_spark_nightly_per_group"] = round(beside / nightly_rate, 2)
    return figures


def _through_spark(context: dict, settings: dict, tag: str, jobs: int | None = None) -> dict:
    """Wall-clock samples/s per group of ``train_all_groups`` (data reading and model writing
    included), and the loop's own step-only rate in those tasks."""
    import json
    import statistics

    from sections import _train_jobs

    from mrnet.train import train_all_groups

    group_jobs = _train_jobs(context, settings, tag)[:jobs]
    started = time.perf_counter()
    outcomes = train_all_groups(context["spark"], group_jobs, context["cfg"].train)
    wall = time.perf_counter() - started
    if (outcomes.status != "ok").any():
        raise RuntimeError(f"training failed: {outcomes.error.dropna().tolist()}")
    manifests = [json.loads(m) for m in outcomes.manifest]
    samples = sum(m["training"]["steps"] * settings["batch_size"] for m in manifests)
    return {"groups": len(group_jobs), "wall_seconds": round(wall, 1),
            "wall_samples_per_second_per_group": round(samples / wall / len(group_jobs)),
            "step_only_samples_per_second_per_group": round(statistics.median(
                m["training"]["samples_per_second"] for m in manifests))}
