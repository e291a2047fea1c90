"""One product group's training data: its slice of the label table → TaskSpec + TaskData.

Plain pandas/numpy (no Spark): runs inside a training task on an executor, or in a test.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mrnet.model import TaskSpec
from mrnet.training import TaskData
from mrnet.wordvectors import WordVectors


@dataclass
class GroupData:
    tasks: list[TaskSpec]
    train: dict[str, TaskData]
    valid: dict[str, TaskData]
    task_info: dict[str, dict]          # class vocabularies, regression statistics, TF-IDF terms
    dropped_no_tokens: int              # labelled products whose title has no known word

    def without(self, names: set[str]) -> "GroupData":
        """The same data without the tasks ``names``."""
        keep = lambda d: {k: v for k, v in d.items() if k not in names}
        return GroupData([t for t in self.tasks if t.name not in names], keep(self.train),
                         keep(self.valid), keep(self.task_info), self.dropped_no_tokens)

    def with_decoding_objective(self, objective: str) -> "GroupData":
        """The same data, its decoding tasks trained with ``objective`` (see ``TaskSpec``)."""
        tasks = [replace(t, objective=objective) if t.kind == "decoding" else t for t in self.tasks]
        return GroupData(tasks, self.train, self.valid, self.task_info, self.dropped_no_tokens)


def task_spec(meta: pd.Series) -> TaskSpec:
    if meta["kind"] == "multiclass":
        dim = len(meta["classes"])
    elif meta["kind"] == "binary":
        dim = 2
    elif meta["kind"] == "regression":
        dim = 1
    else:
        dim = len(meta["terms"])
    return TaskSpec(meta["task"], meta["kind"], dim)


def task_info(meta: pd.Series) -> dict:
    """What scoring and evaluation need to read a head's output back (JSON-able)."""
    info = {"kind": meta["kind"], "column": meta["column"], "n_labelled": int(meta["n_labelled"])}
    if meta["kind"] in ("multiclass", "binary"):
        info["classes"] = list(meta["classes"])
    elif meta["kind"] == "regression":
        info.update(log1p=bool(meta["log1p"]), mean=float(meta["mean"]), std=float(meta["std"]))
    else:
        info["terms"] = list(meta["terms"])
    return info


def token_ids(title_tokens: pd.DataFrame, vectors: WordVectors) -> dict[str, np.ndarray]:
    """product_id → the ids of its title's known words (products with none are left out)."""
    ids = {}
    for product_id, tokens in zip(title_tokens["product_id"], title_tokens["title_tokens"]):
        known = vectors.ids(tokens)
        if len(known):
            ids[product_id] = known
    return ids


def cap_per_task(labels: pd.DataFrame, cap: int) -> pd.DataFrame:
    """At most ``cap`` training rows per task: the ones with the smallest stable hash."""
    if cap <= 0:
        return labels
    rank = labels["product_id"].map(lambda p: zlib.crc32(p.encode()))
    ordered = labels.assign(_rank=rank).sort_values(["task", "_rank"])
    ordered = ordered[ordered.groupby("task").cumcount() < cap]
    return ordered.drop(columns="_rank")


def build_group_data(labels: pd.DataFrame, metadata: pd.DataFrame, title_tokens: pd.DataFrame,
                     vectors: WordVectors, max_samples_per_task: int = 0) -> GroupData:
    """``labels``: the group's rows of the label table; ``metadata``: its label_metadata rows."""
    ids = token_ids(title_tokens, vectors)
    products = {p: i for i, p in enumerate(sorted(ids))}
    known = labels["product_id"].isin(ids)
    dropped = labels.loc[~known, "product_id"].nunique()
    labels = labels[known]
    tasks, info, train, valid = [], {}, {}, {}
    for _, meta in metadata.sort_values("task").iterrows():
        spec = task_spec(meta)
        rows = labels[labels["task"] == spec.name]
        train_rows = cap_per_task(rows[rows["split"] == "train"], max_samples_per_task)
        if train_rows.empty:
            continue
        tasks.append(spec)
        info[spec.name] = task_info(meta)
        train[spec.name] = _task_data(spec, train_rows, ids, products)
        valid[spec.name] = _task_data(spec, rows[rows["split"] == "valid"], ids, products)
    return GroupData(tasks, train, valid, info, int(dropped))


def _task_data(spec: TaskSpec, rows: pd.DataFrame, ids: dict, products: dict) -> TaskData:
    tokens = [ids[p] for p in rows["product_id"]]
    index = rows["product_id"].map(products).to_numpy(np.int64)
    if spec.kind in ("multiclass", "binary"):
        target = rows["class_index"].to_numpy(np.int64)
    elif spec.kind == "regression":
        target = rows["value"].to_numpy(np.float32)
    else:
        target = _csr(rows, spec.dim)
    return TaskData(tokens=tokens, target=target, product_index=index)


def _csr(rows: pd.DataFrame, dim: int) -> sp.csr_matrix:
    lengths = rows["tfidf_indices"].map(len).to_numpy()
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = np.concatenate([np.asarray(i, np.int32) for i in rows["tfidf_indices"]]) if len(rows) else []
    values = np.concatenate([np.asarray(v, np.float32) for v in rows["tfidf_values"]]) if len(rows) else []
    return sp.csr_matrix((values, indices, indptr), shape=(len(rows), dim), dtype=np.float32)
