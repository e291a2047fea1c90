"""Ingest: every row lands in catalog or quarantine, with the reason, on dirty and real input."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mrnet.catalog import read_source
from mrnet.configuration import PipelineConfig, load_config
from mrnet.configuration.schema import AttributeSpec, CatalogSettings, IngestSettings, SyntheticSettings
from mrnet.ingest import run_ingest
from mrnet.schemas import QUARANTINE

pytestmark = pytest.mark.spark
ROOT = Path(__file__).resolve().parents[1]

CLEAN = [
    ("1", "uk", "toys", "Wooden toy train", "A train", "£12.50"),
    ("2", "uk", "toys", "Plush bear", "", "7"),
    ("3", "fr", "toys", "Ours en peluche", "Un ours", "1,008.00"),
]
DIRTY = {
    "empty_id": ("", "uk", "toys", "No id here", "", "1"),
    "unknown_group": ("4", "uk", "spaceships", "Rocket", "", "1"),
    "empty_title": ("5", "uk", "toys", "   ", "", "1"),
    "invalid_text": ("6", "uk", "toys", "Bell \x07 ringing", "", "1"),
    "title_too_long": ("7", "uk", "toys", "long " * 30, "", "1"),
    "bad_number:price": ("8", "uk", "toys", "Puzzle", "", "twelve"),
    "duplicate_id": ("1", "uk", "toys", "Wooden toy train (again)", "", "12.50"),
    "unknown_marketplace": ("9", "de", "toys", "Zug", "", "1"),
}


def dirty_catalog_settings(path: Path) -> CatalogSettings:
    return CatalogSettings(
        name="dirty", format="csv", path=str(path),
        columns={c: c for c in ("product_id", "marketplace", "product_group", "title", "description")},
        attributes={"price": AttributeSpec(expr="price", type="number")},
        product_groups=["toys"], marketplaces={"uk": "en", "fr": "fr"},
    )


@pytest.fixture
def dirty_csv(tmp_path) -> Path:
    rows = CLEAN + list(DIRTY.values())
    frame = pd.DataFrame(rows, columns=["product_id", "marketplace", "product_group", "title",
                                        "description", "price"])
    path = tmp_path / "dirty.csv"
    frame.to_csv(path, index=False)
    with open(path, "ab") as handle:   # a row whose title is not valid UTF-8
        handle.write(b'10,uk,toys,"Caf\xe9 cr\xe8me",,3\n')
    return path


def test_dirty_catalog_every_reason_and_the_invariant(spark, store, dirty_csv):
    catalog = dirty_catalog_settings(dirty_csv)
    raw = read_source(spark, catalog, SyntheticSettings())
    summary = run_ingest(spark, store, raw, catalog, IngestSettings(max_title_chars=100))
    assert summary.rows_in == len(CLEAN) + len(DIRTY) + 1
    assert summary.rows_in == summary.kept + summary.quarantined
    expected = {reason: 1 for reason in DIRTY}
    expected["invalid_text"] = 2            # the control character and the invalid UTF-8
    assert summary.by_reason == expected
    kept = store.read_pandas("catalog").set_index("product_id")
    assert sorted(kept.index) == ["1", "2", "3"]
    assert kept.loc["1", "title"] in ("Wooden toy train", "Wooden toy train (again)")
    assert kept.loc["3", "price"] == 1008.0 and kept.loc["2", "price"] == 7.0


def test_quarantine_keeps_the_whole_original_row(spark, store, dirty_csv):
    import json

    catalog = dirty_catalog_settings(dirty_csv)
    run_ingest(spark, store, read_source(spark, catalog, SyntheticSettings()), catalog,
               IngestSettings(max_title_chars=100))
    quarantine = store.read("quarantine")
    assert [f.name for f in quarantine.schema] == [f.name for f in QUARANTINE]
    rows = quarantine.toPandas().set_index("reason")
    raw = json.loads(rows.loc["bad_number:price", "raw"])
    assert raw == {"product_id": "8", "marketplace": "uk", "product_group": "toys",
                   "title": "Puzzle", "price": "twelve"}


def test_duplicates_are_resolved_deterministically(spark, store, dirty_csv):
    catalog = dirty_catalog_settings(dirty_csv)
    kept_titles = []
    for partitions in (1, 4):
        raw = read_source(spark, catalog, SyntheticSettings()).repartition(partitions)
        run_ingest(spark, store, raw, catalog, IngestSettings(max_title_chars=100))
        kept_titles.append(store.read_pandas("catalog").set_index("product_id").loc["1", "title"])
    assert kept_titles[0] == kept_titles[1]


def test_rerun_gives_same_counts_and_a_new_version(spark, store, dirty_csv):
    catalog = dirty_catalog_settings(dirty_csv)
    first = run_ingest(spark, store, read_source(spark, catalog, SyntheticSettings()), catalog,
                       IngestSettings(max_title_chars=100))
    second = run_ingest(spark, store, read_source(spark, catalog, SyntheticSettings()), catalog,
                        IngestSettings(max_title_chars=100))
    assert (second.kept, second.quarantined) == (first.kept, first.quarantined)
    assert second.catalog_version == first.catalog_version + 1
    assert store.read("catalog").count() == first.kept


@pytest.mark.parametrize("name, source_rows", [
    ("amazon_in", lambda d: len(pd.read_csv(d / "amazon_in_products_2023_trim/Amazon-Products.csv"))),
    ("myntra", lambda d: len(pd.read_csv(d / "myntra_catalog/myntra_products_catalog.csv"))),
    ("instacart", lambda d: len(pd.read_csv(d / "instacart_products/products_joined.csv"))),
])
def test_shared_real_catalogs_ingest_by_conf_alone(spark, store, shared_data, monkeypatch, name,
                                                   source_rows):
    monkeypatch.setenv("MRNET_SHARED_DATA", str(shared_data))
    cfg = load_config(PipelineConfig, catalog=name)
    raw = read_source(spark, cfg.catalog, cfg.synthetic)
    summary = run_ingest(spark, store, raw, cfg.catalog, cfg.ingest)
    assert summary.rows_in == source_rows(shared_data)
    assert summary.kept + summary.quarantined == summary.rows_in
    assert summary.kept > 0.85 * summary.rows_in
    catalog = store.read_pandas("catalog")
    assert catalog.title.str.len().min() > 0
    assert catalog.product_group.nunique() >= 5
    if "price" in cfg.catalog.attributes:
        assert catalog.price.dropna().gt(0).mean() > 0.99


def test_ingest_job_through_spark_submit(tmp_path, dirty_csv):
    """The real entry point: spark-submit jobs/ingest.py with a catalog conf file."""
    conf = tmp_path / "dirty.yaml"
    conf.write_text(
        "catalog:\n  name: dirty\n  format: csv\n"
        f"  path: {dirty_csv}\n"
        "  columns: {product_id: product_id, marketplace: marketplace, product_group: product_group,"
        " title: title, description: description}\n"
        "  product_groups: [toys]\n  marketplaces: {uk: en, fr: fr}\n"
        "  attributes: {price: {expr: price, type: number}}\n")
    spark_submit = Path(sys.executable).parent / "spark-submit"
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    result = subprocess.run(
        [str(spark_submit), "--master", "local[1]", str(ROOT / "jobs" / "ingest.py"),
         "--catalog", str(conf), "--set", f"storage.root={tmp_path / 'wh'}",
         "--set", "ingest.max_title_chars=100"],
        capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "rows in                12" in result.stdout
    assert "kept                    3" in result.stdout
    runs = list((tmp_path / "wh" / "runs" / "ingest").glob("*/config.yaml"))
    assert len(runs) == 1 and "name: dirty" in runs[0].read_text()


def test_a_conf_expression_that_does_not_fit_the_source_fails_at_start_naming_its_key(spark):
    from mrnet.catalog import map_to_contract
    from mrnet.configuration import ConfigError

    raw = spark.createDataFrame([("a1", "Red chair")], "asin string, name string")
    columns = {"product_id": "asin", "marketplace": "'uk'", "product_group": "'toys'", "title": "nmae"}
    catalog = CatalogSettings(name="t", format="csv", path="x.csv", columns=columns)
    with pytest.raises(ConfigError, match=r"catalog.columns.title: 'nmae' does not fit the source"):
        map_to_contract(raw, catalog, IngestSettings())
    bad_attribute = CatalogSettings(name="t", format="csv", path="x.csv", columns={**columns, "title": "name"},
                                    attributes={"price": AttributeSpec(expr="price *", type="number")})
    with pytest.raises(ConfigError, match=r"catalog.attributes.price.expr"):
        map_to_contract(raw, bad_attribute, IngestSettings())
    good = CatalogSettings(name="t", format="csv", path="x.csv", columns={**columns, "title": "name"})
    assert map_to_contract(raw, good, IngestSettings()).select("title").first()[0] == "Red chair"
