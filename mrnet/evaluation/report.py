"""The evaluation stage's helpers: downstream tasks on the embeddings table → a report folder per
model version and catalog (Markdown, JSON and PNG plots).

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

from mrnet.configuration.schema import EvalTaskConf, EvaluateSettings
from mrnet.evaluation import plots
from mrnet.evaluation.baselines import mean_word_vectors
from mrnet.evaluation.classifiers import (LOGREG_ONLY, TEXT_REPRESENTATIONS, compare_on_split,
                                          compare_on_task, small_training_data)
from mrnet.evaluation.table2 import table2_markdown
from mrnet.evaluation.importance import importance_overlap
from mrnet.evaluation.crosslingual import retrieval_markdown
from mrnet.evaluation.markdown import frame_markdown, markdown_table
from mrnet.evaluation.neighbours import neighbour_markdown
from mrnet.evaluation.unseen import unseen_population_split
from mrnet.modelstore import to_jsonable

__all__ = ["task_sample", "task_samples", "run_task", "table2_results", "importance_overlaps", "write_report"]

log = logging.getLogger("mrnet")

_MIN_OVERLAP_PRODUCTS = 100   # fewer products with both labels: no importance overlap
_MAX_REGRESSION_CLASSES = 20  # a training task with more distinct values is a regression
_CROSS_CELL_CHARS = 80


# ----------------------------------------------------------------------------- samples and runs


def task_samples(embeddings: DataFrame, catalog: DataFrame, tasks: dict[str, EvalTaskConf],
                 sample: int) -> dict[str, pd.DataFrame]:
    """{task: :func:`task_sample`} with the vectors of every task's products read in one pass:
    each task's sample is drawn on keys alone (no vectors cross a sort), then one join brings
    the vectors of all the samples' products. A task whose products turn out to lack a vector
    more often than the draw allowed for is drawn again the direct way."""
    drawn = {name: _sample_keys(embeddings, catalog, task, _with_slack(sample)) for name, task in tasks.items()}
    wanted = pd.concat([keys[["marketplace", "product_id"]] for keys in drawn.values()]).drop_duplicates()
    vectors = _vectors_of(embeddings, wanted)
    samples = {}
    for name, keys in drawn.items():
        rows = keys.merge(vectors, on=["marketplace", "product_id"], how="left")
        rows["vector"] = rows["embedding_pg" if tasks[name].scope == "group" else "embedding"]
        rows = rows[rows["vector"].notna()].head(sample)
        if len(rows) < sample and len(keys) == _with_slack(sample):
            rows = task_sample(embeddings, catalog, tasks[name], sample)
        samples[name] = rows[SAMPLE_COLUMNS].reset_index(drop=True)
    return samples


SAMPLE_COLUMNS = ["marketplace", "product_group", "product_id", "vector", "embedding", "embedding_pg", "title", "y"]


def _with_slack(sample: int) -> int:
    return sample + sample // 10 + 10


def _sample_keys(embeddings: DataFrame, catalog: DataFrame, task: EvalTaskConf, limit: int) -> pd.DataFrame:
    """The first ``limit`` labelled ok products of the task in stable-hash order: keys, title, y."""
    rows = (embeddings.filter(F.col("status") == "ok").select("marketplace", "product_group", "product_id")
            .join(catalog.select("marketplace", "product_id", "title", F.col(task.column).alias("y")),
                  ["marketplace", "product_id"])
            .filter(F.col("y").isNotNull()))
    keys = _task_scope(rows, task).withColumn("_h", _stable_hash()).orderBy("_h").limit(limit).toPandas()
    return keys.sort_values(["_h", "marketplace", "product_id"], kind="stable").drop(columns="_h")


def _vectors_of(embeddings: DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """Both MRNet vectors of the ok rows of these (marketplace, product_id) keys."""
    if keys.empty:
        return pd.DataFrame(columns=["marketplace", "product_id", "embedding", "embedding_pg"])
    wanted = embeddings.sparkSession.createDataFrame(keys.astype(str))
    return (embeddings.filter(F.col("status") == "ok")
            .select("marketplace", "product_id", "embedding", "embedding_pg")
            .join(F.broadcast(wanted), ["marketplace", "product_id"]).toPandas())


def _stable_hash():
    """The samples' order: a hash of each product's key that every run computes the same."""
    return F.crc32(F.concat_ws("|", "marketplace", "product_id"))


def _task_scope(rows: DataFrame, task: EvalTaskConf) -> DataFrame:
    if task.scope == "group":
        rows = rows.filter(F.col("product_group") == task.group)
    if task.marketplace:
        rows = rows.filter(F.col("marketplace") == task.marketplace)
    return rows


def task_sample(embeddings: DataFrame, catalog: DataFrame, task: EvalTaskConf, sample: int) -> pd.DataFrame:
    """(title, product_group, marketplace, vector, embedding, embedding_pg, y) of at most
    ``sample`` labelled products; ``vector`` is the task scope's column (the group vector
    within a group, the PG-agnostic one across groups)."""
    vector = "embedding_pg" if task.scope == "group" else "embedding"
    rows = (embeddings.filter(F.col("status") == "ok")
            .select("marketplace", "product_group", "product_id", F.col(vector).alias("vector"),
                    "embedding", "embedding_pg")
            .join(catalog.select("marketplace", "product_id", "title", F.col(task.column).alias("y")),
                  ["marketplace", "product_id"])
            .filter(F.col("y").isNotNull() & F.col("vector").isNotNull()))
    ordered = _task_scope(rows, task).withColumn("_h", _stable_hash())
    return ordered.orderBy("_h").limit(sample).drop("_h").toPandas()   # a bounded sample


def representations(data: pd.DataFrame, word_vectors: dict | None = None,
                    baselines: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """The dense representations of a :func:`task_sample`: both MRNet columns (a column with a
    null in the sample is left out) and, if asked, the mean word vectors of each marketplace."""
    dense = {}
    for name, column in (("mrnet", "embedding"), ("mrnet_pg", "embedding_pg")):
        if data[column].notna().all():
            dense[name] = np.stack(data[column].to_numpy()).astype(np.float32)
    if "w2v_mean" in baselines and word_vectors:
        w2v = np.zeros((len(data), next(iter(word_vectors.values())).dim), np.float32)
        for marketplace, rows in data.groupby("marketplace").indices.items():
            if marketplace in word_vectors:
                w2v[rows] = mean_word_vectors(data["title"].iloc[rows].tolist(), word_vectors[marketplace])
        dense["w2v_mean"] = w2v
    return dense


def run_task(name: str, task: EvalTaskConf, data: pd.DataFrame, settings: EvaluateSettings,
             word_vectors: dict | None = None) -> dict:
    """The task's protocol (``cv``, ``small_data`` or ``unseen``) on a :func:`task_sample`, with
    the baselines of ``settings.baselines`` beside both MRNet columns."""
    x = representations(data, word_vectors, tuple(settings.baselines))
    y = data["y"].astype(str).to_numpy()
    titles = data["title"].tolist()
    text = tuple(b for b in settings.baselines if b in TEXT_REPRESENTATIONS)
    forest = {"n_estimators": settings.forest_trees, "n_jobs": settings.jobs, "seed": settings.seed,
              "text": text}
    # The paper's Table 2 puts a forest on the task's own vector and on TF-IDF: the other MRNet
    # column gets LR only (its forest was half of the stage's time and answered no question).
    fitted = {**forest, "logreg_only": (*LOGREG_ONLY, "mrnet" if task.scope == "group" else "mrnet_pg")}
    if task.protocol == "small_data":
        result = small_training_data(x, titles, y, task.kind, **forest)
        result["cv"] = compare_on_task(x, titles, y, task.kind, folds=settings.folds, **fitted)
        return result
    if task.protocol == "unseen":
        train_idx, test_idx, info = unseen_population_split(titles, y, theta=task.theta, seed=settings.seed)
        result = compare_on_split(x, titles, y, train_idx, test_idx, task.kind, **fitted)
        result["unseen"] = {k: v for k, v in info.items() if k not in ("candidate_idx", "max_overlap")}
        return result
    return compare_on_task(x, titles, y, task.kind, folds=settings.folds, **fitted)


def table2_results(results: dict) -> dict:
    """The entries shaped like compare_on_task (small-data tasks contribute their CV part)."""
    return {name: (r["cv"] if "cv" in r else r) for name, r in results.items()
            if "scores" in r or "cv" in r}


def _training_task_kind(values: pd.Series) -> str:
    distinct = values.nunique()
    if distinct > _MAX_REGRESSION_CLASSES:
        return "regression"
    return "binary" if distinct == 2 else "multiclass"


def importance_overlaps(samples: dict[str, pd.DataFrame], labels: DataFrame,
                        tasks: dict[str, EvalTaskConf], settings: EvaluateSettings) -> dict:
    """Paper 4.3: do the features that matter for a training task matter for a related one?
    ``{downstream task: importance_overlap result + training_task}`` for every task with a
    ``related_training_task`` and enough products labelled for both. ``samples``: each task's
    :func:`task_sample`; only the training labels of those products leave the executors."""
    out = {}
    for name, task in tasks.items():
        data = samples.get(name)
        if not task.related_training_task or data is None or not len(data):
            continue
        keys = labels.sparkSession.createDataFrame(data[["marketplace", "product_id"]].astype(str))
        train_task = labels.filter(F.col("task") == task.related_training_task).join(
            F.broadcast(keys), ["marketplace", "product_id"]).select(
            "marketplace", "product_id",
            F.coalesce(F.col("class_index").cast("double"), F.col("value")).alias("train_y"))
        joined = data.merge(train_task.toPandas(), on=["marketplace", "product_id"])
        if len(joined) < _MIN_OVERLAP_PRODUCTS:
            continue
        x = np.stack(joined["vector"].to_numpy())
        out[name] = importance_overlap(x, joined["train_y"].to_numpy(), joined["y"].astype(str).to_numpy(),
                                       _training_task_kind(joined["train_y"]), task.kind, seed=settings.seed,
                                       n_estimators=settings.forest_trees, n_jobs=settings.jobs)
        out[name]["training_task"] = task.related_training_task
    return out


# ----------------------------------------------------------------------------- the report folder


def write_report(folder: Path, header: dict, results: dict, overlaps: dict, neighbours: pd.DataFrame | None,
                 cross: pd.DataFrame | None, projection_data: pd.DataFrame | None,
                 histories: dict, retrieval: dict | None = None) -> Path:
    """report.md, report.json and the PNG plots; returns report.md. ``retrieval``: {pair name:
    {"names", "metrics", "withheld", "pairs_train", "pairs_test", "source"}}."""
    folder.mkdir(parents=True, exist_ok=True)
    table2 = table2_results(results)
    images = _write_plots(folder, table2, results, projection_data, histories)
    lines = [*_summary_lines(header, table2), *_task_lines(results), *_overlap_lines(overlaps),
             *_retrieval_lines(retrieval or {}), *_neighbour_lines(neighbours, cross)]
    lines += ["", "## Plots", ""] + [f"![{Path(p).stem}]({Path(p).name})" for p in images]
    report = folder / "report.md"
    report.write_text("\n".join(lines) + "\n")
    (folder / "report.json").write_text(json.dumps({**header, "tasks": results, "importance_overlap": overlaps,
                                                    "cross_language_retrieval": retrieval or {}},
                                                   indent=1, default=to_jsonable))
    return report


def _write_plots(folder: Path, table2: dict, results: dict, projection_data: pd.DataFrame | None,
                 histories: dict) -> list[str]:
    """The report's PNGs (those there is data for); their paths in report order."""
    images = []
    if table2:
        images.append(plots.table2_bars(table2, folder / "table2.png"))
    if projection_data is not None and len(projection_data):
        marketplace = projection_data.marketplace.iloc[0]
        images.append(plots.projection(np.stack(projection_data["vector"].to_numpy()),
                                       projection_data["product_group"].to_numpy(),
                                       folder / "projection.png",
                                       title=f"PG-agnostic embeddings ({marketplace}) by product group"))
    if histories:
        images.append(plots.training_curves(histories, folder / "training_curves.png"))
    for name, result in results.items():
        if "curves" in result:
            images.append(plots.small_data_curve(result, folder / f"small_data_{name}.png", title=name))
    return images


def _summary_lines(header: dict, table2: dict) -> list[str]:
    return [f"# Evaluation of {header['model_version']} on catalog {header['catalog']}", "",
            f"Embeddings table version {header['embeddings_version']}; {header['note']}", "",
            "## Downstream tasks (Table 2 of the paper)", "", table2_markdown(table2) if table2 else "(none)"]


def _task_lines(results: dict) -> list[str]:
    """Per task, its unseen-population figures and small-training-data curves (when it has them)."""
    lines = []
    for name, result in results.items():
        if "unseen" in result:
            lines += ["", f"### {name}: unseen population", "", "```",
                      json.dumps(result["unseen"], indent=1, default=str)[:2000], "```"]
        if "curves" in result:
            lines += ["", f"### {name}: small training data", "", _curves_markdown(result["curves"])]
    return lines


def _curves_markdown(curves: dict) -> str:
    """One row per representation x classifier, one column per training size."""
    sizes = next(iter(curves.values()))["n"]
    rows = ([key, *(f"{m:.3f}" for m in curve["mean"])] for key, curve in curves.items())
    return markdown_table(["representation", *(f"n={n}" for n in sizes)], rows)


def _overlap_lines(overlaps: dict) -> list[str]:
    if not overlaps:
        return []
    head = ["downstream task", "training task", "top-quartile features (train / downstream)", "overlap",
            "expected by chance", "p-value"]
    rows = ([name, o["training_task"], f"{len(o['train_features'])} / {len(o['downstream_features'])}",
             o["n_overlap"], f"{o['expected_overlap']:.1f}", f"{o['p_value']:.3g}"]
            for name, o in overlaps.items())
    return ["", "## Feature-importance overlap (paper 4.3)", "", markdown_table(head, rows)]


def _retrieval_lines(retrieval: dict) -> list[str]:
    lines = []
    for name, r in retrieval.items():
        lines += ["", f"## Cross-language retrieval {name} (paper 5)", "",
                  f"{r['pairs_test']:,} held-out pairs ({r['source']}); baselines fitted on the aligner's "
                  f"{r['pairs_train']:,} training pairs; Euclidean, ties count against the query.", "",
                  retrieval_markdown(r["metrics"], tuple(r["names"]))]
        if r["withheld"]:
            lines += ["", "**Aligned vectors withheld** (embedding_aligned is null): " + "; ".join(r["withheld"])]
    return lines


def _neighbour_lines(neighbours: pd.DataFrame | None, cross: pd.DataFrame | None) -> list[str]:
    lines = []
    if neighbours is not None and len(neighbours):
        lines += ["", neighbour_markdown(
            neighbours, heading="Nearest neighbours (Euclidean, top 9, group vectors within one group)")]
    if cross is not None and len(cross):
        lines += ["", "## Cross-language neighbours (paper 5)", "",
                  frame_markdown(cross, max_chars=_CROSS_CELL_CHARS)]
    return lines
