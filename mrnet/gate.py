"""The quality gate: a retrained model version is published only if it is not worse than the one
scoring uses now.

Training leaves its version as the *candidate* (``models/candidate.json``); the autoencoders are
trained for it; the gate then compares the candidate's training manifests with the current
version's, group by group and task by task, on each task's validation metric:

* a group or a task the current version has and the candidate lacks is a failure (e.g. a
  catalog that lost most of its labels: the task no longer has ``labels.min_labelled``
  products);
* a metric that fell by more than ``publish.max_regression[metric]`` (AUC, accuracy and R² in
  absolute points; the TF-IDF decoder's MSE relative to the current one), and by more than two
  standard errors of the validation estimate for AUC and accuracy (small validation sets are
  noisy), is a failure.

With ``publish.downstream_sample`` > 0 the evaluation tasks of the catalog (``cv`` protocol)
count too: logistic regression in 3-fold CV on each version's vectors of up to that many
labelled products, the same products and folds for both, judged by the same rule.

The first version (nothing published yet) is gated on its own training metrics: at least
``publish.min_beating_baseline`` of its tasks must beat their trivial baselines. The verdict is
written to ``models/<candidate>/gate.md`` and ``gate.json``.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from mrnet.evaluation.markdown import markdown_table
from mrnet.modelstore import group_manifests
from mrnet.modelstore.atomic import write_atomic
from mrnet.modelstore.layout import GATE_JSON, GATE_MD
from mrnet.quality import quality_rows

LOWER_IS_BETTER = {"mse"}


@dataclass
class Verdict:
    candidate: str
    current: str | None
    failures: list[dict] = field(default_factory=list)
    compared: int = 0
    forced: bool = False

    @property
    def passed(self) -> bool:
        return self.forced or not self.failures

    def line(self) -> str:
        against = f"against {self.current}" if self.current else "first version: its own training metrics"
        state = "published" if self.passed else "REFUSED"
        forced = " (forced: --force-publish)" if self.forced and self.failures else ""
        return (f"gate: {self.candidate} {state}{forced} ({against}; {self.compared} task metrics "
                f"compared; {len(self.failures)} failures, lost groups and tasks included)")


def task_metrics(paths, model_version: str) -> dict[tuple[str, str], dict]:
    """{(group, task): {metric, value, baseline, beats_baseline, n}} of a version's manifests."""
    out = {}
    for manifest in group_manifests(paths, model_version):
        group = f"{manifest['marketplace']}/{manifest['product_group']}"
        for row in quality_rows(group, manifest["tasks"], manifest["metrics"]):
            out[(group, row["task"])] = {**row, "n": manifest["metrics"][row["task"]]["n"]}
        out.setdefault((group, None), {"group": group})       # the group itself, tasks or not
    return out


def judge(paths, candidate: str, current: str | None, settings, downstream: dict | None = None) -> Verdict:
    """The verdict on ``candidate`` against ``current`` (None: nothing published yet);
    ``downstream`` {task: {version: row}} adds the evaluation tasks (group ``downstream``)."""
    old = task_metrics(paths, current) if current not in (None, candidate) else None
    new = task_metrics(paths, candidate)
    for task, rows in (downstream or {}).items():
        if old is not None and candidate in rows and current in rows:
            new[("downstream", task)] = {"group": "downstream", "task": task, **rows[candidate]}
            old[("downstream", task)] = {"group": "downstream", "task": task, **rows[current]}
    return compare(candidate, current, new, old, settings)


def compare(candidate: str, current: str | None, new: dict, old: dict | None, settings) -> Verdict:
    """The verdict from two versions' :func:`task_metrics` (``old`` None: a first version)."""
    if old is None:
        return _first_version(candidate, current, new, settings)
    verdict = Verdict(candidate, current)
    for key, before in sorted(old.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        group, task = key
        if key not in new:
            what = "group" if task is None else "task"
            verdict.failures.append({"group": group, "task": task or "-", "metric": "-",
                                     "current": "present", "candidate": f"missing {what}", "allowed": "-"})
            continue
        if task is None:
            continue
        verdict.compared += 1
        failure = _regression(group, task, before, new[key], settings.max_regression)
        if failure:
            verdict.failures.append(failure)
    return verdict


def _first_version(candidate: str, current: str | None, new: dict, settings) -> Verdict:
    verdict = Verdict(candidate, current)
    rows = [r for (_, task), r in new.items() if task is not None]
    verdict.compared = len(rows)
    beating = sum(r["beats_baseline"] for r in rows) / max(1, len(rows))
    if beating < settings.min_beating_baseline:
        verdict.failures.append({"group": "all", "task": "all", "metric": "share beating baseline",
                                 "current": "-", "candidate": round(beating, 3),
                                 "allowed": f">= {settings.min_beating_baseline}"})
    return verdict


def _regression(group: str, task: str, before: dict, after: dict, max_regression: dict) -> dict | None:
    metric = before["metric"]
    if after["metric"] != metric:
        return None          # e.g. a binary task whose validation lost one class: AUC -> accuracy
    tolerance = max_regression.get(metric, 0.0)
    if metric in LOWER_IS_BETTER:
        allowed = before["value"] * (1 + tolerance)
        failed = after["value"] > allowed
    else:
        noise = 2 * math.sqrt(0.25 / max(1, after["n"])) if metric in ("auc", "accuracy") else 0.0
        allowed = before["value"] - max(tolerance, noise)
        failed = after["value"] < allowed
    if not failed:
        return None
    return {"group": group, "task": task, "metric": metric, "current": before["value"],
            "candidate": after["value"], "allowed": round(allowed, 4)}


def write_verdict(paths, verdict: Verdict) -> Path:
    folder = Path(paths.model_version(verdict.candidate))
    header = ["group", "task", "metric", "current", "candidate", "allowed"]
    lines = [f"# Quality gate of {verdict.candidate}", "", verdict.line(), ""]
    if verdict.failures:
        lines += ["Failed:", "", markdown_table(header, [[f[h] for h in header] for f in verdict.failures]), ""]
    write_atomic(folder / GATE_MD, "\n".join(lines))
    write_atomic(folder / GATE_JSON, json.dumps({
        "candidate": verdict.candidate, "current": verdict.current, "passed": verdict.passed,
        "forced": verdict.forced, "compared": verdict.compared, "failures": verdict.failures}, indent=2))
    return folder / GATE_MD


def read_verdict(paths, model_version: str) -> dict | None:
    path = Path(paths.model_version(model_version)) / GATE_JSON
    return json.loads(path.read_text()) if path.exists() else None


__all__ = ["Verdict", "judge", "compare", "write_verdict", "read_verdict", "task_metrics"]


# ---------------------------------------------------------------- downstream tasks (a fast subset)

def downstream_sample(catalog, task, size: int):
    """``marketplace, product_group, title, y`` of at most ``size`` products labelled for an
    evaluation task (a stable-hash sample drawn by Spark), as pandas."""
    from pyspark.sql import functions as F

    rows = catalog.filter(F.col(task.column).isNotNull() & F.col("title").isNotNull())
    if task.scope == "group":
        rows = rows.filter(F.col("product_group") == task.group)
    if task.marketplace:
        rows = rows.filter(F.col("marketplace") == task.marketplace)
    rows = rows.select("marketplace", "product_group", "product_id", "title", F.col(task.column).alias("y"))
    return rows.orderBy(F.crc32("product_id"), "product_id").limit(size).toPandas()


def downstream_metrics(root: str, data, task, versions: list[str], folds: int = 3) -> dict[str, dict]:
    """{version: a task_metrics row} of logistic regression on each version's vector of the task's
    scope (``embedding`` across groups, ``embedding_pg`` within one), on the same products and
    folds; products either version cannot embed are left out of both."""
    import numpy as np

    from mrnet.evaluation.classifiers import compare_on_task
    from mrnet.ondemand import Embedder

    column = "embedding_pg" if task.scope == "group" else "embedding"
    vectors = {}
    for version in versions:
        embedder, found = Embedder.load(root, version, stable=False), [None] * len(data)
        for (marketplace, group), part in data.groupby(["marketplace", "product_group"]).indices.items():
            embedded = embedder.embed(data.title.iloc[part], marketplace, group)[column].tolist()
            for row, vector in zip(part, embedded):
                found[row] = vector
        vectors[version] = found
    keep = [i for i in range(len(data)) if all(vectors[v][i] is not None for v in versions)]
    if len(keep) < 10 * folds:
        return {}
    titles, y = data.title.iloc[keep].tolist(), data.y.astype(str).iloc[keep].to_numpy()
    out = {}
    for version in versions:
        x = np.stack([vectors[version][i] for i in keep])
        result = compare_on_task(x, titles, y, task.kind, folds=folds, classifiers=("logreg",))
        metric = "auc" if task.kind == "binary" else "accuracy"
        out[version] = {"metric": metric, "value": round(result["scores"]["mrnet_logreg"]["mean"], 4),
                        "baseline": 0.5, "beats_baseline": True, "n": len(keep)}
    return out
