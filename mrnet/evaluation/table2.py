"""The paper's Table 2 as Markdown, and the display names of representation x classifier keys
(shared by the table and the plots)."""
from __future__ import annotations

import math
from typing import Iterable

from mrnet.evaluation.classifiers import CLASSIFIERS, TEXT_REPRESENTATIONS
from mrnet.evaluation.markdown import markdown_table

__all__ = ["DISPLAY_NAMES", "result_columns", "table2_markdown"]

# display names, in table and plot order; a representation not named here shows its own name
DISPLAY_NAMES = {"mrnet": "MRNet", "mrnet_pg": "MRNet group", "w2v_mean": "w2v mean",
                 "lsa": "LSA-256", "tfidf": "TF-IDF"}
_CLASSIFIER_NAMES = {"logreg": "LR", "forest": "RF"}


def result_columns(results: Iterable[dict]) -> list[tuple[str, str]]:
    """(result key, display name) of every representation x classifier present in ``results``
    (dicts with ``scores``), in :data:`DISPLAY_NAMES` order, then the others by name."""
    keys = {k for r in results for k in r.get("scores", r.get("curves", {}))}
    reps = sorted({k.rsplit("_", 1)[0] for k in keys},
                  key=lambda r: (list(DISPLAY_NAMES).index(r) if r in DISPLAY_NAMES else 99, r))
    return [(f"{r}_{c}", f"{DISPLAY_NAMES.get(r, r)} {_CLASSIFIER_NAMES[c]}")
            for r in reps for c in CLASSIFIERS if f"{r}_{c}" in keys]


def _cell(entry: dict | None, folds: int) -> str:
    if entry is None or not math.isfinite(entry["mean"]):
        return "–"
    return f"{entry['mean']:.3f}" + (f" ± {entry['std']:.3f}" if folds > 1 else "")


def _pct(v) -> str:
    return "–" if v is None or not math.isfinite(v) else f"{v:+.2f}%"


def _table2_row(task: str, res: dict, columns: list[tuple[str, str]]) -> list[str]:
    folds = int(res.get("folds", 1))
    scores, rel = res["scores"], res.get("relative_change_pct", {})
    metric = res["metric"] + (f" ({folds}-fold CV)" if folds > 1 else " (fixed split)")
    dense = "+".join(str(d) for r, d in res["dims"].items() if r not in (*TEXT_REPRESENTATIONS, "tfidf_per_fold"))
    row = [task, metric, str(res["n"]), f"{dense} / {res['dims']['tfidf']}"]
    row += [_cell(scores.get(key), folds) for key, _ in columns]
    row += [_pct(rel.get(key)) for key, _ in columns if key.startswith("mrnet")]
    return row


def table2_markdown(results: dict[str, dict]) -> str:
    """The paper's Table 2 from ``{task name: compare_on_task / compare_on_split result}``:
    task, metric, N, dims (MRNet / TF-IDF), the mean (± std over folds) of each representation x
    classifier, and the change of each relative to TF-IDF + LR in percent.  Notes (dropped
    classes, non-convergence, ...) follow the table."""
    columns = result_columns(results.values())
    head = (["Task", "Metric", "N", "Dims (dense / TF-IDF)"] + [name for _, name in columns]
            + [f"{name} vs TF-IDF LR" for key, name in columns if key.startswith("mrnet")])
    rows = [_table2_row(task, res, columns) for task, res in results.items()]
    lines = [markdown_table(head, rows, right_aligned=range(3, len(head)))]
    footnotes = [f"- {task}: {note}" for task, res in results.items()
                 for note in dict.fromkeys(res.get("notes", []))]
    if footnotes:
        lines += ["", "Notes:", *footnotes]
    return "\n".join(lines) + "\n"
