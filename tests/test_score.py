"""Scoring: one row per catalog row, vectors equal to the training forward pass, statuses,
re-runs and incremental runs; and the end-to-end nightly chain that produced them."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyspark.testing import assertSchemaEqual

from mrnet.modelstore import RunRecord, read_manifest
from mrnet.modelstore.layout import CONFIG, QUALITY
from mrnet.embedder import ModelBundle
from mrnet.model import encode_numpy
from mrnet.schemas import EMBEDDINGS, STATUSES
from mrnet.nightly import summary_lines
from mrnet.score import score_catalog
from mrnet.stages import published_model_version, score_embeddings
from mrnet.text import tokenize
from mrnet.paths import Paths

pytestmark = [pytest.mark.spark, pytest.mark.slow]


STAGES = ["ingest", "corpus", "word2vec", "labels", "train", "agnostic", "align", "gate", "score",
          "neighbours", "evaluate"]


def test_nightly_chain_ran_every_stage(small_pipeline):
    _, store, outcomes = small_pipeline
    assert [o.stage for o in outcomes] == STAGES   # vacuum is off by default
    lines = dict(zip(STAGES, summary_lines(outcomes)[2:]))     # the run summary says what it counts
    catalog_rows = len(store.read_pandas("catalog", columns=["product_id"]))
    groups = len(store.read_pandas("label_metadata", columns=["marketplace", "product_group"]).drop_duplicates())
    assert f" {groups:,} groups trained " in lines["train"]
    assert f" {catalog_rows:,} rows scored " in lines["score"] and " rows in " in lines["ingest"]
    report = Path(store.paths.reports(published_model_version(store), "synthetic"))
    assert {"report.md", "report.json", "table2.png", "projection.png"} <= {p.name for p in report.iterdir()}
    table2 = json.loads((report / "report.json").read_text())["tasks"]
    assert table2["plugs"]["scores"]["mrnet_logreg"]["mean"] > 0.6            # a loose floor (tiny models)
    assert abs(table2["gift_wrap"]["scores"]["mrnet_logreg"]["mean"] - 0.5) < 0.15   # no signal
    for table in ("catalog", "corpus", "labels", "label_metadata", "agnostic_sample", "embeddings"):
        assert store.exists(table), table


def test_the_agnostic_vector_beats_lsa_where_the_paper_preset_does_not(small_pipeline):
    """Issue 12's win, pinned: LR on `embedding` ahead of LR on LSA-256 of the same folds on the
    two SIOC tasks. Measured with this fixture's settings (2 cores): the paper's autoencoder
    objective +0.034 (sioc) and +0.053 (sioc on an unseen population); tanh units with off-block
    weight 0.1 -0.080 and -0.022, and with the group spread of 1 -0.011 and +0.030 (the default,
    3, passes); `--preset paper` -0.103 and -0.056; an untrained BiLSTM (`train.max_steps=0`)
    -0.014 and +0.025. The 32-d group vector of this tiny model
    stays behind the 256-d LSA (0.860 vs 0.908), so only the agnostic column is pinned here."""
    _, store, _ = small_pipeline
    report = Path(store.paths.reports(published_model_version(store), "synthetic"))
    tasks = json.loads((report / "report.json").read_text())["tasks"]
    margin = {t: tasks[t]["scores"]["mrnet_logreg"]["mean"] - tasks[t]["scores"]["lsa_logreg"]["mean"]
              for t in ("sioc", "sioc_unseen")}
    assert margin["sioc"] > 0.015 and margin["sioc_unseen"] > 0.035, margin


def test_a_night_after_a_vacuum_reruns_no_stage(small_pipeline, spark, tmp_path):
    """Vacuum commits to every table; the chain compares data versions, so nothing reruns."""
    import shutil

    from mrnet.nightly import run_chain
    from mrnet.storage import TableStore

    cfg, store, _ = small_pipeline
    shutil.copytree(store.paths.root, tmp_path / "wh")     # the fixture's warehouse stays as it is
    cfg = replace(cfg, storage=replace(cfg.storage, root=str(tmp_path / "wh")),
                  vacuum=replace(cfg.vacuum, enabled=True, retention_hours=0))
    copy = TableStore(spark, cfg.storage)
    run_chain(spark, copy, cfg, only=["ingest"])     # tonight's snapshot: the same rows again
    (vacuum,) = run_chain(spark, copy, cfg, only=["vacuum"])
    assert vacuum.stage == "vacuum" and vacuum.count > 0     # the first snapshot's files went
    assert copy.version("catalog") == copy.data_version("catalog") + 2
    again = run_chain(spark, copy, cfg, only=[n for n in STAGES if n != "ingest"])
    assert [o.stage for o in again if not o.skipped] == []


def test_one_row_per_catalog_row_with_the_contract_schema(small_pipeline):
    _, store, _ = small_pipeline
    embeddings = store.read("embeddings")
    assertSchemaEqual(embeddings.schema, EMBEDDINGS, ignoreNullable=True)
    pdf = store.read_pandas("embeddings")
    assert set(pdf.status) <= set(STATUSES)
    catalog = store.read_pandas("catalog", columns=["marketplace", "product_id"])
    assert len(pdf) == len(catalog)
    assert set(zip(pdf.marketplace, pdf.product_id)) == set(zip(catalog.marketplace, catalog.product_id))
    ok = pdf[pdf.status == "ok"]
    assert len(ok) > 0.95 * len(pdf)
    assert ok.embedding_pg.map(len).eq(32).all() and ok.embedding.map(len).eq(32).all()
    assert ok.embedding_aligned.map(len).eq(32).all()
    not_ok = pdf[pdf.status != "ok"]
    assert not_ok.embedding_pg.isna().all()                 # never a silent zero vector


def test_vectors_equal_the_training_forward_pass(small_pipeline):
    cfg, store, _ = small_pipeline
    version = published_model_version(store)
    pdf = store.read_pandas("embeddings").merge(
        store.read_pandas("catalog", columns=["marketplace", "product_id", "title"]),
        on=["marketplace", "product_id"])
    rows = pdf[(pdf.marketplace == "fr") & (pdf.product_group == "toys") & (pdf.status == "ok")].head(200)
    bundle = ModelBundle(Paths(store.paths.root), version)
    model, vectors = bundle.group_model("fr", "toys")
    expected = encode_numpy(model, [vectors.ids(tokenize(t)) for t in rows.title])
    np.testing.assert_allclose(np.stack(rows.embedding_pg.to_numpy()), expected, atol=1e-5)
    model_ae, index = bundle.agnostic("fr")
    agnostic = model_ae.embed(expected, np.full(len(expected), index["toys"]))
    np.testing.assert_allclose(np.stack(rows.embedding.to_numpy()), agnostic, atol=1e-5)


def test_statuses_for_rows_that_cannot_be_embedded(spark, small_pipeline):
    _, store, _ = small_pipeline
    version = published_model_version(store)
    model, vectors = ModelBundle(Paths(store.paths.root), version).group_model("uk", "toys")
    known = next(w for w in vectors.vocab if len(w) >= 7 and w.isalpha())
    misspelt = known[:3] + known[4:]           # a word the vocabulary never saw
    assert vectors.oov == "spelling" and misspelt not in vectors.vocab
    catalog = spark.createDataFrame(pd.DataFrame({
        "product_id": ["a", "b", "c", "d", "e"], "marketplace": ["uk", "uk", "uk", "fr", "uk"],
        "product_group": ["toys", "toys", "spaceships", "toys", "toys"],
        "title": ["", "ʘʘʘ ǂǂǂ", "rocket", "Peluche ours", misspelt]}))
    out = score_catalog(catalog, store.paths.root, version, datetime.now(timezone.utc)).toPandas()
    status = dict(zip(out.product_id, out.status))
    assert status["a"] == "empty_title" and status["b"] == "no_known_tokens"
    assert status["c"] == "unknown_group"
    assert out.set_index("product_id").loc[["a", "b", "c"], "embedding_pg"].isna().all()
    assert len(out) == 5
    # a title of one unknown word gets the vector of the known word spelt most like it
    assert status["e"] == "ok" and len(vectors.ids([misspelt])) == 1
    np.testing.assert_allclose(out.set_index("product_id").loc["e", "embedding_pg"],
                               encode_numpy(model, [vectors.ids([misspelt])])[0], atol=1e-5)


def test_rerun_replaces_and_incremental_rescores_only_changes(spark, small_pipeline):
    cfg, store, _ = small_pipeline
    run = RunRecord.start("test", cfg)
    before = store.read_pandas("embeddings")
    score_embeddings(spark, store, cfg, run)                        # full re-run
    again = store.read_pandas("embeddings")
    assert len(again) == len(before) and not again.duplicated(["marketplace", "product_id"]).any()

    catalog = store.read_pandas("catalog")
    changed = catalog.product_id.iloc[0]
    catalog.loc[catalog.product_id == changed, "title"] = "Peluche ours géant bleu"
    store.write(spark.createDataFrame(catalog), "catalog", mode="overwrite", partition_by=("marketplace",))

    summary = score_embeddings(spark, store, replace(cfg, score=replace(cfg.score, incremental=True)), run)
    after = store.read_pandas("embeddings").set_index(["marketplace", "product_id"])
    prior = again.set_index(["marketplace", "product_id"])
    assert len(after) == len(prior) and summary["incremental"]
    moved = after.scored_at != prior.loc[after.index, "scored_at"]
    changed_key = tuple(catalog.loc[catalog.product_id == changed, ["marketplace", "product_id"]].iloc[0])
    assert moved.loc[changed_key]
    assert moved.sum() == 1                                         # only the changed title
    unchanged = after.index[~moved][:50]
    for column in ("embedding_pg", "embedding"):
        left = np.stack(after.loc[unchanged, column].to_numpy())
        right = np.stack(prior.loc[unchanged, column].to_numpy())
        np.testing.assert_array_equal(left, right)


def test_model_manifests_and_quality_reports_exist(small_pipeline):
    _, store, _ = small_pipeline
    version = published_model_version(store)
    folder = Path(store.paths.model_version(version))
    assert (folder / QUALITY).exists() and (folder / CONFIG).exists()
    agnostic = read_manifest(folder / "agnostic" / "uk")
    # the weighted error it minimised beats predicting zeros (measured 2.6 vs 11.6; the full-target
    # error at off-block weight 0.1 is 14.0), and its own block beats the group's mean (1.3 vs 9.4)
    metrics = agnostic["metrics"]
    assert metrics["objective_sse"] < 0.5 * metrics["baseline_zero_sse"]
    assert metrics["in_block_sse"] < 0.5 * metrics["baseline_group_mean_sse"]
    if agnostic["settings"]["activation"] == "sigmoid":   # the KL target is met
        assert abs(agnostic["metrics"]["mean_activation"] - agnostic["rho"]) < 0.15
    else:                                                  # tanh units: centred, not saturated
        assert abs(agnostic["metrics"]["mean_activation"]) < 0.5
    align = read_manifest(folder / "align" / "uk-fr")
    metrics = align["metrics"]
    assert align["published"] and align["method"] == "contrastive" and not align["withheld"]
    # held-out pairs: ahead of Procrustes on the project's own vectors and of 5x random (the
    # withholding rule); with 460 training pairs LSA + Procrustes is still ahead here (tests/
    # test_align.py pins the wins on a bilingual fixture, bench/results/quality the real ones)
    for direction in ("a_to_b", "b_to_a"):
        aligned = metrics["aligned"][direction]["p@1"]
        assert aligned > 5 * metrics["random"][direction]["p@1"]
        for baseline in ("group+procrustes", "agnostic+procrustes", "w2v_mean+procrustes"):
            assert aligned > metrics[baseline][direction]["p@1"], (direction, baseline, metrics)


def test_vector_function_leaves_out_groups_with_no_vector(small_pipeline):
    """A group whose titles have no known word yields no frame (an empty float column would not
    convert to array<float>), and known titles yield one vector each."""
    from mrnet.embedder import make_vector_fn

    _, store, _ = small_pipeline
    fn = make_vector_fn(store.paths.root, published_model_version(store), "product_id",
                        {"embedding_pg": "group"})
    unknown = pd.DataFrame({"marketplace": ["uk"], "product_group": ["toys"], "product_id": ["x"],
                            "title_tokens": [["zzqxw"]]})
    assert list(fn(iter([unknown]))) == []
    catalog = store.read_pandas("corpus", columns=["marketplace", "product_group", "product_id",
                                                   "title_tokens"]).head(20)
    frames = list(fn(iter([catalog])))
    assert sum(len(f) for f in frames) >= 19
    assert all(len(v) == 32 for f in frames for v in f.embedding_pg)


def test_spark_sql_join_onto_a_feature_table(spark, small_pipeline):
    _, store, _ = small_pipeline
    store.read("embeddings").createOrReplaceTempView("embeddings")
    features = store.read("catalog").selectExpr("product_id", "marketplace", "price AS f_price")
    features.createOrReplaceTempView("features")
    joined = spark.sql("""
        SELECT f.product_id, f.f_price, e.embedding, e.embedding_pg
        FROM features f JOIN embeddings e
          ON e.product_id = f.product_id AND e.marketplace = f.marketplace
        WHERE e.status = 'ok'
    """).toPandas()
    ok = store.read_pandas("embeddings", columns=["status"]).status.eq("ok").sum()
    assert len(joined) == ok
    assert joined.embedding.map(len).eq(32).all()


def test_on_demand_embeddings_equal_the_scoring_jobs(small_pipeline):
    """mrnet.Embedder: the numbers of the embeddings table, for titles given in Python."""
    import mrnet

    _, store, _ = small_pipeline
    table = store.read_pandas("embeddings").merge(
        store.read_pandas("catalog", columns=["marketplace", "product_id", "title"]),
        on=["marketplace", "product_id"])
    rows = table[(table.marketplace == "uk") & (table.product_group == "toys") & (table.status == "ok")].head(50)
    embedder = mrnet.Embedder.load(store.paths.root)
    assert embedder.model_version == published_model_version(store)
    out = embedder.embed(rows.title, marketplace="uk", group="toys")
    assert (out.status == "ok").all() and len(out) == len(rows)
    for column in ("embedding_pg", "embedding", "embedding_aligned"):
        np.testing.assert_allclose(np.stack(out[column].to_numpy()), np.stack(rows[column].to_numpy()), atol=1e-5)
    assert embedder.embed("", marketplace="uk", group="toys").status.tolist() == ["empty_title"]
    odd = embedder.embed(["Wooden train"], marketplace="uk", group="spaceships")   # as the job has it
    assert odd.status.tolist() == ["unknown_group"] and odd.embedding_pg.isna().all()


def test_similar_finds_the_brute_force_neighbours_in_both_scopes(small_pipeline, capsys):
    from mrnet.stages import find_similar

    cfg, store, _ = small_pipeline
    table = store.read_pandas("embeddings")
    ok = table[table.status == "ok"]
    product = ok[(ok.marketplace == "uk") & (ok.product_group == "toys")].iloc[0]
    query = replace(cfg, similar=replace(cfg.similar, product_id=product.product_id, marketplace="uk", k=5))
    found = find_similar(None, store, query, RunRecord.start("test", cfg))["neighbours"]

    def brute_force(rows, column, vector):
        matrix = np.stack(rows[column].to_numpy())
        scores = matrix @ vector / np.linalg.norm(matrix, axis=1) / np.linalg.norm(vector)
        return rows.product_id.to_numpy()[np.argsort(-scores, kind="stable")[:5]].tolist()

    group = ok[(ok.marketplace == "uk") & (ok.product_group == "toys") & (ok.product_id != product.product_id)]
    assert found["uk:embedding_pg"] == brute_force(group, "embedding_pg", product.embedding_pg)
    french = ok[ok.marketplace == "fr"]
    assert found["fr:embedding_aligned"] == brute_force(french, "embedding_aligned", product.embedding_aligned)
    assert "nearest 5 in fr/* (embedding_aligned, in the other language)" in capsys.readouterr().out


@pytest.mark.spark
def test_importance_overlap_uses_the_training_labels_of_the_sampled_products(small_pipeline):
    from mrnet.evaluation.importance import importance_overlap
    from mrnet.evaluation.report import _training_task_kind, importance_overlaps, task_sample

    cfg, store, _ = small_pipeline
    task = cfg.evaluate.tasks["plugs"]
    data = task_sample(store.read("embeddings"), store.read("catalog"), task, cfg.evaluate.sample)
    found = importance_overlaps({"plugs": data}, store.read("labels"), {"plugs": task}, cfg.evaluate)["plugs"]
    labels = store.read_pandas("labels")
    train = labels[labels.task == task.related_training_task]
    train = train.assign(train_y=train.class_index.astype(float).fillna(train.value))
    joined = data.merge(train[["marketplace", "product_id", "train_y"]], on=["marketplace", "product_id"])
    expected = importance_overlap(np.stack(joined.vector.to_numpy()), joined.train_y.to_numpy(),
                                  joined.y.astype(str).to_numpy(), _training_task_kind(joined.train_y), task.kind,
                                  seed=cfg.evaluate.seed, n_estimators=cfg.evaluate.forest_trees)
    assert found["training_task"] == "batteries" and len(joined) >= 100
    for key in ("train_features", "downstream_features", "overlap"):
        assert found[key] == expected[key]


@pytest.mark.spark
def test_samples_drawn_on_keys_equal_the_direct_draw_of_each_task(small_pipeline):
    from mrnet.evaluation.report import task_sample, task_samples

    cfg, store, _ = small_pipeline
    embeddings, catalog = store.read("embeddings"), store.read("catalog")
    tasks = {n: cfg.evaluate.tasks[n] for n in ("plugs", "browse_category")}    # across groups, within one
    for name, sample in task_samples(embeddings, catalog, tasks, 700).items():
        direct = task_sample(embeddings, catalog, tasks[name], 700)
        assert len(sample) == len(direct) >= 290        # browse_category: every labelled toy in uk
        key = ["marketplace", "product_id"]
        assert sample[key].values.tolist() == direct[key].values.tolist()   # same products, same order
        np.testing.assert_array_equal(np.stack(sample.vector.to_numpy()), np.stack(direct.vector.to_numpy()))
        assert (sample.y.to_numpy() == direct.y.to_numpy()).all() and (sample.title == direct.title).all()


def test_the_gpu_scoring_path_on_a_cpu_is_the_float32_path(small_pipeline):
    """The device and AMP switches of scoring (no GPU here): a bundle built for the task's
    device keeps its BiLSTMs there, AMP is a no-op off CUDA, and CUDA gets float16 autocast and
    large batches."""
    import warnings

    import pyarrow as pa
    import torch

    from mrnet import devices
    from mrnet.embedder import ModelBundle, embed_rows
    from mrnet.model import autocast
    from mrnet.paths import Paths
    from mrnet.text import tokenize_many

    _, store, _ = small_pipeline
    catalog = store.read_pandas("catalog", columns=["marketplace", "product_group", "title"]).head(400)
    tokens = tokenize_many(pa.array(catalog.title))
    version = published_model_version(store)
    plain = ModelBundle(Paths(store.paths.root), version)
    amp = ModelBundle(Paths(store.paths.root), version, device=devices.task_device(), amp=True)
    _, want = embed_rows(plain, catalog.marketplace.to_numpy(object), catalog.product_group.to_numpy(object), tokens)
    _, got = embed_rows(amp, catalog.marketplace.to_numpy(object), catalog.product_group.to_numpy(object), tokens)
    for column, matrix in want.items():
        np.testing.assert_array_equal(got[column], matrix)
    model, _ = amp.group_model("uk", "toys")
    assert str(model.device) == "cpu" and amp.device == "cpu"
    with warnings.catch_warnings():     # a CPU build of torch warns that CUDA is unavailable
        warnings.simplefilter("ignore")
        assert isinstance(autocast(torch.device("cuda:0"), True), torch.autocast)
    assert not isinstance(autocast(torch.device("cuda:0"), False), torch.autocast)
    assert not isinstance(autocast(torch.device("cpu"), True), torch.autocast)
    assert devices.score_batch_size("cuda:1") > devices.score_batch_size("cpu") == 1024
