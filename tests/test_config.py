"""Layered config: merge order, overrides, and errors that name the key."""
from __future__ import annotations

import re

import pytest

from mrnet.configuration import ConfigError, PipelineConfig, dump_yaml, load_config
from mrnet.configuration.loader import parse_override


def test_defaults_load_and_env_layer_wins():
    cfg = load_config(PipelineConfig, env="local")
    assert cfg.catalog.format == "synthetic"
    assert cfg.spark.conf["spark.ui.enabled"] == "false"          # from conf/local
    assert cfg.spark.conf["spark.sql.session.timeZone"] == "UTC"  # from conf/base
    cluster = load_config(PipelineConfig, env="cluster")
    assert cluster.spark.master == ""


def test_set_overrides_with_types_and_spark_keys():
    cfg = load_config(PipelineConfig, overrides=[
        "synthetic.rows=1234", "synthetic.pair_fraction=0.5",
        "spark.conf.spark.sql.shuffle.partitions=3"])
    assert cfg.synthetic.rows == 1234 and cfg.synthetic.pair_fraction == 0.5
    assert cfg.spark.conf["spark.sql.shuffle.partitions"] == "3"
    assert parse_override("a.b=true") == {"a": {"b": True}}


def test_the_paper_preset_layers_over_the_catalog_and_under_set():
    from mrnet.cli import job_parser, load_job_config

    default = load_config(PipelineConfig, catalog="amazon_in")
    args = job_parser("x").parse_args(["--catalog", "amazon_in", "--preset", "paper",
                                       "--set", "train.max_steps=7"])
    paper = load_job_config(args)
    assert (default.train.hidden, default.train.pooling) == (128, "max")
    assert (paper.train.hidden, paper.train.pooling, paper.train.max_steps) == (64, "last", 7)
    assert (paper.word2vec.oov, paper.align.method, paper.agnostic.min_steps) == ("drop", "mmae", 0)
    assert paper.catalog.name == "amazon_in"      # the catalog's sections stay
    with pytest.raises(ConfigError, match="known presets: \\['paper'\\]"):
        load_config(PipelineConfig, presets=["fast"])


@pytest.mark.parametrize("override, message", [
    ("synthetic.rowz=5", "unknown key 'synthetic.rowz' (did you mean 'synthetic.rows'?)"),
    ("synthetic.rows=many", "synthetic.rows: expected an integer"),
    ("storage.engine=hive", "storage.engine: expected one of"),
    ("ingest.max_title_chars=true", "ingest.max_title_chars: expected an integer"),
    ("nonsense.key=1", "unknown key 'nonsense'"),
    ("catalog.attributes.price.currency=XYZ", "currency='XYZ' must be one of ['AUD', 'CAD'"),
    ("ingest.min_kept_fraction=1.5", "min_kept_fraction=1.5 must be in [0, 1]"),
    ("align.method=clip", "align.method: expected one of ['contrastive', 'mmae'], got 'clip'"),
])
def test_bad_values_fail_naming_the_key(override, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(PipelineConfig, overrides=[override])


def test_missing_required_value_names_the_key(tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "c.yaml").write_text("catalog:\n  name: x\n  format: csv\n")
    with pytest.raises(ConfigError, match="missing required key 'catalog.columns'"):
        load_config(PipelineConfig, env="", conf_dir=tmp_path)


def test_catalog_file_replaces_the_catalog_section_and_env_vars_expand(monkeypatch):
    monkeypatch.setenv("MRNET_SHARED_DATA", "/data/here")
    cfg = load_config(PipelineConfig, catalog="instacart")
    assert cfg.catalog.name == "instacart"
    assert cfg.catalog.path.startswith("/data/here/")
    assert "color" not in cfg.catalog.attributes          # nothing left from the synthetic one
    assert cfg.storage.root.endswith("instacart")


def test_unknown_catalog_lists_the_known_ones():
    with pytest.raises(ConfigError, match="known catalogs: .*amazon_in"):
        load_config(PipelineConfig, catalog="nope")


def test_resolved_config_round_trips_through_yaml(tmp_path):
    import yaml

    cfg = load_config(PipelineConfig, overrides=["synthetic.rows=99"])
    data = yaml.safe_load(dump_yaml(cfg))
    assert data["synthetic"]["rows"] == 99
    assert data["catalog"]["attributes"]["price"] == {"expr": "price", "type": "number", "currency": None,
                                                      "min": None, "max": None, "integer": False,
                                                      "on_invalid": "quarantine"}


def test_an_unset_environment_variable_without_default_names_the_key(tmp_path, monkeypatch):
    conf = tmp_path / "conf"
    (conf / "base").mkdir(parents=True)
    (conf / "local").mkdir()
    (conf / "base" / "catalog.yaml").write_text(
        "catalog:\n  name: x\n  format: csv\n  path: ${MRNET_TEST_UNSET}/data.csv\n"
        "  columns: {product_id: a, marketplace: b, product_group: c, title: d}\n")
    monkeypatch.delenv("MRNET_TEST_UNSET", raising=False)
    with pytest.raises(ConfigError, match=r"catalog.path: environment variable MRNET_TEST_UNSET"):
        load_config(PipelineConfig, conf_dir=conf)
    monkeypatch.setenv("MRNET_TEST_UNSET", "/data")
    assert load_config(PipelineConfig, conf_dir=conf).catalog.path == "/data/data.csv"


CATALOG_FILE = """catalog:
  name: toys
  format: csv
  path: /data/toys.csv
  columns: {product_id: id, marketplace: "'uk'", product_group: grp, title: name}
  attributes:
    subcategory: {expr: cat}
    color: {expr: colour}
evaluate:
  tasks:
    toy_category: {column: subcategory, kind: multiclass}
"""


def test_a_catalog_file_can_give_its_exact_task_list(tmp_path):
    extending = tmp_path / "extend.yaml"
    extending.write_text(CATALOG_FILE + "tasks:\n  brand: {kind: multiclass, column: brand}\n")
    assert {"color", "subcategory", "tfidf", "brand"} <= set(load_config(PipelineConfig, catalog=str(extending)).tasks)
    exact = tmp_path / "exact.yaml"
    exact.write_text(CATALOG_FILE + "tasks:\n  replace: true\n  colour: {kind: multiclass, column: color}\n"
                                    "  tfidf: {kind: decoding, column: title, vocab_size: 2000}\n")
    cfg = load_config(PipelineConfig, catalog=str(exact))
    assert list(cfg.tasks) == ["colour", "tfidf"] and cfg.tasks["tfidf"].vocab_size == 2000


def test_the_task_plan_names_each_tasks_column_and_warns_of_an_evaluated_label(tmp_path):
    from mrnet.labels import task_plan

    path = tmp_path / "toys.yaml"
    path.write_text(CATALOG_FILE)
    cfg = load_config(PipelineConfig, catalog=str(path))
    plan = task_plan(cfg.tasks, cfg.catalog, cfg.evaluate)
    assert "task color (multiclass) <- column 'color'" in plan
    assert "task subcategory (multiclass) <- column 'subcategory'" in plan
    warning = plan[plan.index("task subcategory (multiclass) <- column 'subcategory'") + 1]
    assert warning.startswith("  warning: column 'subcategory' is also the label of evaluation task(s) ['toy_category']")
    assert "tasks.subcategory.enabled: false" in warning
    assert any(line.startswith("skipped, the catalog has no column for: size (size)") for line in plan)
    assert not any("warning" in line for line in task_plan(cfg.tasks, cfg.catalog, None))
