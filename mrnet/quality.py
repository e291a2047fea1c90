"""The quality floor of trained models: every task against its trivial baseline."""
from __future__ import annotations


def task_verdict(kind: str, metrics: dict) -> tuple[str, float, float, bool]:
    """(metric name, value, baseline, beats baseline) for one task's validation metrics."""
    if kind in ("multiclass", "binary"):
        value, baseline = metrics["accuracy"], metrics["baseline_accuracy"]
        if kind == "binary" and metrics.get("auc") is not None:
            return "auc", metrics["auc"], 0.5, metrics["auc"] > 0.5
        return "accuracy", value, baseline, value > baseline
    if kind == "regression":
        return "r2", metrics["r2"], metrics.get("baseline_r2", 0.0), metrics["r2"] > metrics.get("baseline_r2", 0.0)
    if "cross_entropy" in metrics:   # the softmax decoding objective
        value, baseline = metrics["cross_entropy"], metrics["baseline_cross_entropy"]
        return "cross_entropy", value, baseline, value < baseline
    return "mse", metrics["mse"], metrics["baseline_mse"], metrics["mse"] < metrics["baseline_mse"]


def evaluable(value) -> bool:
    return value is not None and value == value   # NaN: e.g. no positive in validation


def quality_rows(group: str, tasks: list[dict], metrics: dict) -> list[dict]:
    rows = []
    for task in tasks:
        name = task["name"]
        if name not in metrics or not metrics[name].get("n"):
            continue
        metric, value, baseline, ok = task_verdict(task["kind"], metrics[name])
        if not evaluable(value):
            continue
        rows.append({"group": group, "task": name, "metric": metric, "value": round(value, 4),
                     "baseline": round(baseline, 4), "beats_baseline": ok})
    return rows
