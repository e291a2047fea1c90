"""Optional MLflow tracking of the nightly chain (``tracking.mlflow: true``; needs
``pip install mlflow-skinny``, the project's ``tracking`` extra).

One MLflow run per nightly: the resolved conf as params (dotted keys), every stage's seconds and
count and every task metric (training validation metrics of the published version, the
evaluation's Table-2 scores) as metrics, the model version, the gate verdict and the input table
versions as tags, and ``quality.md``, ``gate.md``, the evaluation and drift reports as artifacts.
``tracking.uri`` '' keeps a file store at ``<storage.root>/mlruns`` (MLflow keeps that backend
in maintenance mode; any database or server URI works the same).
"""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from mrnet.errors import MissingInput

MAX_PARAM_CHARS = 500


def _flatten(value, prefix: str = "") -> dict[str, str]:
    if dataclasses.is_dataclass(value):
        value = dataclasses.asdict(value)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): json.dumps(value, default=str)[:MAX_PARAM_CHARS]}


def _mlflow(cfg, root: str):
    try:
        import mlflow
    except ImportError:
        raise MissingInput("tracking.mlflow is on but MLflow is not installed: "
                           "pip install 'mlflow-skinny==3.17.2' (the project's tracking extra)") from None
    uri = cfg.tracking.uri or f"file://{Path(root).resolve()}/mlruns"
    if uri.startswith("file:") or "://" not in uri:
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(cfg.tracking.experiment)
    return mlflow


def _metrics(store, outcomes, model_version: str | None, catalog: str) -> dict[str, float]:
    from mrnet.gate import task_metrics

    out = {}
    for o in outcomes:
        out[f"stage/{o.stage}/seconds"] = round(o.seconds, 2)
        if o.count is not None:
            out[f"stage/{o.stage}/count"] = o.count
    if model_version:
        for (group, task), row in task_metrics(store.paths, model_version).items():
            if task is not None:
                out[f"train/{group}/{task}/{row['metric']}"] = row["value"]
        report = Path(store.paths.reports(model_version, catalog)) / "report.json"
        if report.exists():
            for task, result in json.loads(report.read_text()).get("tasks", {}).items():
                for key, score in (result.get("cv", result).get("scores") or {}).items():
                    out[f"eval/{task}/{key}"] = score["mean"]
    return {k: float(v) for k, v in out.items() if v == v}       # NaN left out


def _artifacts(store, model_version: str | None, catalog: str) -> list[Path]:
    from mrnet.modelstore.layout import GATE_MD, QUALITY

    if not model_version:
        return []
    version, report = Path(store.paths.model_version(model_version)), Path(store.paths.reports(model_version, catalog))
    found = [version / QUALITY, version / GATE_MD, report / "report.md", report / "drift.md", report / "drift.png"]
    return [p for p in found if p.exists()]


def track_nightly(cfg, store, outcomes, run) -> str | None:
    """Record the nightly as one MLflow run; returns its id (None when tracking is off)."""
    if not cfg.tracking.mlflow:
        return None
    from mrnet.modelstore import current_model_version

    mlflow = _mlflow(cfg, store.paths.root)
    model_version = current_model_version(store.paths)
    tables = ("catalog", "corpus", "labels", "embeddings", "neighbours")
    tags = {"mrnet.run_id": run.run_id, "mrnet.model_version": model_version or "-",
            **{f"mrnet.table.{t}": str(store.version(t)) for t in tables if store.exists(t)},
            "mrnet.gate": "refused" if any(o.refusal for o in outcomes) else "passed or not run"}
    with mlflow.start_run(run_name=f"nightly-{run.run_id}") as active:
        mlflow.set_tags(tags)
        params = _flatten(cfg)
        for start in range(0, len(params), 100):       # MLflow takes at most 100 params a call
            mlflow.log_params(dict(list(params.items())[start:start + 100]))
        mlflow.log_metrics(_metrics(store, outcomes, model_version, cfg.catalog.name))
        for path in _artifacts(store, model_version, cfg.catalog.name):
            mlflow.log_artifact(str(path))
        return active.info.run_id
