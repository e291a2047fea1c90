"""The ``neighbours`` table: each scored product's k nearest products, computed on the executors.

Two scopes: ``group`` (within its marketplace and product group, on ``embedding_pg``) and
``cross_language`` (for a marketplace of an ``align`` pair: the other marketplace's products, on
``embedding_aligned``). The driver plans one Spark task per (marketplace, group, scope) and per
block of ``block_rows`` queries of a large group; each task reads its universe and queries with
pyarrow from one embeddings version, searches exactly (blocked matrix products and top-k in
torch) up to ``exact_max_rows`` candidates and through an HNSW index (faiss) beyond, and writes
its rows as Parquet straight into the table folder; the driver commits them as one transaction.

A group is recomputed only when its fingerprint changed: an order-free hash of its ok rows'
(product_id, title_hash, model_version, scored_at), and, for the cross-language scope, the other
marketplace's. The recall@k of the approximate path is measured afterwards on a sample of each
approximated task's queries against exact search (:func:`make_recall_fn`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mrnet.schemas import STATUS_OK
from mrnet.storage import read_partition
from mrnet.vectors import vector_matrix

SCOPE_GROUP, SCOPE_CROSS = "group", "cross_language"
COLUMN_OF_SCOPE = {SCOPE_GROUP: "embedding_pg", SCOPE_CROSS: "embedding_aligned"}


@dataclass(frozen=True)
class SearchTask:
    """One Spark task's search: a block of one (marketplace, group)'s queries against a universe."""

    marketplace: str
    product_group: str
    scope: str
    start: int
    stop: int
    universe_marketplace: str
    universe_group: str | None     # None: every group of the universe marketplace
    approximate: bool
    fingerprint: str


@dataclass(frozen=True)
class SearchSettings:
    k: int
    metric: str
    hnsw_m: int
    hnsw_ef_search: int
    recall_sample: int


# ---------------------------------------------------------------- vectors of one embeddings version

def read_vectors(uri: str, version: int, marketplace: str, group: str | None,
                 column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(product ids, their groups, their vectors (n, d) float32) of the ok rows with a ``column``
    vector, ordered by (group, product id) so every task sees the same positions."""
    partition = {"marketplace": marketplace} | ({"product_group": group} if group else {})
    table = read_partition(uri, version, partition, ["product_id", "product_group", column],
                           where=(pc.field("status") == STATUS_OK) & pc.field(column).is_valid())
    table = table.sort_by([("product_group", "ascending"), ("product_id", "ascending")])
    if table.num_rows == 0:
        return np.empty(0, object), np.empty(0, object), np.empty((0, 0), np.float32)
    return (np.asarray(table["product_id"].to_pylist(), object),
            np.asarray(table["product_group"].to_pylist(), object), vector_matrix(table[column]))


def _prepared(vectors: np.ndarray, metric: str) -> np.ndarray:
    if metric == "cosine":
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)
    return np.ascontiguousarray(vectors, np.float32)


# ---------------------------------------------------------------- search

def exact_top_k(queries: np.ndarray, universe: np.ndarray, k: int, metric: str,
                self_positions: np.ndarray | None = None, block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """(indices (q, k), distances (q, k)) of the k closest universe rows, closest first, by
    blocks of queries (matrix product + top-k in torch, float32). ``self_positions``: each
    query's own universe row, never returned. Distances: 1 - cosine, or Euclidean."""
    import torch

    u = torch.from_numpy(_prepared(universe, metric))
    u_sq = (u * u).sum(1) if metric == "euclidean" else None
    q_all = _prepared(queries, metric)
    found = np.empty((len(q_all), k), np.int64)
    distances = np.empty((len(q_all), k), np.float32)
    for start in range(0, len(q_all), block):
        q = torch.from_numpy(q_all[start:start + block])
        if metric == "cosine":
            scores = 1.0 - q @ u.T
        else:
            scores = ((q * q).sum(1, keepdim=True) - 2.0 * q @ u.T + u_sq).clamp_min_(0.0)
        if self_positions is not None:
            rows = torch.arange(len(q))
            scores[rows, torch.from_numpy(self_positions[start:start + block])] = float("inf")
        values, index = torch.topk(scores, k, dim=1, largest=False, sorted=True)
        found[start:start + len(q)] = index.numpy()
        distances[start:start + len(q)] = (values if metric == "cosine" else values.sqrt()).numpy()
    return found, distances


def approximate_top_k(queries: np.ndarray, universe: np.ndarray, k: int, settings: SearchSettings,
                      self_positions: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The same answer as :func:`exact_top_k` from an HNSW index (faiss, one thread)."""
    import faiss

    faiss.omp_set_num_threads(1)
    u, q = _prepared(universe, settings.metric), _prepared(queries, settings.metric)
    kind = faiss.METRIC_INNER_PRODUCT if settings.metric == "cosine" else faiss.METRIC_L2
    index = faiss.IndexHNSWFlat(u.shape[1], settings.hnsw_m, kind)
    index.hnsw.efSearch = max(settings.hnsw_ef_search, k + 1)
    index.add(u)
    extra = 1 if self_positions is not None else 0
    scores, found = index.search(q, k + extra)
    if self_positions is not None:
        found, scores = _without_self(found, scores, self_positions, k)
    distances = 1.0 - scores if settings.metric == "cosine" else np.sqrt(np.maximum(scores, 0.0))
    found, distances = found.astype(np.int64), distances.astype(np.float32)
    short = np.flatnonzero((found < 0).any(axis=1))      # the graph gave fewer than k: search exactly
    if len(short):
        found[short], distances[short] = exact_top_k(
            queries[short], universe, k, settings.metric,
            None if self_positions is None else self_positions[short])
    return found, distances


def _without_self(found: np.ndarray, scores: np.ndarray, self_positions: np.ndarray, k: int):
    """Each row's k hits other than the query itself (dropped where found, else the last)."""
    keep = found != self_positions[:, None]
    keep[keep.sum(1) > k, -1] = False
    return found[keep].reshape(len(found), k), scores[keep].reshape(len(found), k)


# ---------------------------------------------------------------- the executors' functions

def _search(task: SearchTask, uri: str, version: int, settings: SearchSettings,
            sample: int | None = None, exact: bool | None = None):
    """(query ids, universe ids, universe groups, hits (q, k), distances) of one task's queries
    (or a random ``sample`` of them), or None when there is nothing to search."""
    column = COLUMN_OF_SCOPE[task.scope]
    ids, _, vectors = read_vectors(uri, version, task.marketplace, task.product_group, column)
    positions = np.arange(task.start, min(task.stop, len(ids)))
    if sample is not None and len(positions) > sample:
        positions = np.sort(np.random.default_rng(task.start).choice(positions, sample, replace=False))
    if task.scope == SCOPE_GROUP:
        universe_ids, universe_groups, universe = ids, np.full(len(ids), task.product_group, object), vectors
        self_positions = positions
    else:
        universe_ids, universe_groups, universe = read_vectors(uri, version, task.universe_marketplace,
                                                               task.universe_group, column)
        self_positions = None
    k = min(settings.k, len(universe_ids) - (1 if self_positions is not None else 0))
    if k < 1 or len(positions) == 0:
        return None
    if task.approximate if exact is None else not exact:
        found, distances = approximate_top_k(vectors[positions], universe, k, settings, self_positions)
    else:
        found, distances = exact_top_k(vectors[positions], universe, k, settings.metric, self_positions)
    return ids[positions], universe_ids, universe_groups, found, distances


def make_search_fn(tasks: list[SearchTask], uri: str, version: int, settings: SearchSettings,
                   model_version: str):
    """Runs on the driver; returns the mapInArrow function that searches the tasks named by its
    input rows (a ``task`` index column) and yields rows of the neighbours table."""

    def search_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import torch

        torch.set_num_threads(1)   # one thread per Spark task, as everywhere in this project
        for batch in batches:
            for index in batch.column("task").to_pylist():
                result = _search(tasks[index], uri, version, settings)
                if result is not None:
                    yield _rows(tasks[index], *result, model_version)

    return search_batches


def _rows(task: SearchTask, query_ids, universe_ids, universe_groups, found, distances,
          model_version: str) -> pa.RecordBatch:
    q, k = found.shape
    n = q * k
    return pa.RecordBatch.from_pydict({
        "marketplace": pa.array([task.marketplace] * n), "product_group": pa.array([task.product_group] * n),
        "product_id": pa.array(np.repeat(query_ids, k).tolist(), pa.string()),
        "scope": pa.array([task.scope] * n),
        "rank": pa.array(np.tile(np.arange(1, k + 1, dtype=np.int32), q)),
        "neighbour_marketplace": pa.array([task.universe_marketplace] * n),
        "neighbour_group": pa.array(universe_groups[found.ravel()].tolist(), pa.string()),
        "neighbour_id": pa.array(universe_ids[found.ravel()].tolist(), pa.string()),
        "distance": pa.array(distances.ravel(), pa.float32()),
        "model_version": pa.array([model_version] * n),
        "fingerprint": pa.array([task.fingerprint] * n),
    })


def make_recall_fn(tasks: list[SearchTask], uri: str, version: int, neighbours_uri: str,
                   neighbours_version: int, settings: SearchSettings):
    """The mapInArrow function that measures recall@k of approximated tasks: for a sample of each
    task's queries, the share of their exact k nearest that the written table holds."""

    def recall_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import torch

        torch.set_num_threads(1)
        for batch in batches:
            for index in batch.column("task").to_pylist():
                task = tasks[index]
                recall, sampled = _recall(task, uri, version, neighbours_uri, neighbours_version, settings)
                yield pa.RecordBatch.from_pydict({
                    "marketplace": [task.marketplace], "product_group": [task.product_group],
                    "scope": [task.scope], "queries": [sampled], "recall": [recall]})

    return recall_batches


def _recall(task: SearchTask, uri, version, neighbours_uri, neighbours_version, settings) -> tuple[float, int]:
    result = _search(task, uri, version, settings, sample=settings.recall_sample, exact=True)
    if result is None:
        return 1.0, 0
    query_ids, universe_ids, _, found, _ = result
    written = read_partition(neighbours_uri, neighbours_version,
                             {"marketplace": task.marketplace, "product_group": task.product_group},
                             ["product_id", "neighbour_id"],
                             where=(pc.field("scope") == task.scope)
                             & pc.field("product_id").isin(query_ids.tolist())).to_pandas()
    held = written.groupby("product_id").neighbour_id.agg(set).to_dict()
    hits = sum(len(held.get(query, set()) & set(universe_ids[row])) for query, row in zip(query_ids, found))
    return hits / found.size, len(query_ids)


# ---------------------------------------------------------------- the driver's plan

@dataclass(frozen=True)
class Plan:
    tasks: list[SearchTask]
    full: bool                      # True: rewrite the table; False: replace the tasks' groups
    unchanged: list[tuple[str, str]]
    small: dict[str, int]           # "marketplace/group" -> products, for groups of k or fewer


def group_fingerprints(embeddings) -> list[dict]:
    """One small row per (marketplace, group) of the embeddings DataFrame's ok rows: their count
    and an order-free hash of (product_id, title_hash, model_version, scored_at); vectors are
    not read."""
    from pyspark.sql import functions as F

    ok = embeddings.filter(F.col("status") == STATUS_OK)
    rows = ok.groupBy("marketplace", "product_group").agg(
        F.count("*").alias("rows"),
        F.bit_xor(F.xxhash64("product_id", "title_hash", "model_version", "scored_at")).alias("hash"))
    return [r.asDict() for r in rows.collect()]


def plan_searches(stats: list[dict], pairs: list[list[str]], settings, existing: dict | None) -> Plan:
    """The tasks of a run: every group whose fingerprint differs from ``existing`` (the
    neighbours table's, {(marketplace, group): fingerprint}; None: recompute everything)."""
    partner = {a: b for a, b in pairs} | {b: a for a, b in pairs}
    market_rows, market_hash = {}, {}
    for row in stats:
        market_rows[row["marketplace"]] = market_rows.get(row["marketplace"], 0) + row["rows"]
        market_hash[row["marketplace"]] = market_hash.get(row["marketplace"], 0) ^ row["hash"]
    fingerprints = {}
    for row in stats:
        other = partner.get(row["marketplace"])
        cross = f"|{other}:{market_hash[other]:x}" if other in market_rows else ""
        fingerprints[(row["marketplace"], row["product_group"])] = f"{row['hash']:x}:{row['rows']}{cross}"
    rows = {(r["marketplace"], r["product_group"]): r["rows"] for r in stats}
    changed = {key for key in fingerprints if existing is None or existing.get(key) != fingerprints[key]}
    # a group that left, or one that will write no rows, is only removed by a full rewrite
    full = existing is None or bool(set(existing) - set(fingerprints)) or any(rows[key] < 2 for key in changed)
    tasks = []
    for row in sorted(stats, key=lambda r: -r["rows"]):
        key = (row["marketplace"], row["product_group"])
        if not full and key not in changed:
            continue
        tasks += _blocks(row, SCOPE_GROUP, row["marketplace"], row["product_group"], row["rows"],
                         fingerprints[key], settings)
        other = partner.get(row["marketplace"])
        if other in market_rows:
            tasks += _blocks(row, SCOPE_CROSS, other, None, market_rows[other], fingerprints[key], settings)
    unchanged = [] if full else sorted(set(fingerprints) - changed)
    small = {f"{r['marketplace']}/{r['product_group']}": r["rows"] for r in stats if r["rows"] <= settings.k}
    return Plan(tasks, full, unchanged, small)


def _blocks(row: dict, scope: str, universe_marketplace: str, universe_group: str | None,
            universe_rows: int, fingerprint: str, settings) -> list[SearchTask]:
    approximate = universe_rows > settings.exact_max_rows
    return [SearchTask(row["marketplace"], row["product_group"], scope, start, start + settings.block_rows,
                       universe_marketplace, universe_group, approximate, fingerprint)
            for start in range(0, row["rows"], settings.block_rows)]


def search_settings(settings) -> SearchSettings:
    return SearchSettings(settings.k, settings.metric, settings.hnsw_m, settings.hnsw_ef_search,
                          settings.recall_sample)


def task_rows(spark, tasks: list[SearchTask]):
    """A DataFrame of task indices, one Spark partition (so one task) each."""
    return spark.sparkContext.parallelize([(i,) for i in range(len(tasks))], max(1, len(tasks))).toDF("task int")


RECALL = "marketplace string, product_group string, scope string, queries long, recall double"
