"""The quality gate: its rules on plain metric tables, and a retrain on a catalog that lost most of
its labels, which the gate refuses while the published version stays current."""
from __future__ import annotations

import copy
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from mrnet.configuration.schema import PublishSettings
from mrnet.errors import BadSelection
from mrnet.gate import compare

SETTINGS = PublishSettings()


def metrics(rows):
    """{(group, task): row} as task_metrics gives it, from (group, task, metric, value, n)."""
    out = {}
    for group, task, metric, value, n in rows:
        out[(group, task)] = {"group": group, "task": task, "metric": metric, "value": value,
                              "baseline": 0.5, "beats_baseline": value > 0.5, "n": n}
        out[(group, None)] = {"group": group}
    return out


CURRENT = metrics([("uk/toys", "color", "accuracy", 0.80, 2000), ("uk/toys", "price", "r2", 0.40, 2000),
                   ("uk/toys", "tfidf", "mse", 0.010, 2000), ("fr/toys", "hazardous", "auc", 0.90, 400)])


def test_an_equal_or_better_candidate_passes():
    better = metrics([("uk/toys", "color", "accuracy", 0.81, 2000), ("uk/toys", "price", "r2", 0.39, 2000),
                      ("uk/toys", "tfidf", "mse", 0.0102, 2000), ("fr/toys", "hazardous", "auc", 0.89, 400),
                      ("fr/toys", "new_task", "auc", 0.7, 400)])
    verdict = compare("mv-new", "mv-old", better, CURRENT, SETTINGS)
    assert verdict.passed and verdict.compared == 4 and verdict.failures == []


def test_a_regression_beyond_the_tolerance_or_a_lost_task_fails():
    worse = metrics([("uk/toys", "color", "accuracy", 0.70, 2000), ("uk/toys", "price", "r2", 0.30, 2000),
                     ("uk/toys", "tfidf", "mse", 0.012, 2000)])
    verdict = compare("mv-new", "mv-old", worse, CURRENT, SETTINGS)
    failed = {(f["group"], f["task"]): f for f in verdict.failures}
    assert not verdict.passed
    assert set(failed) == {("uk/toys", "color"), ("uk/toys", "price"), ("uk/toys", "tfidf"),
                           ("fr/toys", "hazardous"), ("fr/toys", "-")}
    assert failed[("fr/toys", "-")]["candidate"] == "missing group"
    assert failed[("uk/toys", "color")]["allowed"] == pytest.approx(0.80 - 2 * (0.25 / 2000) ** 0.5, abs=1e-4)
    assert failed[("uk/toys", "tfidf")]["allowed"] == pytest.approx(0.0105)
    forced = compare("mv-new", "mv-old", worse, CURRENT, replace(SETTINGS, force=True))
    forced.forced = True
    assert forced.passed and "forced" in forced.line()


def test_small_validation_sets_get_a_noise_allowance():
    # 400 validation rows: two standard errors of an AUC are ~0.05, more than the 0.02 tolerance
    noisy = copy.deepcopy(CURRENT)
    noisy[("fr/toys", "hazardous")]["value"] = 0.86
    assert compare("mv-new", "mv-old", noisy, CURRENT, SETTINGS).passed
    noisy[("fr/toys", "hazardous")]["value"] = 0.84
    assert not compare("mv-new", "mv-old", noisy, CURRENT, SETTINGS).passed


def test_a_first_version_is_judged_on_its_own_baselines():
    assert compare("mv-1", None, CURRENT, None, SETTINGS).passed
    weak = metrics([("uk/toys", "color", "accuracy", 0.4, 100), ("uk/toys", "size", "accuracy", 0.45, 100),
                    ("uk/toys", "price", "r2", 0.6, 100)])
    verdict = compare("mv-1", None, weak, None, SETTINGS)
    assert not verdict.passed and verdict.failures[0]["candidate"] == pytest.approx(1 / 3, abs=1e-3)


@pytest.mark.spark
@pytest.mark.slow
def test_a_retrain_on_a_catalog_that_lost_its_labels_is_refused(small_pipeline, spark, tmp_path):
    from mrnet.modelstore import candidate_model_version, current_model_version
    from mrnet.nightly import run_chain
    from catalog_edits import drop_training_labels
    from mrnet.storage import TableStore

    cfg, store, _ = small_pipeline
    shutil.copytree(store.paths.root, tmp_path / "wh")
    cfg = replace(cfg, storage=replace(cfg.storage, root=str(tmp_path / "wh")))
    warehouse = TableStore(spark, cfg.storage)
    published = current_model_version(warehouse.paths)
    embeddings_version = warehouse.version("embeddings")

    drop_training_labels(spark, warehouse, cfg, share=0.98, seed=0)

    outcomes = run_chain(spark, warehouse, cfg, only=["corpus", "word2vec", "labels", "train", "agnostic",
                                                 "align", "gate", "score"])
    gate = next(o for o in outcomes if o.stage == "gate")
    assert gate.refusal is not None and gate.refusal.exit_code == 5
    candidate = gate.refusal.summary["candidate"]
    assert candidate != published and current_model_version(warehouse.paths) == published
    assert candidate_model_version(warehouse.paths) == candidate     # pending: publish by hand
    verdict = (Path(warehouse.paths.model_version(candidate)) / "gate.md").read_text()
    assert "REFUSED" in verdict and "missing task" in verdict
    scored = warehouse.read_pandas("embeddings", columns=["model_version"])
    assert set(scored.model_version) == {published}      # scoring kept the published version
    assert warehouse.read_pandas("embeddings").shape == store.read_pandas("embeddings").shape
    assert warehouse.version("embeddings") >= embeddings_version

    # the downstream part of the verdict: both versions on the same products of an evaluation task
    from mrnet.gate import downstream_metrics, downstream_sample

    # (the candidate lacks most groups' models, so the published version is measured alone here)
    task = cfg.evaluate.tasks["plugs"]
    measured = downstream_metrics(store.paths.root, downstream_sample(store.read("catalog"), task, 600),
                                  task, [published])
    assert measured[published]["n"] >= 300 and measured[published]["metric"] == "auc"
    assert 0.55 < measured[published]["value"] <= 1.0

    # the history job: the refused version is listed as such, can be published by hand and rolled back
    from mrnet import modelhistory
    from mrnet.modelstore import RunRecord
    from mrnet.stages import manage_models

    def models(command, *versions):
        job = replace(cfg, models=replace(cfg.models, command=command, versions=list(versions)))
        return manage_models(None, warehouse, job, RunRecord.start("test", job))

    listed = "\n".join(modelhistory.list_lines(warehouse.paths))
    assert f"| * | {published} |" in listed and f"| {candidate} |" in listed and "refused" in listed
    assert "missing" in "\n".join(modelhistory.diff_lines(warehouse.paths, published, candidate))
    models("publish", candidate)
    assert current_model_version(warehouse.paths) == candidate
    models("rollback")
    assert current_model_version(warehouse.paths) == published
    with pytest.raises(BadSelection):
        models("show")


@pytest.mark.spark
@pytest.mark.slow
def test_a_nightly_is_recorded_as_an_mlflow_run(small_pipeline, tmp_path):
    from mlflow.tracking import MlflowClient

    from mrnet.modelstore import RunRecord, current_model_version
    from mrnet.tracking import track_nightly

    cfg, store, outcomes = small_pipeline
    uri = f"file://{tmp_path}/mlruns"
    cfg = replace(cfg, tracking=replace(cfg.tracking, mlflow=True, uri=uri))
    run_id = track_nightly(cfg, store, outcomes, RunRecord.start("nightly", cfg))
    run = MlflowClient(tracking_uri=uri).get_run(run_id)
    version = current_model_version(store.paths)
    assert run.data.tags["mrnet.model_version"] == version
    assert run.data.tags["mrnet.table.embeddings"] == str(store.version("embeddings"))
    assert run.data.params["train.hidden"] == str(cfg.train.hidden)
    assert run.data.metrics["stage/score/count"] == outcomes[[o.stage for o in outcomes].index("score")].count
    assert any(k.startswith("train/uk/toys/") for k in run.data.metrics)
    assert any(k.startswith("eval/plugs/mrnet_logreg") for k in run.data.metrics)
    artifacts = {a.path for a in MlflowClient(tracking_uri=uri).list_artifacts(run_id)}
    assert {"quality.md", "gate.md", "report.md"} <= artifacts
