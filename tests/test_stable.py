"""Version-stable vectors: a retrained version's vectors are rotated into the space of the table
it replaces, so a classifier trained on last version's vectors keeps its accuracy."""
from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from mrnet.retrieval import procrustes_fit

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def test_an_uncentred_procrustes_map_is_a_rotation_that_undoes_one():
    rng = np.random.default_rng(0)
    old = rng.normal(size=(500, 16))
    rotation, _ = np.linalg.qr(rng.normal(size=(16, 16)))
    new = old @ rotation.T + 0.01 * rng.normal(size=old.shape)
    fitted = procrustes_fit(new, old, centre=False)
    assert np.allclose(fitted.W @ fitted.W.T, np.eye(16), atol=1e-8)      # distances are kept
    assert np.abs(new @ fitted.W - old).max() < 0.1
    assert not fitted.mean_a.any() and not fitted.mean_b.any()


def test_a_classifier_on_last_versions_vectors_keeps_its_accuracy_in_the_stable_space(
        small_pipeline, spark, tmp_path, capsys):
    from mrnet import Embedder
    from mrnet.modelstore import current_model_version, has_stable_maps
    from mrnet.nightly import run_chain
    from catalog_edits import drop_training_labels
    from mrnet.storage import TableStore

    cfg, store, _ = small_pipeline
    shutil.copytree(store.paths.root, tmp_path / "wh")
    cfg = replace(cfg, storage=replace(cfg.storage, root=str(tmp_path / "wh")),
                  train=replace(cfg.train, seed=1), publish=replace(cfg.publish, force=True))
    # (another seed too, and the gate forced: the space must move, whatever the metrics did)
    warehouse = TableStore(spark, cfg.storage)
    before = current_model_version(warehouse.paths)
    # slightly changed data: 5% of the products lose their training labels
    drop_training_labels(spark, warehouse, cfg, share=0.05, seed=1)
    run_chain(spark, warehouse, cfg, only=["labels", "train", "agnostic", "align", "gate", "score",
                                           "neighbours"])
    after = current_model_version(warehouse.paths)
    assert after != before and has_stable_maps(warehouse.paths, after)
    printed = capsys.readouterr().out
    assert "rotated onto" in printed and "drift: mean cosine" in printed

    # the drift report of the publish: every group, figures in range, stable vectors closer than raw
    drift = Path(warehouse.paths.reports(after, cfg.catalog.name))
    assert (drift / "drift.png").exists()
    report = (drift / "drift.md").read_text()
    groups = store.read_pandas("embeddings", columns=["marketplace", "product_group"]).drop_duplicates()
    assert all(f"| {m} | {g} |" in report for m, g in zip(groups.marketplace, groups.product_group))

    labels = store.read_pandas("catalog", columns=["marketplace", "product_id", "title", "has_plug"])

    def rows(table):     # the labels of the unchanged catalog for both (has_plug may be a training column)
        found = table.read_pandas("embeddings").merge(labels, on=["marketplace", "product_id"])
        found = found[(found.marketplace == "uk") & (found.status == "ok") & found.has_plug.notna()]
        return found.sort_values("product_id").reset_index(drop=True)

    old, new = rows(store), rows(warehouse)
    assert old.product_id.tolist() == new.product_id.tolist()
    assert set(new.model_version) == {after}
    raw = Embedder.load(warehouse.paths.root, stable=False)
    x_new = np.stack(new.embedding.to_numpy())
    unmapped = np.zeros_like(x_new)
    for group, part in new.groupby("product_group"):
        unmapped[part.index] = np.stack(raw.embed(part.title, "uk", group).embedding.to_numpy())

    y = old.has_plug.astype(bool).to_numpy()
    train = np.random.default_rng(0).random(len(y)) < 0.7
    x_old = np.stack(old.embedding.to_numpy())
    model = LogisticRegression(max_iter=2000).fit(x_old[train], y[train])
    auc = {name: round(roc_auc_score(y[~train], model.decision_function(x[~train])), 3)
           for name, x in (("version N", x_old), ("N+1 stable space", x_new),
                           ("N+1 unmapped", unmapped))}
    print("AUC of a classifier trained on version N's vectors:", auc)
    assert auc["N+1 stable space"] > auc["version N"] - 0.05
    assert auc["N+1 unmapped"] < auc["N+1 stable space"] - 0.1
