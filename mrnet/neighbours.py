"""The ``neighbours`` table: each scored product's k nearest products, computed on the executors.

Two scopes: ``group`` (within its marketplace and product group, on ``embedding_pg``) and
``cross_language`` (for a marketplace of an ``align`` pair: the other marketplace's products, on
``embedding_aligned``). The driver plans one Spark task per (marketplace, group, scope) and per
block of ``block_rows`` queries of a large group; each task reads its queries with pyarrow from
one embeddings version and writes its rows as Parquet straight into the table folder; the driver
commits them as one transaction.

A universe (the candidates of a scope) of up to ``exact_max_rows`` rows is searched exactly
(blocked matrix products and top-k in torch). A larger one is searched through HNSW indexes
(faiss), built once before the search: one Spark task per shard of ``index_shard_rows`` rows of
the universe (its groups in order, cut across them) writes its index and ids into the table's
``_staging`` folder, and every query block of that universe searches each shard and keeps the k
closest overall. Building an index
costs about as much as searching it with all its rows, so an index per query block (as a universe
is shared by every block of every group that searches it) would repeat that cost per block.

A group is recomputed only when its fingerprint changed: an order-free hash of its ok rows'
(product_id, title_hash, model_version, scored_at), and, for the cross-language scope, the other
marketplace's. The recall@k of the approximate path is measured afterwards on a sample of each
approximated task's queries against exact search (:func:`make_recall_fn`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs

from mrnet.schemas import STATUS_OK
from mrnet.storage import read_partition
from mrnet.storage.delta_rs import filesystem
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
    fingerprint: str
    shards: tuple["IndexShard", ...] = ()   # the universe's HNSW indexes; () : exact search

    @property
    def approximate(self) -> bool:
        return bool(self.shards)


@dataclass(frozen=True)
class IndexShard:
    """One HNSW index of a universe marketplace's ``segments``: (group, start, stop), rows
    [start, stop) of that group in :func:`read_vectors` order, concatenated."""

    scope: str
    marketplace: str
    segments: tuple[tuple[str, int, int], ...]

    @property
    def rows(self) -> int:
        return sum(stop - start for _, start, stop in self.segments)

    @property
    def file_name(self) -> str:
        """A name safe on every filesystem, distinct per shard."""
        import hashlib

        key = "\x1f".join(map(str, (self.scope, self.marketplace, *self.segments)))
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]


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


def hnsw_index(vectors: np.ndarray, settings: SearchSettings):
    """An HNSW index (faiss, one thread) of the vectors, prepared for the metric."""
    import faiss

    faiss.omp_set_num_threads(1)
    kind = faiss.METRIC_INNER_PRODUCT if settings.metric == "cosine" else faiss.METRIC_L2
    index = faiss.IndexHNSWFlat(vectors.shape[1], settings.hnsw_m, kind)
    index.add(_prepared(vectors, settings.metric))
    return index


@dataclass(frozen=True)
class LoadedShard:
    """A shard's index with the ids and groups of its rows (position i: the index's row i)."""

    index: object
    ids: np.ndarray
    groups: np.ndarray


def sharded_top_k(queries: np.ndarray, query_ids: np.ndarray | None,
                  open_shards: Callable[[], Iterable[LoadedShard]], k: int, settings: SearchSettings,
                  exact: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids (q, k), groups (q, k), distances (q, k)) of the k closest rows over every shard
    (``open_shards()`` yields them one at a time), closest first: each shard's index searched
    (or, ``exact``, its stored vectors searched exactly), the hits merged. ``query_ids``: the
    queries' own ids, never returned (group scope); None for the cross-language scope. Queries
    the graphs give fewer than k hits are searched again exactly."""
    extra = 0 if query_ids is None else 1
    queries = _prepared(queries, settings.metric)      # once, not once per shard
    best = (np.empty((len(queries), 0), object), np.empty((len(queries), 0), object),
            np.empty((len(queries), 0), np.float32))
    for shard in open_shards():
        positions, distances = (_exact_in_shard if exact else _search_shard)(shard, queries, k + extra, settings)
        ids = np.where(positions >= 0, shard.ids[np.maximum(positions, 0)], None)
        if query_ids is not None:
            distances = np.where(ids == query_ids[:, None], np.inf, distances)
        best = _closest(best, (ids, np.where(positions >= 0, shard.groups[np.maximum(positions, 0)], None),
                               distances), k)
    short = np.flatnonzero(~np.isfinite(best[2]).all(axis=1))
    if len(short) and not exact:
        again = sharded_top_k(queries[short], None if query_ids is None else query_ids[short], open_shards,
                              k, settings, exact=True)
        for column, values in zip(best, again):
            column[short] = values
    return best


def _search_shard(shard: LoadedShard, queries: np.ndarray, k: int, settings: SearchSettings):
    """(positions, distances) of a shard's k hits for prepared queries (-1 / inf: no hit)."""
    shard.index.hnsw.efSearch = max(settings.hnsw_ef_search, k)
    scores, positions = shard.index.search(queries, k)
    distances = 1.0 - scores if settings.metric == "cosine" else np.sqrt(np.maximum(scores, 0.0))
    return positions, np.where(positions >= 0, distances, np.inf).astype(np.float32)


def _exact_in_shard(shard: LoadedShard, queries: np.ndarray, k: int, settings: SearchSettings):
    vectors = shard.index.reconstruct_n(0, shard.index.ntotal)
    width = min(k, len(vectors))
    positions, distances = exact_top_k(queries, vectors, width, settings.metric) if width else \
        (np.empty((len(queries), 0), np.int64), np.empty((len(queries), 0), np.float32))
    pad = k - width
    return (np.pad(positions, ((0, 0), (0, pad)), constant_values=-1),
            np.pad(distances, ((0, 0), (0, pad)), constant_values=np.inf))


def _closest(best: tuple, found: tuple, k: int) -> tuple:
    """The k closest of two candidate sets per query row (ids, groups, distances), closest first."""
    ids, groups, distances = (np.concatenate([a, b], axis=1) for a, b in zip(best, found))
    order = np.argsort(distances, axis=1, kind="stable")[:, :k]
    return tuple(np.take_along_axis(column, order, axis=1) for column in (ids, groups, distances))


# ---------------------------------------------------------------- the shards' files

def make_index_fn(shards: list[IndexShard], uri: str, version: int, settings: SearchSettings, folder: str):
    """The mapInArrow function that builds the indexes of the shards named by its input rows (a
    ``task`` column) and writes each (``<name>.faiss`` and ``<name>.ids.parquet``) into ``folder``."""

    def build_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for index in batch.column("task").to_pylist():
                shard, started = shards[index], time.perf_counter()
                ids, groups, vectors = _segments(uri, version, shard)
                if len(ids):
                    write_shard(folder, shard, hnsw_index(vectors, settings), ids, groups)
                yield pa.RecordBatch.from_pydict({
                    "task": pa.array([index], pa.int32()), "rows": pa.array([len(ids)], pa.int64()),
                    "seconds": pa.array([time.perf_counter() - started], pa.float64())})

    return build_batches


INDEX_BUILT = "task int, rows long, seconds double"


def _segments(uri: str, version: int, shard: IndexShard):
    """(ids, groups, vectors) of a shard's rows, one group read at a time."""
    parts = []
    for group, start, stop in shard.segments:
        ids, groups, vectors = read_vectors(uri, version, shard.marketplace, group, COLUMN_OF_SCOPE[shard.scope])
        if len(ids[start:stop]):
            parts.append((ids[start:stop], groups[start:stop], vectors[start:stop]))
    if not parts:
        return np.empty(0, object), np.empty(0, object), np.empty((0, 0), np.float32)
    return tuple(np.concatenate(column) for column in zip(*parts))


def write_shard(folder: str, shard: IndexShard, index, ids: np.ndarray, groups: np.ndarray) -> None:
    import faiss
    import pyarrow.parquet as pq

    fs, root = filesystem(folder)
    fs.create_dir(root, recursive=True)
    with fs.open_output_stream(f"{root}/{shard.file_name}.faiss") as out:
        out.write(faiss.serialize_index(index).tobytes())
    pq.write_table(pa.table({"product_id": pa.array(ids.tolist(), pa.string()),
                             "product_group": pa.array(groups.tolist(), pa.string())}),
                   f"{root}/{shard.file_name}.ids.parquet", filesystem=fs)


def load_shard(folder: str, shard: IndexShard) -> LoadedShard:
    """A shard's index (memory-mapped from a local folder, so the tasks of one machine share
    its pages) with its ids."""
    import faiss
    import pyarrow.parquet as pq

    fs, root = filesystem(folder)
    path = f"{root}/{shard.file_name}.faiss"
    if isinstance(fs, pafs.LocalFileSystem):
        index = faiss.read_index(path, faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
    else:
        with fs.open_input_file(path) as source:
            index = faiss.deserialize_index(np.frombuffer(source.read(), np.uint8))
    table = pq.read_table(f"{root}/{shard.file_name}.ids.parquet", filesystem=fs)
    return LoadedShard(index, np.asarray(table["product_id"].to_pylist(), object),
                       np.asarray(table["product_group"].to_pylist(), object))


# ---------------------------------------------------------------- the executors' functions

def _search(task: SearchTask, uri: str, version: int, settings: SearchSettings, index_folder: str | None,
            sample: int | None = None, exact: bool = False):
    """(query ids, hit ids (q, k), hit groups (q, k), distances (q, k)) of one task's queries (or
    a random ``sample`` of them), or None when there is nothing to search. ``exact``: an
    approximated task searched exactly (its recall's reference)."""
    column = COLUMN_OF_SCOPE[task.scope]
    ids, _, vectors = read_vectors(uri, version, task.marketplace, task.product_group, column)
    positions = np.arange(task.start, min(task.stop, len(ids)))
    if sample is not None and len(positions) > sample:
        positions = np.sort(np.random.default_rng(task.start).choice(positions, sample, replace=False))
    if len(positions) == 0:
        return None
    if task.approximate:
        def shards():
            return (load_shard(index_folder, shard) for shard in task.shards)

        query_ids = ids[positions] if task.scope == SCOPE_GROUP else None
        universe_rows = sum(s.rows for s in task.shards) - (task.scope == SCOPE_GROUP)
        k = min(settings.k, universe_rows)
        if k < 1:
            return None
        hit_ids, hit_groups, distances = sharded_top_k(vectors[positions], query_ids, shards, k, settings, exact)
        return ids[positions], hit_ids, hit_groups, distances
    if task.scope == SCOPE_GROUP:
        universe_ids, universe_groups, universe = ids, np.full(len(ids), task.product_group, object), vectors
        self_positions = positions
    else:
        universe_ids, universe_groups, universe = read_vectors(uri, version, task.universe_marketplace,
                                                               task.universe_group, column)
        self_positions = None
    k = min(settings.k, len(universe_ids) - (1 if self_positions is not None else 0))
    if k < 1:
        return None
    found, distances = exact_top_k(vectors[positions], universe, k, settings.metric, self_positions)
    return ids[positions], universe_ids[found], universe_groups[found], distances


def make_search_fn(tasks: list[SearchTask], uri: str, version: int, settings: SearchSettings,
                   model_version: str, index_folder: str | None):
    """Runs on the driver; returns the mapInArrow function that searches the tasks named by its
    input rows (a ``task`` index column) and yields rows of the neighbours table."""

    def search_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import torch

        torch.set_num_threads(1)   # one thread per Spark task, as everywhere in this project
        for batch in batches:
            for index in batch.column("task").to_pylist():
                result = _search(tasks[index], uri, version, settings, index_folder)
                if result is not None:
                    yield _rows(tasks[index], *result, model_version)

    return search_batches


def _rows(task: SearchTask, query_ids, hit_ids, hit_groups, distances, model_version: str) -> pa.RecordBatch:
    q, k = hit_ids.shape
    n = q * k
    return pa.RecordBatch.from_pydict({
        "marketplace": pa.array([task.marketplace] * n), "product_group": pa.array([task.product_group] * n),
        "product_id": pa.array(np.repeat(query_ids, k).tolist(), pa.string()),
        "scope": pa.array([task.scope] * n),
        "rank": pa.array(np.tile(np.arange(1, k + 1, dtype=np.int32), q)),
        "neighbour_marketplace": pa.array([task.universe_marketplace] * n),
        "neighbour_group": pa.array(hit_groups.ravel().tolist(), pa.string()),
        "neighbour_id": pa.array(hit_ids.ravel().tolist(), pa.string()),
        "distance": pa.array(distances.ravel(), pa.float32()),
        "model_version": pa.array([model_version] * n),
        "fingerprint": pa.array([task.fingerprint] * n),
    })


def make_recall_fn(tasks: list[SearchTask], uri: str, version: int, neighbours_uri: str,
                   neighbours_version: int, settings: SearchSettings, index_folder: str):
    """The mapInArrow function that measures recall@k of approximated tasks: for a sample of each
    task's queries, the share of their exact k nearest that the written table holds."""

    def recall_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import torch

        torch.set_num_threads(1)
        for batch in batches:
            for index in batch.column("task").to_pylist():
                task = tasks[index]
                recall, sampled = _recall(task, uri, version, neighbours_uri, neighbours_version, settings,
                                          index_folder)
                yield pa.RecordBatch.from_pydict({
                    "marketplace": [task.marketplace], "product_group": [task.product_group],
                    "scope": [task.scope], "queries": [sampled], "recall": [recall]})

    return recall_batches


def _recall(task: SearchTask, uri, version, neighbours_uri, neighbours_version, settings,
            index_folder) -> tuple[float, int]:
    result = _search(task, uri, version, settings, index_folder, sample=settings.recall_sample, exact=True)
    if result is None:
        return 1.0, 0
    query_ids, hit_ids, _, _ = result
    written = read_partition(neighbours_uri, neighbours_version,
                             {"marketplace": task.marketplace, "product_group": task.product_group},
                             ["product_id", "neighbour_id"],
                             where=(pc.field("scope") == task.scope)
                             & pc.field("product_id").isin(query_ids.tolist())).to_pandas()
    held = written.groupby("product_id").neighbour_id.agg(set).to_dict()
    hits = sum(len(held.get(query, set()) & set(row)) for query, row in zip(query_ids, hit_ids))
    return hits / hit_ids.size, len(query_ids)


# ---------------------------------------------------------------- the driver's plan

@dataclass(frozen=True)
class Plan:
    tasks: list[SearchTask]
    full: bool                      # True: rewrite the table; False: replace the tasks' groups
    unchanged: list[tuple[str, str]]
    small: dict[str, int]           # "marketplace/group" -> products, for groups of k or fewer

    @property
    def shards(self) -> list[IndexShard]:
        """Every index the approximated tasks search, each once."""
        return list(dict.fromkeys(shard for task in self.tasks for shard in task.shards))


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
    groups_of: dict[str, list[tuple[str, int]]] = {}
    for (marketplace, group), count in sorted(rows.items()):
        groups_of.setdefault(marketplace, []).append((group, count))
    changed = {key for key in fingerprints if existing is None or existing.get(key) != fingerprints[key]}
    # a group that left, or one that will write no rows, is only removed by a full rewrite
    full = existing is None or bool(set(existing) - set(fingerprints)) or any(rows[key] < 2 for key in changed)
    tasks = []
    for row in sorted(stats, key=lambda r: -r["rows"]):
        key = (row["marketplace"], row["product_group"])
        if not full and key not in changed:
            continue
        tasks += _blocks(row, SCOPE_GROUP, row["marketplace"], row["product_group"],
                         [(row["product_group"], row["rows"])], fingerprints[key], settings)
        other = partner.get(row["marketplace"])
        if other in market_rows:
            tasks += _cross_blocks(row, other, groups_of[other], fingerprints[key], settings)
    unchanged = [] if full else sorted(set(fingerprints) - changed)
    small = {f"{r['marketplace']}/{r['product_group']}": r["rows"] for r in stats if r["rows"] <= settings.k}
    return Plan(tasks, full, unchanged, small)


def _cross_blocks(row: dict, other: str, other_groups: list[tuple[str, int]], fingerprint: str,
                  settings) -> list[SearchTask]:
    """The cross-language blocks of one group: against the partner marketplace's whole catalog,
    or (``cross_language_universe: group``) its products of the same group only."""
    if settings.cross_language_universe == "marketplace":
        return _blocks(row, SCOPE_CROSS, other, None, other_groups, fingerprint, settings)
    same = [(group, count) for group, count in other_groups if group == row["product_group"]]
    return _blocks(row, SCOPE_CROSS, other, row["product_group"], same, fingerprint, settings) if same else []


def _blocks(row: dict, scope: str, universe_marketplace: str, universe_group: str | None,
            universe_groups: list[tuple[str, int]], fingerprint: str, settings) -> list[SearchTask]:
    """The query blocks of one group in one scope; past ``exact_max_rows`` candidates each
    block names the shards (``index_shard_rows`` rows of the universe each) it searches."""
    shards = ()
    if sum(count for _, count in universe_groups) > settings.exact_max_rows:
        shards = tuple(IndexShard(scope, universe_marketplace, segments)
                       for segments in _shard_segments(universe_groups, settings.index_shard_rows))
    return [SearchTask(row["marketplace"], row["product_group"], scope, start, start + settings.block_rows,
                       universe_marketplace, universe_group, fingerprint, shards)
            for start in range(0, row["rows"], settings.block_rows)]


def _shard_segments(groups: list[tuple[str, int]], shard_rows: int) -> list[tuple]:
    """The universe's groups, in order, cut into shards of ``shard_rows`` rows (the last one
    shorter): a shard holds several small groups, a large group spans several shards."""
    shards, current, room = [], [], shard_rows
    for group, count in groups:
        start = 0
        while start < count:
            take = min(room, count - start)
            current.append((group, start, start + take))
            start, room = start + take, room - take
            if room == 0:
                shards.append(tuple(current))
                current, room = [], shard_rows
    return shards + ([tuple(current)] if current else [])


def search_settings(settings) -> SearchSettings:
    return SearchSettings(settings.k, settings.metric, settings.hnsw_m, settings.hnsw_ef_search,
                          settings.recall_sample)


def task_rows(spark, tasks: list):
    """A DataFrame of task indices, one Spark partition (so one task) each."""
    return spark.sparkContext.parallelize([(i,) for i in range(len(tasks))], max(1, len(tasks))).toDF("task int")


RECALL = "marketplace string, product_group string, scope string, queries long, recall double"
