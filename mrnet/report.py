"""The evaluation stage: downstream tasks on the embeddings table → a report folder per model
version and catalog (Markdown, JSON and PNG plots).

The per-task samples are drawn on the executors (a stable hash, at most ``evaluate.sample``
products) and only those bounded samples come to the driver, where scikit-learn runs.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from mrnet import evaluate, plots
from mrnet.configuration.schema import EvalTaskConf, EvaluateSettings
from mrnet.modelstore import to_jsonable

log = logging.getLogger("mrnet")


def task_sample(embeddings: DataFrame, catalog: DataFrame, task: EvalTaskConf, sample: int) -> pd.DataFrame:
    """(title, product_group, marketplace, vector, y) of at most ``sample`` labelled products."""
    vector = "embedding_pg" if task.scope == "group" else "embedding"
    rows = (embeddings.filter(F.col("status") == "ok")
            .select("marketplace", "product_group", "product_id", F.col(vector).alias("vector"))
            .join(catalog.select("marketplace", "product_id", "title", F.col(task.column).alias("y")),
                  ["marketplace", "product_id"])
            .filter(F.col("y").isNotNull() & F.col("vector").isNotNull()))
    if task.scope == "group":
        rows = rows.filter(F.col("product_group") == task.group)
    if task.marketplace:
        rows = rows.filter(F.col("marketplace") == task.marketplace)
    ordered = rows.withColumn("_h", F.crc32(F.concat_ws("|", "marketplace", "product_id")))
    return ordered.orderBy("_h").limit(sample).drop("_h").toPandas()   # a bounded sample


def run_task(name: str, task: EvalTaskConf, data: pd.DataFrame, settings: EvaluateSettings) -> dict:
    x = np.stack(data["vector"].to_numpy()).astype(np.float32)
    y = data["y"].astype(str).to_numpy()
    titles = data["title"].tolist()
    forest = {"n_estimators": settings.forest_trees, "n_jobs": settings.jobs, "seed": settings.seed}
    if task.protocol == "small_data":
        result = evaluate.small_training_data(x, titles, y, task.kind, **forest)
        result["cv"] = evaluate.compare_on_task(x, titles, y, task.kind, folds=settings.folds, **forest)
        return result
    if task.protocol == "unseen":
        train_idx, test_idx, info = evaluate.unseen_population_split(titles, y, theta=task.theta,
                                                                     seed=settings.seed)
        result = evaluate.compare_on_split(x, titles, y, train_idx, test_idx, task.kind, **forest)
        result["unseen"] = {k: v for k, v in info.items() if k not in ("candidate_idx", "max_overlap")}
        return result
    return evaluate.compare_on_task(x, titles, y, task.kind, folds=settings.folds, **forest)


def table2_results(results: dict) -> dict:
    """The entries shaped like compare_on_task (small-data tasks contribute their CV part)."""
    return {name: (r["cv"] if "cv" in r else r) for name, r in results.items() if "scores" in r or "cv" in r}


def importance_overlaps(embeddings: DataFrame, catalog: DataFrame, labels: DataFrame,
                        tasks: dict[str, EvalTaskConf], settings: EvaluateSettings) -> dict:
    """Paper 4.3: do the features that matter for a training task matter for a related one?"""
    out = {}
    for name, task in tasks.items():
        if not task.related_training_task:
            continue
        train_task = labels.filter(F.col("task") == task.related_training_task).select(
            "marketplace", "product_id",
            F.coalesce(F.col("class_index").cast("double"), F.col("value")).alias("train_y"))
        data = task_sample(embeddings, catalog, task, settings.sample)
        joined = data.merge(train_task.toPandas(), on=["marketplace", "product_id"]) if len(data) else data
        if len(joined) < 100:
            continue
        kind_train = "regression" if joined["train_y"].nunique() > 20 else "binary" \
            if joined["train_y"].nunique() == 2 else "multiclass"
        x = np.stack(joined["vector"].to_numpy())
        out[name] = evaluate.importance_overlap(x, joined["train_y"].to_numpy(),
                                                joined["y"].astype(str).to_numpy(),
                                                kind_train, task.kind, seed=settings.seed,
                                                n_estimators=settings.forest_trees, n_jobs=settings.jobs)
        out[name]["training_task"] = task.related_training_task
    return out


def write_report(folder: Path, header: dict, results: dict, overlaps: dict, neighbours: pd.DataFrame | None,
                 cross: pd.DataFrame | None, projection_data: pd.DataFrame | None,
                 histories: dict) -> Path:
    """report.md, report.json and the PNG plots; returns report.md."""
    folder.mkdir(parents=True, exist_ok=True)
    table2 = table2_results(results)
    images = []
    if table2:
        images.append(plots.table2_bars(table2, folder / "table2.png"))
    if projection_data is not None and len(projection_data):
        images.append(plots.projection(np.stack(projection_data["vector"].to_numpy()),
                                       projection_data["product_group"].to_numpy(),
                                       folder / "projection.png",
                                       title=f"PG-agnostic embeddings ({projection_data.marketplace.iloc[0]}) by product group"))
    if histories:
        images.append(plots.training_curves(histories, folder / "training_curves.png"))
    for name, result in results.items():
        if "curves" in result:
            images.append(plots.small_data_curve(result, folder / f"small_data_{name}.png", title=name))
    lines = [f"# Evaluation of {header['model_version']} on catalog {header['catalog']}", "",
             f"Embeddings table version {header['embeddings_version']}; {header['note']}", "",
             "## Downstream tasks (Table 2 of the paper)", "", evaluate.table2_markdown(table2) if table2 else "(none)"]
    for name, result in results.items():
        if "unseen" in result:
            lines += ["", f"### {name}: unseen population", "", "```", json.dumps(result["unseen"], indent=1, default=str)[:2000], "```"]
        if "curves" in result:
            lines += ["", f"### {name}: small training data", "", _curves_markdown(result["curves"])]
    if overlaps:
        lines += ["", "## Feature-importance overlap (paper 4.3)", "",
                  "| downstream task | training task | top-quartile features (train / downstream) | overlap | expected by chance | p-value |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {n} | {o['training_task']} | {len(o['train_features'])} / {len(o['downstream_features'])} "
                  f"| {o['n_overlap']} | {o['expected_overlap']:.1f} | {o['p_value']:.3g} |" for n, o in overlaps.items()]
    if neighbours is not None and len(neighbours):
        lines += ["", evaluate.neighbour_markdown(
            neighbours, heading="Nearest neighbours (Euclidean, top 9, group vectors within one group)")]
    if cross is not None and len(cross):
        lines += ["", "## Cross-language neighbours (paper 5)", "", _frame_markdown(cross)]
    lines += ["", "## Plots", ""] + [f"![{Path(p).stem}]({Path(p).name})" for p in images]
    report = folder / "report.md"
    report.write_text("\n".join(lines) + "\n")
    (folder / "report.json").write_text(json.dumps({**header, "tasks": results, "importance_overlap": overlaps},
                                                   indent=1, default=to_jsonable))
    return report


def _curves_markdown(curves: dict) -> str:
    rows = ["| representation | " + " | ".join(f"n={n}" for n in next(iter(curves.values()))["n"]) + " |"]
    rows.append("|---|" + "---|" * len(next(iter(curves.values()))["n"]))
    rows += [f"| {k} | " + " | ".join(f"{m:.3f}" for m in c["mean"]) + " |" for k, c in curves.items()]
    return "\n".join(rows)


def _frame_markdown(frame: pd.DataFrame) -> str:
    columns = list(frame.columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(str(v).replace("|", "/")[:80] for v in row) + " |")
    return "\n".join(lines)
