"""What training prints and writes beside the models: per-group quality against baselines."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from mrnet.modelstore import publish_model_version
from mrnet.paths import Paths
from mrnet.quality import quality_rows


def print_train_outcomes(outcomes: pd.DataFrame) -> list[dict]:
    """Print one line per group and the tasks that miss their baseline; return all task rows."""
    rows = []
    for outcome in outcomes.sort_values(["marketplace", "product_group"]).itertuples():
        group = f"{outcome.marketplace}/{outcome.product_group}"
        if outcome.status != "ok":
            print(f"  {group:<22} FAILED: {outcome.error.splitlines()[0]}", flush=True)
            continue
        manifest = json.loads(outcome.manifest)
        tasks = quality_rows(group, manifest["tasks"], manifest["metrics"])
        for task in tasks:
            task["n"] = manifest["metrics"][task["task"]]["n"]
        rows += tasks
        beaten = sum(t["beats_baseline"] for t in tasks)
        training = manifest["training"]
        print(f"  {group:<22} {beaten:>2}/{len(tasks)} tasks beat baseline  "
              f"{training['steps']:>5} steps  {training['samples_per_second']:>6} samples/s  "
              f"{outcome.seconds:6.1f}s on {outcome.device}", flush=True)
        for task in tasks:
            if not task["beats_baseline"]:
                print(f"      below baseline: {task['task']} {task['metric']}={task['value']} "
                      f"(baseline {task['baseline']})", flush=True)
    return rows


def write_model_version(paths: Paths, model_version: str, outcomes: pd.DataFrame,
                        quality: list[dict], run, complete: bool) -> None:
    """``models/<version>/{summary.json,quality.md,config.yaml}``; ``models/current.json`` when
    every group of a full run trained."""
    folder = Path(paths.model_version(model_version))
    folder.mkdir(parents=True, exist_ok=True)
    groups = outcomes.drop(columns=["manifest"]).to_dict(orient="records")
    (folder / "summary.json").write_text(json.dumps({"model_version": model_version,
                                                     "groups": groups}, indent=2, default=str))
    (folder / "config.yaml").write_text((run.folder / "config.yaml").read_text())
    table = pd.DataFrame(quality)
    if not table.empty:
        (folder / "quality.md").write_text(markdown_table(table))
    if complete and (outcomes.status == "ok").all():
        publish_model_version(paths, model_version)


def markdown_table(table: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(map(str, table.columns)) + " |",
             "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines) + "\n"
