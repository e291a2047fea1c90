"""Nearest catalog products of a title or a product, for a person at a terminal (jobs/similar.py).

Streams the embeddings table's part that can match (one marketplace and group, or the other
language's marketplace) in Arrow batches and keeps a running top k by cosine similarity, so a
large group never sits whole in memory.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow.dataset as ds

from mrnet.errors import BadSelection
from mrnet.retrieval import nearest_neighbours
from mrnet.vectors import vector_matrix


@dataclass
class Query:
    vector: np.ndarray
    column: str              # embedding_pg (within the group) or embedding_aligned (other language)
    marketplace: str
    group: str | None        # None: any group of the marketplace
    exclude: str | None = None


def nearest(store, query: Query, k: int = 10) -> pd.DataFrame:
    """``product_id, similarity`` of the k most similar products, best first."""
    where = (ds.field("marketplace") == query.marketplace) & (ds.field("status") == "ok")
    if query.group is not None:
        where = where & (ds.field("product_group") == query.group)
    best_ids, best_scores = np.empty(0, object), np.empty(0, np.float32)
    for batch in store.iter_batches("embeddings", columns=["product_id", query.column], filter=where):
        ids = np.asarray(batch.column("product_id").to_pylist(), object)
        excluded = np.flatnonzero(ids == query.exclude)[:1]
        top = min(k, len(ids) - len(excluded))
        if top < 1:
            continue
        found, distances = nearest_neighbours(query.vector[None], vector_matrix(batch.column(query.column)),
                                              top, exclude_self=len(excluded) > 0,
                                              query_index=excluded if len(excluded) else None,
                                              metric="cosine", dtype=np.float32)
        best_ids, best_scores = _top(np.concatenate([best_ids, ids[found[0]]]),
                                     np.concatenate([best_scores, 1 - distances[0]]), k)
    return pd.DataFrame({"product_id": best_ids, "similarity": best_scores.round(4)})


def _top(ids: np.ndarray, scores: np.ndarray, k: int):
    order = np.argsort(-scores, kind="stable")[:k]
    return ids[order], scores[order]


def product_vectors(store, marketplace: str, product_id: str, columns: list[str]) -> tuple[dict, str]:
    """({column: the product's vector, or None}, its group) from one read of the embeddings table;
    the first column must be there."""
    rows = store.read_pandas("embeddings", columns=["product_group", "status", *columns],
                             filter=(ds.field("marketplace") == marketplace) & (ds.field("product_id") == product_id))
    if rows.empty:
        raise BadSelection(f"no product {product_id!r} in marketplace {marketplace!r} of the embeddings table")
    row = rows.iloc[0]
    if row[columns[0]] is None:
        raise BadSelection(f"product {product_id!r} has no {columns[0]} (status {row['status']})")
    vectors = {c: None if row[c] is None else np.asarray(row[c], np.float32) for c in columns}
    return vectors, row["product_group"]


def with_titles(store, marketplace: str, found: pd.DataFrame) -> pd.DataFrame:
    """``found`` with each product's group and title from the catalog."""
    ids = found["product_id"].tolist()
    catalog = store.read_pandas("catalog", columns=["product_id", "product_group", "title"],
                                filter=(ds.field("marketplace") == marketplace) & ds.field("product_id").isin(ids))
    return found.merge(catalog, on="product_id", how="left")


def other_marketplace(pairs: list[list[str]], marketplace: str) -> str | None:
    for a, b in pairs:
        if marketplace in (a, b):
            return b if marketplace == a else a
    return None
