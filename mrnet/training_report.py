"""What the training stage prints and writes beside the models: per-group quality against
baselines (``models/<version>/{summary.json,quality.md,config.yaml}``)."""
from __future__ import annotations

import json

import pandas as pd

from mrnet.evaluation.markdown import frame_markdown
from mrnet.modelstore import propose_model_version, write_version_files
from mrnet.paths import Paths
from mrnet.quality import quality_rows

__all__ = ["print_train_outcomes", "manifest_quality_rows", "write_model_version", "quality_markdown"]


def print_train_outcomes(outcomes: pd.DataFrame) -> list[dict]:
    """Print one line per group and the tasks that miss their baseline; return all task rows."""
    rows = []
    for outcome in outcomes.sort_values(["marketplace", "product_group"]).itertuples():
        group = f"{outcome.marketplace}/{outcome.product_group}"
        if outcome.status != "ok":
            print(f"  {group:<22} FAILED: {outcome.error.splitlines()[0]}", flush=True)
            continue
        manifest = json.loads(outcome.manifest)
        tasks = manifest_quality_rows(group, manifest)
        rows += tasks
        _print_group(group, outcome, manifest["training"], tasks)
    return rows


def manifest_quality_rows(group: str, manifest: dict) -> list[dict]:
    """The quality rows of one trained group's manifest, each with its task's example count."""
    tasks = quality_rows(group, manifest["tasks"], manifest["metrics"])
    for task in tasks:
        task["n"] = manifest["metrics"][task["task"]]["n"]
        task["dropped"] = ""
    for task in manifest.get("dropped_tasks", []):
        tasks.append({"group": group, "task": task["task"], "metric": task["metric"], "value": task["value"],
                      "baseline": task["baseline"], "beats_baseline": False, "n": None,
                      "dropped": "dropped: retrained without it"})
    return tasks


def _print_group(group: str, outcome, training: dict, tasks: list[dict]) -> None:
    beaten = sum(t["beats_baseline"] for t in tasks)
    print(f"  {group:<22} {beaten:>2}/{len(tasks)} tasks beat baseline  "
          f"{training['steps']:>5} steps  {training['samples_per_second']:>6} samples/s  "
          f"{outcome.seconds:6.1f}s on {outcome.device}", flush=True)
    for task in tasks:
        if not task["beats_baseline"]:
            verdict = "dropped (below baseline)" if task["dropped"] else "below baseline"
            print(f"      {verdict}: {task['task']} {task['metric']}={task['value']} "
                  f"(baseline {task['baseline']})", flush=True)


def write_model_version(paths: Paths, model_version: str, outcomes: pd.DataFrame,
                        quality: list[dict], run, complete: bool) -> None:
    """``models/<version>/{summary.json,quality.md,config.yaml}``; the version becomes the
    candidate the quality gate judges when every group of a full run trained."""
    groups = outcomes.drop(columns=["manifest"]).to_dict(orient="records")
    table = pd.DataFrame(quality)
    write_version_files(paths, model_version, {"model_version": model_version, "groups": groups},
                        None if table.empty else quality_markdown(table), run.config_yaml)
    if complete and (outcomes.status == "ok").all():
        propose_model_version(paths, model_version)     # the quality gate publishes it


def quality_markdown(table: pd.DataFrame) -> str:
    """``quality.md``: one markdown row per task row of ``table`` ``(tasks, columns)``."""
    return frame_markdown(table) + "\n"
