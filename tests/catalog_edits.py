"""Edits the retraining tests make to a copy of the test warehouse's catalog."""
from __future__ import annotations

import numpy as np

from mrnet.schemas import CATALOG_PARTITIONS


def drop_training_labels(spark, warehouse, cfg, share: float, seed: int) -> None:
    """Null ``share`` of the products' training-task columns and rewrite the catalog; titles and
    descriptions stay (the TF-IDF task's column is the title)."""
    catalog = warehouse.read_pandas("catalog")
    lost = np.random.default_rng(seed).random(len(catalog)) < share
    columns = {task.column for task in cfg.tasks.values()} - {"title", "description"}
    for column in columns & set(catalog.columns):
        catalog[column] = catalog[column].astype(object)     # bool and float columns take None
        catalog.loc[lost, column] = None
    warehouse.write(spark.createDataFrame(catalog, schema=warehouse.read("catalog").schema), "catalog",
                    mode="overwrite", partition_by=CATALOG_PARTITIONS)
