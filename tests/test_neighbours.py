"""The neighbours table: the search against plain numpy, the approximate path's recall, the
plan's incremental rules, and the table the nightly chain writes against a brute-force search."""
from __future__ import annotations

import shutil
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from mrnet.neighbours import (IndexShard, LoadedShard, SearchSettings, exact_top_k, hnsw_index, load_shard,
                              plan_searches, sharded_top_k, write_shard)
from mrnet.configuration.schema import NeighboursSettings
from mrnet.retrieval import nearest_neighbours


def clustered(n: int, d: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(20, d))
    return (centres[rng.integers(0, 20, n)] + 0.3 * rng.normal(size=(n, d))).astype(np.float32)


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_exact_search_equals_the_float64_reference(metric):
    universe = clustered(700)
    queries = np.arange(100, 400)
    found, distances = exact_top_k(universe[queries], universe, 7, metric, self_positions=queries, block=64)
    ref_found, ref_distances = nearest_neighbours(universe[queries], universe, 7, exclude_self=True,
                                                  query_index=queries, metric=metric)
    assert (found == ref_found).mean() > 0.99          # float32 vs float64: a rare swap of near-ties
    np.testing.assert_allclose(distances, ref_distances, atol=1e-4)
    assert not (found == queries[:, None]).any()       # never its own neighbour


def test_cross_scope_search_has_no_self_exclusion():
    universe, queries = clustered(300, seed=1), clustered(50, seed=2)
    found, _ = exact_top_k(queries, universe, 5, "cosine")
    ref, _ = nearest_neighbours(queries, universe, 5, metric="cosine")
    assert (found == ref).mean() > 0.99


HNSW = SearchSettings(k=10, metric="cosine", hnsw_m=16, hnsw_ef_search=64, recall_sample=50)


def shards_of(universe: np.ndarray, rows: int, settings=HNSW) -> list[LoadedShard]:
    ids = np.asarray([f"p{i}" for i in range(len(universe))], object)
    return [LoadedShard(hnsw_index(universe[s:s + rows], settings), ids[s:s + rows],
                        np.full(len(ids[s:s + rows]), f"g{s // rows}", object))
            for s in range(0, len(universe), rows)]


@pytest.mark.parametrize("shard_rows", [3000, 700])
def test_hnsw_shards_find_nearly_all_exact_neighbours(shard_rows):
    universe = clustered(3000, seed=3)
    queries = np.arange(0, 3000, 7)
    query_ids = np.asarray([f"p{i}" for i in queries], object)
    shards = shards_of(universe, shard_rows)
    ids, groups, distances = sharded_top_k(universe[queries], query_ids, lambda: iter(shards), 10, HNSW)
    exact, exact_distances = exact_top_k(universe[queries], universe, 10, "cosine", self_positions=queries)
    exact_ids = np.asarray([f"p{i}" for i in exact.ravel()], object).reshape(exact.shape)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, exact_ids)])
    assert recall > 0.95
    assert not (ids == query_ids[:, None]).any() and ids.shape == (len(queries), 10)
    assert (np.diff(distances, axis=1) >= -1e-6).all()          # closest first, over every shard
    assert (distances[:, 0] >= exact_distances[:, 0] - 1e-5).all()
    positions = np.asarray([int(i[1:]) for i in ids.ravel()]).reshape(ids.shape)
    assert (groups == np.vectorize(lambda p: f"g{p // shard_rows}")(positions)).all()   # each hit's own shard

    exact_sharded, _, exact_sharded_distances = sharded_top_k(universe[queries], query_ids, lambda: iter(shards),
                                                              10, HNSW, exact=True)
    assert (exact_sharded == exact_ids).mean() > 0.99
    np.testing.assert_allclose(exact_sharded_distances, exact_distances, atol=1e-5)


def test_a_shard_smaller_than_k_is_merged_with_the_others_and_a_saved_shard_loads_the_same(tmp_path):
    universe = clustered(205, seed=4)
    shards = shards_of(universe, 100)                   # 100, 100 and 5 rows
    queries = clustered(30, seed=5)
    ids, _, distances = sharded_top_k(queries, None, lambda: iter(shards), 10, HNSW)
    exact, exact_distances = exact_top_k(queries, universe, 10, "cosine")
    assert np.isfinite(distances).all()
    assert np.mean([len({f"p{i}" for i in b} & set(a)) / 10 for a, b in zip(ids, exact)]) > 0.95

    shard = IndexShard("group", "uk", (("toys", 0, 100),))
    write_shard(str(tmp_path), shard, shards[0].index, shards[0].ids, shards[0].groups)
    loaded = load_shard(str(tmp_path), shard)
    assert loaded.ids.tolist() == shards[0].ids.tolist() and loaded.index.ntotal == 100
    again, _, _ = sharded_top_k(queries, None, lambda: iter([loaded]), 10, HNSW)
    first, _, _ = sharded_top_k(queries, None, lambda: iter(shards[:1]), 10, HNSW)
    assert (again == first).all()


def stats(*groups):
    return [{"marketplace": m, "product_group": g, "rows": n, "hash": h} for m, g, n, h in groups]


SETTINGS = NeighboursSettings(k=3, block_rows=40, exact_max_rows=100)


def test_plan_blocks_scopes_and_methods():
    plan = plan_searches(stats(("uk", "toys", 90, 1), ("uk", "books", 2, 2), ("fr", "toys", 50, 3)),
                         [["uk", "fr"]], SETTINGS, None)
    assert plan.full and plan.small == {"uk/books": 2}
    toys = [t for t in plan.tasks if (t.marketplace, t.product_group) == ("uk", "toys")]
    assert [(t.scope, t.start, t.approximate) for t in toys] == [
        ("group", 0, False), ("group", 40, False), ("group", 80, False),
        ("cross_language", 0, False), ("cross_language", 40, False), ("cross_language", 80, False)]
    assert {t.universe_marketplace for t in toys if t.scope == "cross_language"} == {"fr"}
    assert not any(t.approximate for t in plan.tasks)     # no universe is over 100 products


def test_plan_picks_the_approximate_path_past_exact_max_rows():
    plan = plan_searches(stats(("uk", "toys", 150, 1), ("fr", "toys", 50, 3)), [["uk", "fr"]], SETTINGS, None)
    method = {(t.marketplace, t.scope): t.approximate for t in plan.tasks}
    assert method == {("uk", "group"): True, ("uk", "cross_language"): False,
                      ("fr", "group"): False, ("fr", "cross_language"): True}


def test_every_block_of_a_universe_shares_its_indexes_each_built_once():
    settings = replace(SETTINGS, index_shard_rows=60)
    plan = plan_searches(stats(("uk", "toys", 150, 1), ("fr", "toys", 70, 3), ("fr", "games", 45, 4)),
                         [["uk", "fr"]], settings, None)
    uk_cross = [t for t in plan.tasks if (t.marketplace, t.scope) == ("uk", "cross_language")]
    assert len(uk_cross) == 4 and len({t.shards for t in uk_cross}) == 1   # four blocks, one set of indexes
    assert [s.segments for s in uk_cross[0].shards] == [                   # fr's 115 products in 60-row shards
        (("games", 0, 45), ("toys", 0, 15)), (("toys", 15, 70),)]
    uk_group = {t.shards for t in plan.tasks if (t.marketplace, t.scope) == ("uk", "group")}
    assert [s.segments for s in uk_group.pop()] == [(("toys", 0, 60),), (("toys", 60, 120),), (("toys", 120, 150),)]
    # uk group (3 shards), uk's queries into fr (2) and fr's into uk (3), each once, each its own file
    assert len(plan.shards) == 8 and len({s.file_name for s in plan.shards}) == 8
    assert [s.rows for s in plan.shards].count(60) == 5


def test_a_group_cross_language_universe_searches_the_partner_group_only():
    settings = replace(SETTINGS, cross_language_universe="group")
    plan = plan_searches(stats(("uk", "toys", 90, 1), ("uk", "books", 30, 2), ("fr", "toys", 120, 3),
                               ("fr", "games", 45, 4)), [["uk", "fr"]], settings, None)
    cross = {(t.marketplace, t.product_group): (t.universe_group, t.approximate)
             for t in plan.tasks if t.scope == "cross_language"}
    # uk/toys searches fr/toys alone (120 > 100 rows: HNSW), books and games have no partner group
    assert cross == {("uk", "toys"): ("toys", True), ("fr", "toys"): ("toys", False)}
    uk_toys = next(t for t in plan.tasks if (t.marketplace, t.product_group, t.scope) == ("uk", "toys", "cross_language"))
    assert [s.segments for s in uk_toys.shards] == [(("toys", 0, 120),)]


def test_incremental_plan_recomputes_only_changed_groups_and_their_partners():
    before = stats(("uk", "toys", 90, 1), ("uk", "books", 60, 2), ("fr", "toys", 50, 3), ("de", "toys", 50, 4))
    first = plan_searches(before, [["uk", "fr"]], SETTINGS, None)
    existing = {(t.marketplace, t.product_group): t.fingerprint for t in first.tasks}
    same = plan_searches(before, [["uk", "fr"]], SETTINGS, existing)
    assert same.tasks == [] and not same.full and len(same.unchanged) == 4

    after = stats(("uk", "toys", 90, 11), ("uk", "books", 60, 2), ("fr", "toys", 50, 3), ("de", "toys", 50, 4))
    plan = plan_searches(after, [["uk", "fr"]], SETTINGS, existing)
    # uk/toys changed; fr/toys searches uk across languages, so it is recomputed too
    assert not plan.full
    assert {(t.marketplace, t.product_group) for t in plan.tasks} == {("uk", "toys"), ("fr", "toys")}
    assert set(plan.unchanged) == {("uk", "books"), ("de", "toys")}

    gone = plan_searches(before[:3], [["uk", "fr"]], SETTINGS, existing)
    assert gone.full        # de/toys left the embeddings: its rows go with a full rewrite


# ---------------------------------------------------------------- the table the chain wrote

def ok_rows(store) -> pd.DataFrame:
    table = store.read_pandas("embeddings")
    return table[table.status == "ok"]


@pytest.mark.spark
@pytest.mark.slow
def test_the_chain_writes_k_neighbours_per_product_equal_to_brute_force(small_pipeline):
    cfg, store, _ = small_pipeline
    k = cfg.neighbours.k
    table = store.read_pandas("neighbours")
    ok = ok_rows(store)
    sizes = ok.groupby(["marketplace", "product_group"]).size()
    per_product = table[table.scope == "group"].groupby(["marketplace", "product_id"]).size()
    expected = pd.Series([min(k, sizes[(m, g)] - 1) for m, g in zip(ok.marketplace, ok.product_group)],
                         index=pd.MultiIndex.from_frame(ok[["marketplace", "product_id"]]))
    assert per_product.reindex(expected.index, fill_value=0).tolist() == expected.tolist()
    assert not table.duplicated(["marketplace", "product_id", "scope", "rank"]).any()

    rng = np.random.default_rng(0)
    group = ok[(ok.marketplace == "uk") & (ok.product_group == "toys")].sort_values("product_id")
    matrix = np.stack(group.embedding_pg.to_numpy()).astype(np.float64)
    unit = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    for row in rng.choice(len(group), 10, replace=False):
        similarity = unit @ unit[row]
        similarity[row] = -np.inf
        best = np.argsort(-similarity, kind="stable")[:k]
        mine = table[(table.marketplace == "uk") & (table.product_id == group.product_id.iloc[row])
                     & (table.scope == "group")].sort_values("rank")
        assert mine.neighbour_id.tolist() == group.product_id.to_numpy()[best].tolist()
        np.testing.assert_allclose(mine.distance, 1 - similarity[best], atol=1e-5)

    cross = table[(table.scope == "cross_language") & (table.marketplace == "uk")]
    assert set(cross.neighbour_marketplace) == {"fr"} and cross.groupby("product_id").size().eq(k).all()
    french = ok[ok.marketplace == "fr"].sort_values(["product_group", "product_id"])
    candidates = np.stack(french.embedding_aligned.to_numpy()).astype(np.float64)
    candidates /= np.linalg.norm(candidates, axis=1, keepdims=True)
    product = group.iloc[3]
    query = np.asarray(product.embedding_aligned, np.float64)
    best = np.argsort(-(candidates @ (query / np.linalg.norm(query))), kind="stable")[:k]
    mine = cross[cross.product_id == product.product_id].sort_values("rank")
    assert mine.neighbour_id.tolist() == french.product_id.to_numpy()[best].tolist()
    assert mine.neighbour_group.tolist() == french.product_group.to_numpy()[best].tolist()


@pytest.mark.spark
@pytest.mark.slow
def test_rerun_skips_unchanged_groups_and_the_approximate_path_reports_recall(small_pipeline, spark,
                                                                            tmp_path, capsys):
    from mrnet.modelstore import RunRecord
    from mrnet.stages import build_neighbours
    from mrnet.storage import TableStore

    cfg, store, _ = small_pipeline
    shutil.copytree(store.paths.root, tmp_path / "wh")
    cfg = replace(cfg, storage=replace(cfg.storage, root=str(tmp_path / "wh")))
    copy = TableStore(spark, cfg.storage)
    run = RunRecord.start("test", cfg)
    before = copy.version("neighbours")
    again = build_neighbours(spark, copy, cfg, run)
    assert again["groups_computed"] == 0 and copy.version("neighbours") == before

    approximate = replace(cfg, neighbours=replace(cfg.neighbours, exact_max_rows=0, incremental=False))
    summary = build_neighbours(spark, copy, approximate, run)
    assert summary["full_rewrite"] and summary["recall"]
    assert min(r["recall"] for r in summary["recall"]) > 0.9
    assert not (tmp_path / "wh" / "tables" / "neighbours" / "_staging").exists()  # shards and their folder removed
    assert "recall@10 of the HNSW index" in capsys.readouterr().out
    exact = store.read_pandas("neighbours").set_index(["marketplace", "product_id", "scope", "rank"])
    approx = copy.read_pandas("neighbours").set_index(["marketplace", "product_id", "scope", "rank"])
    assert len(approx) == len(exact)
    assert (approx.neighbour_id == exact.loc[approx.index, "neighbour_id"]).mean() > 0.9


@pytest.mark.spark
@pytest.mark.slow
def test_sql_functions_embed_like_the_scoring_job_and_look_up_neighbours(small_pipeline, spark):
    import mrnet.spark

    cfg, store, _ = small_pipeline
    version = mrnet.spark.register_functions(spark, store.paths.root)
    store.read("catalog").limit(300).createOrReplaceTempView("new_listings")
    embedded = spark.sql("""
        SELECT marketplace, product_id, e.status, e.embedding_pg, e.embedding, e.embedding_aligned
        FROM (SELECT marketplace, product_id, mrnet_embed(title, marketplace, product_group) AS e
              FROM new_listings)""").toPandas().set_index(["marketplace", "product_id"])
    scored = store.read_pandas("embeddings").set_index(["marketplace", "product_id"]).loc[embedded.index]
    assert (embedded.status == scored.status).all() and (embedded.status == "ok").mean() > 0.9
    for column in ("embedding_pg", "embedding", "embedding_aligned"):
        ok = scored[column].notna()
        assert embedded[column].notna().equals(ok)
        np.testing.assert_allclose(np.stack(embedded.loc[ok, column].to_numpy()),
                                   np.stack(scored.loc[ok, column].to_numpy()), atol=1e-5)
    assert version == scored.model_version.iloc[0]

    product = scored.index[0]
    looked_up = spark.sql(f"""
        SELECT rank, neighbour_id, neighbour_title, title FROM mrnet_neighbours
        WHERE marketplace = '{product[0]}' AND product_id = '{product[1]}' AND scope = 'group'
        ORDER BY rank""").toPandas()
    table = store.read_pandas("neighbours")
    mine = table[(table.marketplace == product[0]) & (table.product_id == product[1])
                 & (table.scope == "group")].sort_values("rank")
    assert looked_up.neighbour_id.tolist() == mine.neighbour_id.tolist() and len(mine) == cfg.neighbours.k
    titles = store.read_pandas("catalog", columns=["marketplace", "product_id", "title"]).set_index(
        ["marketplace", "product_id"]).title
    assert looked_up.neighbour_title.tolist() == [titles[(product[0], n)] for n in mine.neighbour_id]
