"""The model versions of a warehouse, for a person (jobs/models.py): list them with their gate
verdicts and lineage, show one, compare two, and move the published pointer by hand.

A version's lineage is what its group manifests record: the input table versions (labels,
label_metadata, corpus) and the word vectors; its resolved conf is ``models/<version>/config.yaml``.
"""
from __future__ import annotations

from pathlib import Path

from mrnet.errors import BadSelection
from mrnet.evaluation.markdown import markdown_table
from mrnet.gate import read_verdict, task_metrics
from mrnet.modelstore import (current_model_version, group_manifests, publications,
                              publish_model_version)
from mrnet.modelstore.layout import CONFIG, GATE_MD, QUALITY, SUMMARY


def versions(paths) -> list[str]:
    """Every model version with at least one trained group, oldest first."""
    root = Path(paths.models())
    found = [p for p in root.iterdir() if (p / "groups").is_dir()] if root.is_dir() else []
    made = lambda p: (p / SUMMARY if (p / SUMMARY).exists() else p).stat().st_mtime   # written once
    return [p.name for p in sorted(found, key=made)]


def _require(paths, version: str) -> None:
    if version not in versions(paths):
        raise BadSelection(f"no model version {version!r} under {paths.models()}; "
                           f"there are {versions(paths)}")


def lineage(paths, version: str) -> dict:
    manifests = group_manifests(paths, version)
    inputs = {tuple(sorted(m["inputs"].items())) for m in manifests}
    return {"groups": len(manifests),
            "inputs": dict(next(iter(inputs))) if len(inputs) == 1 else "differ between groups",
            "word_vectors": sorted({m["word_vectors"]["path"].rsplit("/", 1)[-1] for m in manifests})}


def list_lines(paths) -> list[str]:
    current = current_model_version(paths)
    published = {p["model_version"]: p for p in publications(paths)}
    rows = []
    for version in versions(paths):
        metrics = [r for (_, task), r in task_metrics(paths, version).items() if task is not None]
        verdict = read_verdict(paths, version)
        gate = "-" if verdict is None else ("passed" if verdict["passed"] else
                                            f"refused ({len(verdict['failures'])} failed)")
        info = lineage(paths, version)
        rows.append(["*" if version == current else "", version, info["groups"],
                     f"{sum(r['beats_baseline'] for r in metrics)}/{len(metrics)}", gate,
                     published.get(version, {}).get("published_at", "-"),
                     ", ".join(f"{k}@v{v}" for k, v in info["inputs"].items())
                     if isinstance(info["inputs"], dict) else info["inputs"]])
    header = ["", "version", "groups", "tasks beating baseline", "gate", "last published", "inputs"]
    return [markdown_table(header, rows), "", "* = published (scoring uses it)"]


def show_lines(paths, version: str) -> list[str]:
    _require(paths, version)
    folder = Path(paths.model_version(version))
    info = lineage(paths, version)
    out = [f"# {version}{' (published)' if version == current_model_version(paths) else ''}", "",
           f"groups: {info['groups']}; inputs: {info['inputs']}; word vectors: {info['word_vectors']}",
           f"conf: {folder / CONFIG}", ""]
    for name in (GATE_MD, QUALITY):
        if (folder / name).exists():
            out += [(folder / name).read_text(), ""]
    return out


def diff_lines(paths, a: str, b: str) -> list[str]:
    """Every (group, task) metric of ``a`` beside ``b``'s, with the change."""
    _require(paths, a)
    _require(paths, b)
    left, right = task_metrics(paths, a), task_metrics(paths, b)
    rows = []
    for key in sorted(set(left) | set(right), key=lambda k: (k[0], k[1] or "")):
        group, task = key
        if task is None:
            continue
        before, after = left.get(key), right.get(key)
        metric = (before or after)["metric"]
        change = round(after["value"] - before["value"], 4) if before and after else "-"
        rows.append([group, task, metric, before["value"] if before else "missing",
                     after["value"] if after else "missing", change])
    return [markdown_table(["group", "task", "metric", a, b, "change"], rows)]


def publish_by_hand(paths, version: str) -> str:
    _require(paths, version)
    before = current_model_version(paths)
    publish_model_version(paths, version, "by hand")
    return f"published {version} (was {before}); the next incremental score rescores every product"


def rollback(paths) -> str:
    """Publish the version that was published before the current one."""
    current = current_model_version(paths)
    earlier = [p["model_version"] for p in publications(paths) if p["model_version"] != current]
    if not earlier:
        raise BadSelection(f"nothing to roll back to: {current} is the only version ever published")
    publish_model_version(paths, earlier[-1], "rollback")
    return f"rolled back to {earlier[-1]} (was {current}); the next incremental score rescores every product"
