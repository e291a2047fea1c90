"""MRNet in Spark SQL, for notebooks and SQL users.

    >>> import mrnet.spark
    >>> mrnet.spark.register_functions(spark, "warehouse")
    >>> spark.sql("SELECT title, mrnet_embed(title, marketplace, product_group).embedding_pg "
    ...           "FROM new_listings")
    >>> spark.sql("SELECT rank, neighbour_id, neighbour_title, distance FROM mrnet_neighbours "
    ...           "WHERE marketplace = 'uk' AND product_id = 'uk-0000042' AND scope = 'group'")

``mrnet_embed(title, marketplace, product_group)`` returns a struct of ``status`` and the three
vectors, with the numbers the scoring job writes (null where it writes null). It is a pandas UDF
over batches of rows that loads the models of the version once per Python worker. (Spark's
``predict_batch_udf`` was the first choice; its struct results cannot hold a null vector, which
a title without a known word must get.)

The views ``mrnet_embeddings`` and ``mrnet_neighbours`` are the tables of the warehouse, the
second with both products' titles.
"""
from typing import Iterator, Tuple

import pandas as pd
from pyspark.sql import functions as F
from pyspark.sql.functions import pandas_udf

from mrnet.configuration.schema import StorageSettings
from mrnet.errors import MissingInput
from mrnet.modelstore import current_model_version
from mrnet.paths import Paths
from mrnet.schemas import FLOATS, STRING, struct

EMBED_RESULT = struct(("status", STRING), ("embedding_pg", FLOATS), ("embedding", FLOATS),
                      ("embedding_aligned", FLOATS))


def embed_function(root: str, model_version: str):
    """The ``mrnet_embed`` pandas UDF for one model version."""

    @pandas_udf(EMBED_RESULT)
    def mrnet_embed(batches: Iterator[Tuple[pd.Series, pd.Series, pd.Series]]) -> Iterator[pd.DataFrame]:
        import numpy as np
        import torch

        from mrnet.embedder import bundle_for, embed_rows
        from mrnet.ondemand import vector_rows
        from mrnet.text import tokenize_many

        torch.set_num_threads(1)   # one thread per Spark task, as in scoring
        bundle = bundle_for(root, model_version)
        for titles, marketplaces, groups in batches:
            n = len(titles)
            status, vectors = embed_rows(bundle, marketplaces.to_numpy(object), groups.to_numpy(object),
                                         tokenize_many(titles))
            yield pd.DataFrame({"status": status, **{name: vector_rows(matrix, n)
                                                     for name, matrix in vectors.items()}},
                               index=np.arange(n))

    return mrnet_embed


def register_functions(spark, root: str, model_version: str | None = None,
                       engine: str = "delta-rs") -> str:
    """Register ``mrnet_embed`` (for ``model_version``, default the published one) and the
    ``mrnet_embeddings`` / ``mrnet_neighbours`` views of the warehouse at ``root``; returns the
    model version."""
    from mrnet.storage import TableStore

    version = model_version or current_model_version(Paths.from_root(root))
    if version is None:
        raise MissingInput(f"no published model version under {root}: run the nightly chain first")
    spark.udf.register("mrnet_embed", embed_function(root, version))
    store = TableStore(spark, StorageSettings(root=root, engine=engine))
    if store.exists("embeddings"):
        store.read("embeddings").createOrReplaceTempView("mrnet_embeddings")
    if store.exists("neighbours"):
        _neighbours_with_titles(store).createOrReplaceTempView("mrnet_neighbours")
    return version


def _neighbours_with_titles(store):
    titles = store.read("catalog").select("marketplace", "product_id", "title")
    theirs = titles.select(F.col("marketplace").alias("neighbour_marketplace"),
                           F.col("product_id").alias("neighbour_id"), F.col("title").alias("neighbour_title"))
    joined = (store.read("neighbours").join(titles, ["marketplace", "product_id"], "left")
              .join(theirs, ["neighbour_marketplace", "neighbour_id"], "left"))
    return joined.select("marketplace", "product_group", "product_id", "title", "scope", "rank",
                         "neighbour_marketplace", "neighbour_group", "neighbour_id", "neighbour_title",
                         "distance", "model_version")
