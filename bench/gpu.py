"""The GPU path on a GPU: training and scoring, CPU against CUDA, in one run.

A GPU machine need not have a JVM, so the benchmark has two steps:

* ``export`` (here, with Spark): one group's training data as the nightly chain builds it —
  its tasks, train and validation rows, and its marketplace's word vectors — from a synthetic
  catalog's corpus, label and word2vec tables, pickled to one file;
* ``run`` (on the GPU machine, torch alone): ``train_group`` with the nightly settings on the CPU
  (one thread, as a Spark task, and every core) and on CUDA (the nightly batch and larger ones,
  each case training the same number of samples, so their validation scores compare), then
  ``encode_numpy`` over the group's titles repeated to ``--titles``, on the CPU and on CUDA in
  float32 and under AMP, with the largest difference AMP makes to a vector.

    python bench/gpu.py export --rows 200000 --out .gpu/group.pkl       # ./build.sh's venv
    python bench/gpu.py run --bundle .gpu/group.pkl --out results.json  # any python with torch
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import pickle
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

GROUP = ("uk", "toys")
PAPER_K520_SAMPLES_PER_SECOND = 8_300


def export(rows: int, workdir: Path, out: Path) -> None:
    """Ingest, corpus, word vectors and labels of an ``rows``-row synthetic catalog in ``workdir``
    (reused when there), then GROUP's training data into ``out``."""
    from sections import _ensure_catalog

    from mrnet import stages
    from mrnet.modelstore import RunRecord, current_word_vectors
    from mrnet.paths import Paths
    from mrnet.train import GroupJob, _group_data
    from mrnet.wordvectors import WordVectors

    context = {"rows": rows, "workdir": workdir}
    _ensure_catalog(context)
    spark, cfg, store = context["spark"], context["cfg"], context["store"]
    run = RunRecord.start("bench-gpu", cfg)
    for table, stage in (("corpus", stages.tokenize_corpus), ("labels", stages.build_label_tables)):
        if not store.exists(table):
            if table == "labels":
                stages.train_word_vectors(spark, store, cfg, run)
            stage(spark, store, cfg, run)
    marketplace, group = GROUP
    vectors_path = store.paths.word_vectors(marketplace, current_word_vectors(store.paths.word2vec(marketplace))["version"])
    settings = dataclasses.asdict(cfg.train)
    job = GroupJob(store.paths.root, "bench-gpu", marketplace, group,
                   store.versions("labels", "label_metadata", "corpus"), vectors_path, settings)
    vectors = WordVectors.load(vectors_path)
    data = _group_data(job, Paths(store.paths.root), vectors)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as f:
        pickle.dump({"group": "/".join(GROUP), "catalog_rows": rows, "settings": settings,
                     "tasks": data.tasks, "train": data.train, "valid": data.valid,
                     "word_vectors": vectors.embedding_matrix()}, f, protocol=pickle.HIGHEST_PROTOCOL)
    print(f"[gpu] {out}: {len(data.tasks)} tasks, {out.stat().st_size / 2**20:.1f} MB")


def _train_case(bundle: dict, device: str, threads: int, batch_size: int, samples: int) -> dict:
    """``train_group`` for ``samples`` training samples (validation once, at the end)."""
    import torch

    from mrnet.configuration.schema import TrainSettings
    from mrnet.training import train_group

    steps = max(1, samples // batch_size)
    settings = TrainSettings(**{
        **bundle["settings"], "device": device, "threads": threads, "batch_size": batch_size,
        "max_steps": steps, "eval_every": steps, "checkpoint_every": 10**9, "epochs": 0.0,
        "patience": 10, "drop_failing_tasks": False})
    with tempfile.TemporaryDirectory() as checkpoints:
        started = time.perf_counter()
        result = train_group(bundle["tasks"], bundle["train"], bundle["valid"], bundle["word_vectors"],
                             settings, Path(checkpoints), log=lambda line: None)
        wall = time.perf_counter() - started
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return {"device": device, "threads": threads, "batch_size": batch_size, "steps": result.steps,
            "samples_per_second": round(result.samples_per_second), "wall_seconds": round(wall, 1),
            "valid_loss": round(float(result.best_score), 4) if result.best_score is not None else None,
            **_peak_gpu_memory(device), "model": result.model}


def _peak_gpu_memory(device: str) -> dict:
    import torch

    if not device.startswith("cuda"):
        return {}
    peak = torch.cuda.max_memory_allocated(device)
    torch.cuda.reset_peak_memory_stats(device)
    return {"gpu_peak_mb": round(peak / 2**20)}


def _titles(bundle: dict, n: int) -> list:
    """The group's distinct titles (token-id arrays), repeated to ``n``."""
    seen, titles = set(), []
    for task in bundle["train"].values():
        for tokens in task.tokens:
            if id(tokens) not in seen:
                seen.add(id(tokens))
                titles.append(tokens)
    return (titles * (n // len(titles) + 1))[:n]


def _score_case(model, titles: list, device: str, batch_size: int, amp: bool) -> tuple[dict, object]:
    import torch

    from mrnet.model import encode_numpy

    model = model.to(device)
    encode_numpy(model, titles[:batch_size], batch_size, amp)      # warm-up: cuDNN plans, allocator
    started = time.perf_counter()
    vectors = encode_numpy(model, titles, batch_size, amp)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    return {"device": device, "threads": torch.get_num_threads(), "batch_size": batch_size, "amp": amp,
            "titles": len(titles),
            "seconds": round(seconds, 2), "titles_per_second": round(len(titles) / seconds),
            **_peak_gpu_memory(device)}, vectors


def run(bundle_path: Path, out: Path, titles_n: int, cpu_titles_n: int) -> dict:
    import os

    import torch

    from mrnet.configuration.schema import TrainSettings

    with open(bundle_path, "rb") as f:
        bundle = pickle.load(f)
    cores = os.cpu_count() or 1
    cuda = torch.cuda.is_available()
    nightly = bundle["settings"]
    samples = nightly["max_steps"] * nightly["batch_size"]       # one nightly group's budget
    results = {"machine": {"cpu_cores": cores, "python": platform.python_version(), "torch": torch.__version__,
                           "gpu": torch.cuda.get_device_name(0) if cuda else None,
                           "cudnn": torch.backends.cudnn.version() if cuda else None},
               "group": bundle["group"], "catalog_rows": bundle["catalog_rows"],
               "train_samples_per_case": samples, "train": [], "score": []}

    def log(kind: str, case: dict) -> None:
        results[kind].append({k: v for k, v in case.items() if k != "model"})
        print(f"[gpu] {kind}: {json.dumps(results[kind][-1])}", flush=True)
        out.write_text(json.dumps(results, indent=2))

    cpu_samples = min(samples, 200 * nightly["batch_size"])     # the CPU rate is steady after this
    for threads in (1, cores):
        log("train", _train_case(bundle, "cpu", threads, nightly["batch_size"], cpu_samples))
    model = None
    if cuda:
        # the same samples at growing batches, then the nightly's steps at the batch the train job
        # takes on a GPU (train.gpu_batch_size) and a larger one
        gpu_batch = TrainSettings(**nightly).gpu_batch_size
        sizes = [(b, samples) for b in (nightly["batch_size"], 1024, 4096, 16384)]
        for batch, budget in sizes + [(b, nightly["max_steps"] * b) for b in (gpu_batch, 4096)]:
            try:
                case = _train_case(bundle, "cuda:0", 1, batch, budget)
            except Exception:       # one failing case must not cost the others (one device run)
                case = {"device": "cuda:0", "batch_size": batch, "error": traceback.format_exc(limit=-4)}
            model = model or case.get("model")
            log("train", case)
    model = model or _train_case(bundle, "cpu", cores, nightly["batch_size"], cpu_samples)["model"]
    titles = _titles(bundle, titles_n)
    torch.set_num_threads(1)
    case, cpu_vectors = _score_case(model, titles[:cpu_titles_n], "cpu", 1024, False)
    log("score", case)
    torch.set_num_threads(cores)
    log("score", _score_case(model, titles[:cpu_titles_n], "cpu", 1024, False)[0])
    if cuda:
        try:
            _score_on_cuda(model, titles, cpu_vectors, results, log)
        except Exception:
            results["score_error"] = traceback.format_exc(limit=-4)
    _ratios(results)
    out.write_text(json.dumps(results, indent=2))
    return results


def _score_on_cuda(model, titles: list, cpu_vectors, results: dict, log) -> None:
    """float32 with and without TF32 matrix units, and AMP, at two batch sizes; how far each
    moves a vector from the CPU's; the BiLSTM's own time on pre-padded batches."""
    import numpy as np
    import torch

    def against_cpu(vectors) -> dict:
        ours = vectors[:len(cpu_vectors)]
        cosine = (ours * cpu_vectors).sum(1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(cpu_vectors, axis=1))
        return {"max_abs_difference_to_cpu": float(np.abs(ours - cpu_vectors).max()),
                "min_cosine_to_cpu": float(cosine.min())}

    for batch in (16384, 65536):
        for tf32, amp in ((True, False), (False, False), (False, True)):
            torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = tf32
            case, vectors = _score_case(model, titles, "cuda:0", batch, amp)
            log("score", {**case, "tf32": tf32, **against_cpu(vectors)})
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    results["score_bilstm_alone"] = _encode_alone(model, titles, 16384)


def _encode_alone(model, titles: list, batch_size: int) -> dict:
    """``model.encode`` over batches already padded and on the GPU: the device's share of scoring."""
    import numpy as np
    import torch

    from mrnet.model import pad_batch

    order = np.argsort([len(t) for t in titles], kind="stable")
    batches = [pad_batch([titles[i] for i in order[s:s + batch_size]]) for s in range(0, len(titles), batch_size)]
    batches = [(tokens.to(model.device), lengths) for tokens, lengths in batches]
    with torch.no_grad():
        model.encode(*batches[0])
        torch.cuda.synchronize()
        started = time.perf_counter()
        for tokens, lengths in batches:
            model.encode(tokens, lengths)
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    return {"batch_size": batch_size, "titles": len(titles), "seconds": round(seconds, 2),
            "titles_per_second": round(len(titles) / seconds)}


def _ratios(results: dict) -> None:
    """The best CUDA rates against one CPU thread, every core and the paper's GRID K520."""
    def best(kind: str, key: str, device: str) -> float:
        return max((c[key] for c in results[kind] if c["device"].startswith(device) and key in c), default=0)

    one_thread = {k: next(c[key] for c in results[kind] if c["device"] == "cpu")
                  for k, kind, key in (("train", "train", "samples_per_second"), ("score", "score", "titles_per_second"))}
    train_gpu, score_gpu = best("train", "samples_per_second", "cuda"), best("score", "titles_per_second", "cuda")
    results["summary"] = {
        "train_cuda_best_samples_per_second": train_gpu,
        "train_cuda_to_one_cpu_thread": round(train_gpu / one_thread["train"], 1),
        "train_cuda_to_all_cores": round(train_gpu / best("train", "samples_per_second", "cpu"), 1),
        "train_cuda_to_paper_k520": round(train_gpu / PAPER_K520_SAMPLES_PER_SECOND, 1),
        "score_cuda_best_titles_per_second": score_gpu,
        "score_cuda_to_one_cpu_thread": round(score_gpu / one_thread["score"], 1),
        "score_cuda_to_all_cores": round(score_gpu / best("score", "titles_per_second", "cpu"), 1)}


def plot(results_path: Path, out: Path) -> None:
    """Training samples/s and scoring titles/s of every case of the last run in ``results_path``
    (one ``run``'s JSON, or a file of several under "runs"), log scale, the goals dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = json.loads(results_path.read_text())
    results = results["runs"][-1] if "runs" in results else results
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, kind, key, goal in ((axes[0], "train", "samples_per_second", 50 * PAPER_K520_SAMPLES_PER_SECOND),
                                (axes[1], "score", "titles_per_second", 1_000_000)):
        cases = [c for c in results[kind] if key in c]
        labels = [_case_label(kind, c) for c in cases]
        ax.barh(labels, [c[key] for c in cases], color=["grey" if c["device"] == "cpu" else "tab:green" for c in cases])
        ax.axvline(goal, color="tab:red", linestyle="--", label=f"goal {goal:,}/s")
        ax.set_xscale("log")
        ax.set_xlabel(key.replace("_", " "))
        ax.set_title(f"{kind} ({results['machine']['gpu']}, {results['machine']['cpu_cores']} cores)")
        ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"[gpu] {out}")


def _case_label(kind: str, case: dict) -> str:
    if case["device"] == "cpu":
        return f"cpu, {case['threads']} thread(s)"
    if kind == "train":
        return f"cuda b{case['batch_size']} x{case['steps']} (loss {case['valid_loss']})"
    return f"cuda b{case['batch_size']}{' amp' if case['amp'] else ''}{' tf32' if case.get('tf32') else ''}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    steps = parser.add_subparsers(dest="step", required=True)
    e = steps.add_parser("export", help="one group's training data from a synthetic catalog (Spark)")
    e.add_argument("--rows", type=int, default=200_000, help="synthetic catalog rows")
    e.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "mrnet-gpu-bench",
                   help="warehouse folder, reused when it holds the tables")
    e.add_argument("--out", type=Path, default=ROOT / ".gpu" / "group.pkl")
    r = steps.add_parser("run", help="train and score on the CPU and on CUDA (torch alone)")
    r.add_argument("--bundle", type=Path, default=ROOT / ".gpu" / "group.pkl")
    r.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "gpu.json")
    r.add_argument("--titles", type=int, default=1_000_000, help="titles scored on CUDA")
    r.add_argument("--cpu-titles", type=int, default=100_000, help="titles scored on the CPU")
    p = steps.add_parser("plot", help="a run's figures as bars (PNG)")
    p.add_argument("--results", type=Path, default=ROOT / "bench" / "results" / "gpu.json")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "gpu.png")
    args = parser.parse_args()
    if args.step == "plot":
        plot(args.results, args.out)
    elif args.step == "export":
        export(args.rows, args.workdir, args.out)
    else:
        print(json.dumps(run(args.bundle, args.out, args.titles, args.cpu_titles)["summary"], indent=2))


if __name__ == "__main__":
    main()
