"""How much a new model version moved the products (the neighbours stage, after a publish).

Per (marketplace, group), by Spark over the two table versions (nothing whole on the driver):
the mean cosine between each product's vector under the previous and the new version (both in
the stable space, so a cosine near 1 means the product stayed where it was), the overlap of its
nearest neighbours within the group (the share of its k neighbours both versions name), and the
share of products whose status changed. Written as ``drift.md`` + ``drift.png`` next to the
evaluation report of the new version.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from pyspark.sql import functions as F

from mrnet.evaluation.markdown import frame_markdown

KEYS = ["marketplace", "product_group", "product_id"]


def _cosine(a: str, b: str):
    dot = F.aggregate(F.zip_with(a, b, lambda x, y: x * y), F.lit(0.0), lambda s, v: s + v)
    norm = lambda c: F.sqrt(F.aggregate(F.transform(c, lambda x: x * x), F.lit(0.0), lambda s, v: s + v))
    return dot / (norm(a) * norm(b))


def drift_table(old_embeddings, new_embeddings, old_neighbours, new_neighbours) -> pd.DataFrame:
    """One row per (marketplace, group) of the new embeddings (Spark DataFrames in, pandas out)."""
    old = old_embeddings.select(*KEYS, F.col("status").alias("old_status"),
                                F.col("embedding_pg").alias("old_pg"), F.col("embedding").alias("old_agn"))
    joined = new_embeddings.select(*KEYS, "status", "embedding_pg", "embedding").join(old, KEYS, "left")
    vectors = joined.groupBy("marketplace", "product_group").agg(
        F.count("*").alias("products"),
        F.avg(F.when(F.col("old_status").isNotNull() & (F.col("status") != F.col("old_status")), 1.0)
              .otherwise(0.0)).alias("status_changed"),
        F.avg(_cosine("embedding_pg", "old_pg")).alias("cosine_embedding_pg"),
        F.avg(_cosine("embedding", "old_agn")).alias("cosine_embedding"))
    sets = lambda table: (table.filter(F.col("scope") == "group").groupBy(*KEYS)
                          .agg(F.collect_set("neighbour_id").alias("ids")))
    overlap = (sets(new_neighbours).join(sets(old_neighbours).withColumnRenamed("ids", "old_ids"), KEYS)
               .groupBy("marketplace", "product_group")
               .agg(F.avg(F.size(F.array_intersect("ids", "old_ids")) / F.size("ids")).alias("neighbour_overlap")))
    table = vectors.join(overlap, ["marketplace", "product_group"], "left").toPandas()
    return table.sort_values(["marketplace", "product_group"]).round(4).reset_index(drop=True)


def write_drift_report(table: pd.DataFrame, folder: str, old_version: str, new_version: str, k: int) -> str:
    """``drift.md`` and ``drift.png`` in ``folder``; returns the markdown's path."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    lines = [f"# Drift from {old_version} to {new_version}", "",
             f"Per group: mean cosine between each product's old and new vector (stable space), "
             f"share of its {k} nearest neighbours in the group that both versions name, share of "
             f"products whose status changed.", "", frame_markdown(table), ""]
    (out / "drift.md").write_text("\n".join(lines))
    _plot(table, out / "drift.png", f"{old_version} -> {new_version}")
    return str(out / "drift.md")


def _plot(table: pd.DataFrame, path: Path, title: str) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(max(6, 0.6 * len(table) + 2), 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    labels = table.marketplace + "/" + table.product_group
    width = 0.27
    for i, (column, name) in enumerate((("cosine_embedding_pg", "cosine, embedding_pg"),
                                        ("cosine_embedding", "cosine, embedding"),
                                        ("neighbour_overlap", "neighbour overlap"))):
        ax.bar([x + (i - 1) * width for x in range(len(table))], table[column].fillna(0), width, label=name)
    ax.set_xticks(range(len(table)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_title(f"Drift {title}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)


def summary_line(table: pd.DataFrame) -> str:
    weights = table.products / table.products.sum()
    mean = lambda column: (table[column].fillna(0) * weights).sum()
    return (f"drift: mean cosine {mean('cosine_embedding_pg'):.3f} (embedding_pg) / "
            f"{mean('cosine_embedding'):.3f} (embedding), neighbour overlap {mean('neighbour_overlap'):.3f}, "
            f"status changed {mean('status_changed'):.4f} over {int(table.products.sum()):,} products")
