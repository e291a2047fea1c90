"""./build.sh bench --scale N: the whole nightly chain on an N-row synthetic catalog, stage by stage.

The catalog is generated once into Parquet under the workdir and read back as a Parquet catalog
(the same rows every time), so that the incremental night can change 1% of its titles and
nothing else. Per stage: seconds, catalog rows/s and rows/s per core, the peak resident memory
of the driver (Python), of the JVM and of the largest Spark Python worker while the stage ran,
and the bytes the stage added under the warehouse. Then the incremental night: 1% of the titles
changed, ingest + score + neighbours again with the same model (training has its own
schedule: a changed catalog retrains only when its inputs do), and what scoring rescored.
Results: bench/results/scale_<N>.json; every scale_*.json so far is plotted in
bench/results/scale.png. Each stage's figures are also kept in the workdir as it finishes
(``stages.json``), so ``--resume STAGE`` reruns the chain from that stage on the same warehouse
(after a fix, or a run cut off) and takes the earlier stages' figures from there.
"""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import psutil

INCREMENTAL_STAGES = ("ingest", "score", "neighbours")
CHANGED_SHARE = 100          # one title in this many changes for the incremental night
# Stages whose work grows with the catalog (the rest train on capped samples or evaluate a fixed
# sample per task): the 2B-on-200-cores extrapolation divides rows by their per-core rate.
ROW_STAGES = ("ingest", "corpus", "word2vec", "labels", "score", "neighbours")


class PeakMemory(threading.Thread):
    """Samples the resident memory of the driver, the JVM and Spark's Python workers twice a
    second; :meth:`window` returns the peaks since its last call (MB)."""

    def __init__(self, every: float = 0.5):
        super().__init__(daemon=True)
        self.every, self.me = every, psutil.Process()
        self.peaks = dict.fromkeys(("driver", "jvm", "worker"), 0.0)
        self.lock, self.done = threading.Lock(), threading.Event()

    def _sample(self) -> dict:
        jvm = worker = 0.0
        for child in self.me.children(recursive=True):
            try:
                rss, name = child.memory_info().rss / 2**20, " ".join(child.cmdline()[:3])
            except psutil.Error:
                continue
            if "java" in name:
                jvm = max(jvm, rss)
            elif "pyspark.daemon" in name or "pyspark.worker" in name:
                worker = max(worker, rss)
        return {"driver": self.me.memory_info().rss / 2**20, "jvm": jvm, "worker": worker}

    def run(self) -> None:
        while not self.done.wait(self.every):
            sample = self._sample()
            with self.lock:
                self.peaks = {k: max(v, sample[k]) for k, v in self.peaks.items()}

    def window(self) -> dict:
        sample = self._sample()
        with self.lock:
            peaks = {k: round(max(v, sample[k]), 1) for k, v in self.peaks.items()}
            self.peaks = dict.fromkeys(self.peaks, 0.0)
        return peaks


def _bytes_under(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def _write_source(spark, cfg, path: Path, changed_from: Path | None = None) -> None:
    """The generated catalog as Parquet; with ``changed_from``, that catalog with one title in
    CHANGED_SHARE changed (every other value the same)."""
    from pyspark.sql import functions as F

    from mrnet.synthetic import generate_catalog

    if changed_from is None:
        raw = generate_catalog(spark, cfg.synthetic.rows, seed=cfg.synthetic.seed,
                               partitions=cfg.synthetic.partitions or None,
                               pair_fraction=cfg.synthetic.pair_fraction,
                               dirty_fraction=cfg.synthetic.dirty_fraction)
    else:
        raw = spark.read.parquet(str(changed_from))
        changed = (F.abs(F.xxhash64("product_id")) % CHANGED_SHARE == 0) & F.col("title").isNotNull()
        raw = raw.withColumn("title", F.when(changed, F.concat("title", F.lit(" new edition")))
                             .otherwise(F.col("title")))
    raw.write.mode("overwrite").parquet(str(path))


def _run_stages(spark, store, cfg, names, memory: PeakMemory, warehouse: Path,
                progress: Path | None = None) -> dict:
    """Each stage alone (forced), with its figures; ``progress``: a JSON file of the figures so
    far, read first (its stages are not rerun) and written after every stage."""
    from mrnet.nightly import run_chain

    figures = json.loads(progress.read_text()) if progress is not None and progress.exists() else {}
    for name in names:
        if name in figures:
            continue
        before = _bytes_under(warehouse)
        memory.window()
        started = time.time()
        outcome, = run_chain(spark, store, cfg, only=[name], force=True)
        seconds = time.time() - started
        figures[name] = {"seconds": round(seconds, 1), "count": outcome.count,
                         "peak_rss_mb": memory.window(),
                         "bytes_added": _bytes_under(warehouse) - before}
        print(f"[scale] {name}: {json.dumps(figures[name])}", flush=True)
        if progress is not None:
            progress.write_text(json.dumps(figures, indent=1))
    return figures


def _progress(workdir: Path, stages: list[str], resume: str | None) -> Path:
    """The workdir's figures file, holding only the stages before ``resume`` (None: a new run)."""
    path = workdir / "stages.json"
    kept = {}
    if resume is not None:
        if resume not in stages:
            raise SystemExit(f"--resume {resume!r}: not a stage of the chain ({', '.join(stages)})")
        done = json.loads(path.read_text()) if path.exists() else {}
        kept = {name: done[name] for name in stages[:stages.index(resume)] if name in done}
        missing = [name for name in stages[:stages.index(resume)] if name not in kept]
        if missing:
            raise SystemExit(f"--resume {resume!r}: {path} has no figures for {missing}; run them first")
    path.write_text(json.dumps(kept, indent=1))
    return path


def _rates(figures: dict, rows: int, cores: int) -> None:
    for stage in figures.values():
        stage["rows_per_second"] = round(rows / max(stage["seconds"], 1e-9))
        stage["rows_per_second_per_core"] = round(stage["rows_per_second"] / cores)


def extrapolate(figures: dict, products: float = 2e9, cores: int = 200) -> dict:
    """Hours of each stage at ``products`` on ``cores``: row stages at their measured per-core
    rate; the others (capped training samples, fixed evaluation samples) at their measured time,
    which holds while there are at least as many cores as groups."""
    out = {}
    for name, stage in figures.items():
        if name in ROW_STAGES:
            out[name] = products / (stage["rows_per_second_per_core"] * cores) / 3600
        else:
            out[name] = stage["seconds"] / 3600
    out = {k: round(v, 3) for k, v in out.items()}
    out["total"] = round(sum(out.values()), 2)
    return out


def _rescored(store) -> int:
    from pyspark.sql import functions as F

    table = store.read("embeddings")
    latest = table.agg(F.max("scored_at")).first()[0]
    return table.filter(F.col("scored_at") == latest).count()


def run_scale(rows: int, workdir: Path, overrides: list[str] = (), resume: str | None = None) -> dict:
    from dataclasses import replace

    from mrnet.configuration import PipelineConfig, load_config
    from mrnet.nightly import CHAIN
    from mrnet.session import build_spark_session
    from mrnet.storage import TableStore

    cfg = load_config(PipelineConfig, env="local", overrides=[f"synthetic.rows={rows}", *overrides])
    workdir.mkdir(parents=True, exist_ok=True)
    warehouse, source, changed = workdir / "warehouse", workdir / "source", workdir / "source_changed"
    cfg.storage.root = str(warehouse)
    spark = build_spark_session(cfg.spark, app_name=f"mrnet-scale-{rows}")
    cores = spark.sparkContext.defaultParallelism
    started = time.time()
    if resume is None or not source.exists():
        _write_source(spark, cfg, source)
    generate_seconds = round(time.time() - started, 1)
    cfg.catalog = replace(cfg.catalog, format="parquet", path=str(source))
    store = TableStore(spark, cfg.storage)
    memory = PeakMemory()
    memory.start()
    try:
        stages = [name for name, _, _ in CHAIN if name != "vacuum"]
        full = _run_stages(spark, store, cfg, stages, memory, warehouse, _progress(workdir, stages, resume))
        _write_source(spark, cfg, changed, changed_from=source)
        cfg.catalog = replace(cfg.catalog, path=str(changed))
        cfg.score.incremental = True
        incremental = _run_stages(spark, store, cfg, INCREMENTAL_STAGES, memory, warehouse)
        rescored = _rescored(store)
    finally:
        memory.done.set()
    _rates(full, rows, cores)
    _rates(incremental, rows, cores)
    total = sum(s["seconds"] for s in full.values())
    return {"rows": rows, "cores": cores, "generate_seconds": generate_seconds, "resumed_from": resume,
            "stages": full, "total_seconds": round(total, 1),
            "incremental": {"stages": incremental, "changed_titles_share": 1 / CHANGED_SHARE,
                            "rescored_rows": rescored,
                            "score_seconds_vs_full": round(incremental["score"]["seconds"]
                                                           / full["score"]["seconds"], 3)},
            "extrapolation_2b_on_200_cores_hours": extrapolate(full),
            "warehouse_bytes": _bytes_under(warehouse)}


def plot_scale_runs(results_dir: Path) -> Path | None:
    """Seconds per stage against catalog rows, one line per stage, from every scale_*.json."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = sorted((json.loads(p.read_text()) for p in results_dir.glob("scale_*.json")
                   if "overridden" not in p.name),
                  key=lambda r: r["rows"])
    if not runs:
        return None
    fig, ax = plt.subplots(figsize=(8, 5))
    for stage in runs[-1]["stages"]:
        points = [(r["rows"], r["stages"][stage]["seconds"]) for r in runs if stage in r["stages"]]
        ax.plot(*zip(*points), marker="o", label=stage)
    ax.set(xscale="log", yscale="log", xlabel="catalog rows", ylabel="seconds",
           title=f"nightly chain per stage, {runs[-1]['cores']} cores")
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    out = results_dir / "scale.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def scale_markdown(results: dict) -> str:
    """Per stage: seconds, rows/s per core, peak RSS (driver / JVM / worker), bytes added, and
    the 2B-on-200-cores hours; then the incremental night."""
    from mrnet.evaluation.markdown import markdown_table

    hours = results["extrapolation_2b_on_200_cores_hours"]
    rows = [[name, f"{s['seconds']:.0f}", f"{s['rows_per_second_per_core']:,}" if name in ROW_STAGES else "–",
             " / ".join(f"{s['peak_rss_mb'][k]:,.0f}" for k in ("driver", "jvm", "worker")),
             f"{s['bytes_added'] / 2**20:,.0f}", f"{hours[name]:.2f}"] for name, s in results["stages"].items()]
    rows.append(["total", f"{results['total_seconds']:.0f}", "", "", f"{results['warehouse_bytes'] / 2**20:,.0f}",
                 f"{hours['total']:.2f}"])
    night = results["incremental"]
    lines = [markdown_table(["stage", "seconds", "catalog rows/s per core", "peak RSS MB driver / JVM / worker",
                             "MB added", "2B on 200 cores, h"], rows), "",
             f"Incremental night ({night['changed_titles_share']:.0%} of the titles changed): "
             + ", ".join(f"{k} {v['seconds']:.0f} s" for k, v in night["stages"].items())
             + f"; {night['rescored_rows']:,} rows rescored; score took {night['score_seconds_vs_full']:.0%} "
               "of the full run's score time."]
    return "\n".join(lines)


def main_scale(rows: int, workdir: Path, results_dir: Path, machine: dict, overrides: list[str],
               resume: str | None = None) -> None:
    results = {"machine": machine, "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "overrides": overrides,
               **run_scale(rows, workdir, overrides, resume)}
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / f"scale_{rows}{'_overridden' if overrides else ''}.json"
    out.write_text(json.dumps(results, indent=2))
    out.with_suffix(".md").write_text(scale_markdown(results) + "\n")
    print(f"[scale] results: {out}; plot: {plot_scale_runs(results_dir)}", flush=True)
    print(f"[scale] total {results['total_seconds']:.0f} s on {results['cores']} cores "
          f"(pid {os.getpid()})", flush=True)
