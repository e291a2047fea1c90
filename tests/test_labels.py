"""The Spark-built labels equal a plain pandas computation of the same labels."""
from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from mrnet.configuration import PipelineConfig, load_config
from mrnet.corpus import build_corpus
from mrnet.labels import OTHER_CLASS, build_labels
from mrnet.splits import split_of
from mrnet.synthetic import generate_rows
from mrnet.text import tokenize

pytestmark = pytest.mark.spark
ROWS = 3000


@pytest.fixture(scope="module")
def cfg():
    return load_config(PipelineConfig, overrides=["labels.min_labelled=20"])


@pytest.fixture(scope="module")
def catalog_pdf():
    pdf = generate_rows(np.arange(ROWS), ROWS, seed=3, dirty_fraction=0.0)
    return pdf


@pytest.fixture(scope="module")
def built(spark, catalog_pdf, cfg):
    catalog = spark.createDataFrame(catalog_pdf)
    tokens = build_corpus(catalog).select("marketplace", "product_group", "product_id", "title_tokens")
    build = build_labels(catalog, tokens, cfg.tasks, cfg.labels)
    return build, build.labels.toPandas()


def test_label_counts_per_task_equal_pandas(built, catalog_pdf, cfg):
    build, labels = built
    spark_counts = labels.groupby(["marketplace", "product_group", "task"]).size()
    for (marketplace, group, task), n in spark_counts.items():
        column = cfg.tasks[task].column
        rows = catalog_pdf[(catalog_pdf.marketplace == marketplace) & (catalog_pdf.product_group == group)]
        if cfg.tasks[task].kind == "decoding":
            continue   # checked value by value below
        expected = rows[column].notna().sum()
        if cfg.tasks[task].kind in ("multiclass", "binary"):
            expected = rows[column].astype("string").str.strip().replace("", pd.NA).notna().sum()
        assert n == expected, (marketplace, group, task)


def test_class_vocabularies_and_indices_equal_pandas(built, catalog_pdf, cfg):
    build, labels = built
    meta = build.metadata.set_index(["marketplace", "product_group", "task"])
    for name in ("color", "item_type", "size", "hazardous"):
        task = cfg.tasks[name]
        for (marketplace, group), rows in catalog_pdf.groupby(["marketplace", "product_group"]):
            if (marketplace, group, name) not in meta.index:
                continue
            values = rows[task.column].dropna().astype(str).str.lower() if task.kind == "binary" \
                else rows[task.column].dropna().astype(str)
            if task.kind == "binary":
                classes = ["false", "true"]
            else:
                counts = Counter(values)
                ranked = sorted(counts, key=lambda c: (-counts[c], c))
                classes = ranked[: task.top_k] + ([OTHER_CLASS] if len(ranked) > task.top_k else [])
            assert list(meta.loc[(marketplace, group, name), "classes"]) == classes
            got = labels[(labels.marketplace == marketplace) & (labels.product_group == group)
                         & (labels.task == name)].set_index("product_id").class_index
            index = {c: i for i, c in enumerate(classes)}
            other = index.get(OTHER_CLASS, -1)
            want = pd.Series([index.get(v, other) for v in values], index=rows.loc[values.index, "product_id"])
            assert got.sort_index().tolist() == want.sort_index().tolist()


def test_regression_statistics_and_values_equal_pandas(built, catalog_pdf, cfg):
    build, labels = built
    meta = build.metadata.set_index(["marketplace", "product_group", "task"])
    for name in ("price", "weight", "view_count"):
        column = cfg.tasks[name].column
        for (marketplace, group), rows in catalog_pdf.groupby(["marketplace", "product_group"]):
            rows = rows[rows[column].notna()]
            x = np.log1p(rows[column].astype(float))
            split = [split_of(marketplace, p, 0.1, 0.1) for p in rows.product_id]
            train = x[np.array(split) == "train"]
            mean, std = train.mean(), train.std(ddof=0)
            stored = meta.loc[(marketplace, group, name)]
            assert stored["mean"] == pytest.approx(mean, rel=1e-9)
            assert stored["std"] == pytest.approx(std, rel=1e-9)
            got = labels[(labels.marketplace == marketplace) & (labels.product_group == group)
                         & (labels.task == name)].set_index("product_id").value.sort_index()
            want = pd.Series(((x - mean) / std).values, index=rows.product_id).sort_index()
            np.testing.assert_allclose(got.values, want.values, atol=1e-9)


def test_tfidf_values_equal_pandas(built, catalog_pdf, cfg):
    build, labels = built
    settings, task = cfg.labels, cfg.tasks["tfidf"]
    meta = build.metadata.set_index(["marketplace", "product_group", "task"])
    checked = 0
    for (marketplace, group), rows in catalog_pdf.groupby(["marketplace", "product_group"]):
        docs = [tokenize(t) for t in rows.title]
        df = Counter(term for doc in docs for term in set(doc))
        n = len(docs)
        useful = [t for t, c in df.items() if c >= settings.tfidf_min_df and c <= n * settings.tfidf_max_df]
        vocab = sorted(useful, key=lambda t: (-df[t], t))[: task.vocab_size]
        assert list(meta.loc[(marketplace, group, "tfidf"), "terms"]) == vocab
        index = {t: i for i, t in enumerate(vocab)}
        idf = {t: math.log((1 + n) / (1 + df[t])) + 1 for t in vocab}
        got = labels[(labels.marketplace == marketplace) & (labels.product_group == group)
                     & (labels.task == "tfidf")].set_index("product_id")
        for product_id, doc in zip(rows.product_id, docs):
            tf = Counter(t for t in doc if t in index)
            if not tf:
                assert product_id not in got.index
                continue
            weights = {index[t]: c * idf[t] for t, c in tf.items()}
            norm = math.sqrt(sum(w * w for w in weights.values()))
            order = sorted(weights)
            assert list(got.loc[product_id, "tfidf_indices"]) == order
            np.testing.assert_allclose(got.loc[product_id, "tfidf_values"],
                                       [weights[i] / norm for i in order], atol=1e-6)
            checked += 1
    assert checked > ROWS * 0.9


def test_splits_agree_with_python_hash(built):
    _, labels = built
    sample = labels.drop_duplicates("product_id").head(300)
    for row in sample.itertuples():
        assert row.split == split_of(row.marketplace, row.product_id, 0.1, 0.1)
    shares = labels.drop_duplicates("product_id").split.value_counts(normalize=True)
    assert shares["train"] == pytest.approx(0.8, abs=0.04)


def test_missing_column_and_sparse_group_are_skipped(spark, catalog_pdf, cfg):
    from mrnet.configuration.schema import TaskSpecConf

    catalog = spark.createDataFrame(catalog_pdf.drop(columns=["weight_kg"]))
    tokens = build_corpus(catalog).select("marketplace", "product_group", "product_id", "title_tokens")
    tasks = {"weight": cfg.tasks["weight"], "color": cfg.tasks["color"],
             "rare": TaskSpecConf(kind="binary", column="hazardous")}
    settings = load_config(PipelineConfig, overrides=["labels.min_labelled=100000"]).labels
    with pytest.raises(ValueError, match="no task has enough labels"):
        build_labels(catalog, tokens, tasks, settings)
    build = build_labels(catalog, tokens, {"weight": cfg.tasks["weight"], "color": cfg.tasks["color"]},
                         cfg.labels)
    assert any("no column 'weight_kg'" in line for line in build.skipped)
    assert set(build.metadata.task) == {"color"}


def test_rerun_of_the_stage_gives_identical_tables(spark, store, catalog_pdf, cfg):
    from mrnet.modelstore import RunRecord
    from mrnet.stages import build_label_tables as labels, tokenize_corpus as corpus

    cfg.storage.root = store.paths.root
    store.write(spark.createDataFrame(catalog_pdf.head(600)), "catalog", mode="overwrite",
                partition_by=("marketplace",))
    run = RunRecord.start("test", cfg)
    corpus(spark, store, cfg, run)
    first = labels(spark, store, cfg, run)
    before = store.read_pandas("labels")
    second = labels(spark, store, cfg, run)
    after = store.read_pandas("labels")
    assert second["versions"]["labels"] == first["versions"]["labels"] + 1
    key = ["marketplace", "product_id", "task"]
    pd.testing.assert_frame_equal(before.sort_values(key).reset_index(drop=True),
                                  after.sort_values(key).reset_index(drop=True))
    assert not after.duplicated(key).any()
