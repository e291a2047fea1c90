"""The 15 training tasks' labels (paper Table 1) as one long table, per (marketplace, group).

Output rows: one per (product, task) the product has a label for —
``class_index`` (multiclass, binary), ``value`` (standardised regression target) or
``tfidf_indices``/``tfidf_values`` (decoding). The label metadata (class vocabularies,
regression statistics, TF-IDF vocabularies) is a small table written beside it, which training,
scoring and evaluation all read.

Every aggregate that decides a vocabulary is small (groups × tasks × classes, or groups × 5,000
terms) and is brought to the driver; the per-product data never is.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pandas as pd
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from mrnet.configuration.schema import LabelSettings, TaskSpecConf
from mrnet.schemas import LABEL_METADATA, LABELS
from mrnet.splits import split_column

log = logging.getLogger("mrnet")

KEYS = ["marketplace", "product_group"]
OTHER_CLASS = "__other__"
METADATA_COLUMNS = LABEL_METADATA.fieldNames()


@dataclass
class LabelBuild:
    labels: DataFrame
    metadata: pd.DataFrame                       # one row per kept (marketplace, group, task)
    skipped: list[str] = field(default_factory=list)


def task_plan(tasks: dict[str, TaskSpecConf], catalog, evaluate=None) -> list[str]:
    """What will train, said before anything does: which catalog column feeds each task (a
    column feeds a task by its name alone), which tasks have no column, and every label an
    evaluation task would measure after training on it."""
    columns = set(catalog.columns) | set(catalog.attributes)
    evaluated = {}
    for name, task in (evaluate.tasks.items() if evaluate is not None else ()):
        evaluated.setdefault(task.column, []).append(name)
    lines, missing, disabled = [], [], []
    for name, task in tasks.items():
        column = "title" if task.kind == "decoding" else task.column
        if not task.enabled:
            disabled.append(name)
        elif column not in columns:
            missing.append(f"{name} ({column})")
        else:
            lines.append(f"task {name} ({task.kind}) <- column {column!r}")
            if task.kind != "decoding" and column in evaluated:
                lines.append(f"  warning: column {column!r} is also the label of evaluation task(s) "
                             f"{sorted(evaluated[column])}: they would score a label the model was "
                             f"trained on; set tasks.{name}.enabled: false, or give the catalog's "
                             "exact task list with tasks: {replace: true, ...}")
    if missing:
        lines.append(f"skipped, the catalog has no column for: {', '.join(missing)}")
    if disabled:
        lines.append(f"disabled (enabled: false): {', '.join(disabled)}")
    return lines


def build_labels(catalog: DataFrame, title_tokens: DataFrame, tasks: dict[str, TaskSpecConf],
                 settings: LabelSettings) -> LabelBuild:
    """Labels of every task whose column the catalog has. Runs on the driver, builds Spark plans.

    ``title_tokens``: (marketplace, product_group, product_id, title_tokens) from the corpus.
    """
    base = catalog.withColumn("split", split_column(settings.valid_fraction, settings.test_fraction))
    parts, metadata, skipped = [], [], []
    for name, task in tasks.items():
        if not task.enabled:
            skipped.append(f"{name}: disabled in the task table")
            continue
        if task.kind != "decoding" and task.column not in catalog.columns:
            skipped.append(f"{name}: the catalog has no column {task.column!r}; task skipped")
            continue
        builder = {"multiclass": _classification, "binary": _classification,
                   "regression": _regression, "decoding": _decoding}[task.kind]
        source = title_tokens.join(base.select(*KEYS, "product_id", "split"),
                                   [*KEYS, "product_id"]) if task.kind == "decoding" else base
        rows, meta = builder(source, name, task, settings)
        kept, dropped = _enough_labels(meta, settings.min_labelled, name)
        skipped += dropped
        if not kept.empty:
            parts.append(rows.join(F.broadcast(_spark_keys(catalog, kept)), KEYS))
            metadata.append(kept)
    for line in skipped:
        log.info("labels: %s", line)
    if not parts:
        raise ValueError("no task has enough labels in any product group")
    labels = parts[0]
    for part in parts[1:]:
        labels = labels.unionByName(part, allowMissingColumns=True)
    labels = labels.select(*[_typed_column(labels, f) for f in LABELS.fields])
    frames = [m[METADATA_COLUMNS].astype(object) for m in metadata]   # mixed kinds: no dtype guessing
    return LabelBuild(labels, pd.concat(frames, ignore_index=True), skipped)


def _typed_column(df: DataFrame, spec):
    column = F.col(spec.name) if spec.name in df.columns else F.lit(None)
    return column.cast(spec.dataType).alias(spec.name)


def _enough_labels(meta: pd.DataFrame, min_labelled: int, task: str):
    few = meta["n_labelled"] < min_labelled
    kind = meta["kind"].iloc[0] if len(meta) else None
    if kind in ("multiclass", "binary"):
        few |= meta["n_distinct"] < 2
    if kind == "regression":
        few |= ~(meta["std"] > 0)
    dropped = [f"{task}: {r.marketplace}/{r.product_group} has {r.n_labelled} labelled products "
               f"(needs {min_labelled}, and 2+ distinct values); skipped for that group"
               for r in meta[few].itertuples()]
    return meta[~few].copy(), dropped


def _spark_keys(catalog: DataFrame, kept: pd.DataFrame) -> DataFrame:
    spark = catalog.sparkSession
    return spark.createDataFrame(kept[KEYS].drop_duplicates(), "marketplace string, product_group string")


def _with_task_meta(meta: pd.DataFrame, name: str, task: TaskSpecConf) -> pd.DataFrame:
    meta["task"], meta["kind"], meta["column"] = name, task.kind, task.column
    for column in METADATA_COLUMNS:
        if column not in meta:
            meta[column] = pd.Series([None] * len(meta), dtype=object, index=meta.index)
    return meta


def _classification(base: DataFrame, name: str, task: TaskSpecConf, settings: LabelSettings):
    raw = F.trim(F.col(task.column).cast("string"))
    labelled = base.select(*KEYS, "product_id", "split", raw.alias("raw")).filter(
        F.col("raw").isNotNull() & (F.col("raw") != ""))
    counts = labelled.groupBy(*KEYS, "raw").count().toPandas()
    vocab = _class_vocabularies(counts, task)
    meta = counts.groupby(KEYS).agg(n_labelled=("count", "sum"), n_distinct=("raw", "size"))
    meta = meta.reset_index().merge(vocab.groupby(KEYS)["classes"].first().reset_index(), on=KEYS)
    index = vocab.explode("classes").rename(columns={"classes": "raw"})
    index["class_index"] = index.groupby(KEYS).cumcount()
    index = index[index.raw != OTHER_CLASS]
    spark = base.sparkSession
    index_df = spark.createDataFrame(index[[*KEYS, "raw", "class_index"]],
                                     "marketplace string, product_group string, raw string, class_index int")
    other = meta.assign(other=meta["classes"].map(lambda c: len(c) - 1 if OTHER_CLASS in c else -1))
    other_df = spark.createDataFrame(other[[*KEYS, "other"]], "marketplace string, product_group string, other int")
    rows = (labelled.join(F.broadcast(index_df), [*KEYS, "raw"], "left")
            .join(F.broadcast(other_df), KEYS)
            .withColumn("class_index", F.coalesce("class_index", "other"))
            .select(*KEYS, "product_id", "split", F.lit(name).alias("task"), "class_index"))
    return rows, _with_task_meta(meta, name, task)


def _class_vocabularies(counts: pd.DataFrame, task: TaskSpecConf) -> pd.DataFrame:
    """Per group: binary → ["false", "true"]; multiclass → the top-K classes (+ "other")."""
    rows = []
    for (marketplace, group), frame in counts.groupby(KEYS):
        if task.kind == "binary":
            classes = ["false", "true"]
        else:
            ranked = frame.sort_values(["count", "raw"], ascending=[False, True])["raw"].tolist()
            classes = ranked[: task.top_k] + ([OTHER_CLASS] if len(ranked) > task.top_k else [])
        rows.append({"marketplace": marketplace, "product_group": group, "classes": classes})
    return pd.DataFrame(rows, columns=[*KEYS, "classes"])


def _regression(base: DataFrame, name: str, task: TaskSpecConf, settings: LabelSettings):
    raw = F.col(task.column).cast("double")
    valid = raw.isNotNull() & ~F.isnan(raw) & ((raw > -1) if task.log1p else F.lit(True))
    x = F.log1p(raw) if task.log1p else raw
    labelled = base.filter(valid).select(*KEYS, "product_id", "split", x.alias("x"))
    stats = (labelled.groupBy(*KEYS).agg(
        F.count("*").alias("n_labelled"),
        F.avg(F.when(F.col("split") == "train", F.col("x"))).alias("mean"),
        F.stddev_pop(F.when(F.col("split") == "train", F.col("x"))).alias("std"))).toPandas()
    stats["log1p"] = task.log1p
    stats_df = base.sparkSession.createDataFrame(
        stats[[*KEYS, "mean", "std"]].fillna({"mean": 0.0, "std": 1.0}),
        "marketplace string, product_group string, mean double, std double")
    std = F.when(F.col("std") > 0, F.col("std")).otherwise(F.lit(1.0))
    rows = (labelled.join(F.broadcast(stats_df), KEYS)
            .select(*KEYS, "product_id", "split", F.lit(name).alias("task"),
                    ((F.col("x") - F.col("mean")) / std).alias("value")))
    return rows, _with_task_meta(stats, name, task)


def _decoding(tokens: DataFrame, name: str, task: TaskSpecConf, settings: LabelSettings):
    """TF-IDF of the title over the group's ``vocab_size`` most frequent useful terms.

    Terms are ranked by document frequency within the group (ties by term), after dropping
    terms in fewer than ``tfidf_min_df`` titles or in more than ``tfidf_max_df`` of them.
    idf = ln((1 + N) / (1 + df)) + 1 (scikit-learn's smooth idf); tf = raw count in the title;
    the vector is L2-normalised over the vocabulary terms the title has.
    """
    docs = tokens.groupBy(*KEYS).agg(F.count("*").alias("n_docs"))
    df = (tokens.select(*KEYS, F.explode(F.array_distinct("title_tokens")).alias("term"))
          .groupBy(*KEYS, "term").agg(F.count("*").alias("df")).join(docs, KEYS)
          .filter((F.col("df") >= settings.tfidf_min_df)
                  & (F.col("df") <= F.col("n_docs") * settings.tfidf_max_df)))
    rank = F.row_number().over(Window.partitionBy(*KEYS).orderBy(F.desc("df"), "term")) - 1
    vocab = (df.withColumn("index", rank).filter(F.col("index") < task.vocab_size)
             .withColumn("idf", F.log((1 + F.col("n_docs")) / (1 + F.col("df"))) + 1)
             .select(*KEYS, "term", "index", "idf")).toPandas()
    vocab_df = tokens.sparkSession.createDataFrame(
        vocab, "marketplace string, product_group string, term string, index int, idf double")
    weights = (tokens.select(*KEYS, "product_id", "split", F.explode("title_tokens").alias("term"))
               .groupBy(*KEYS, "product_id", "split", "term").agg(F.count("*").alias("tf"))
               .join(F.broadcast(vocab_df), [*KEYS, "term"])
               .groupBy(*KEYS, "product_id", "split")
               .agg(F.sort_array(F.collect_list(F.struct("index", (F.col("tf") * F.col("idf")).alias("w"))))
                    .alias("entries")))
    norm = F.sqrt(F.aggregate("entries", F.lit(0.0), lambda acc, e: acc + e["w"] * e["w"]))
    rows = weights.select(
        *KEYS, "product_id", "split", F.lit(name).alias("task"),
        F.transform("entries", lambda e: e["index"]).alias("tfidf_indices"),
        F.transform("entries", lambda e: (e["w"] / norm).cast("float")).alias("tfidf_values"))
    return rows, _with_task_meta(_vocab_meta(vocab, weights), name, task)


def _vocab_meta(vocab: pd.DataFrame, weights: DataFrame) -> pd.DataFrame:
    labelled = weights.groupBy(*KEYS).agg(F.count("*").alias("n_labelled")).toPandas()
    ordered = vocab.sort_values([*KEYS, "index"])
    terms = ordered.groupby(KEYS).agg(terms=("term", list), idf=("idf", list)).reset_index()
    meta = terms.merge(labelled, on=KEYS, how="left").fillna({"n_labelled": 0})
    return meta.astype({"n_labelled": "int64"})
