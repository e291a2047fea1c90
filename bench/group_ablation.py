"""The group-vector levers of issue 12, one group at a time, without the rest of the chain.

    python bench/group_ablation.py OUT.jsonl WAREHOUSE MP/GROUP COLUMN [VARIANT=key=v,key=v ...]
    python bench/group_ablation.py --table OUT.jsonl      # the results as a markdown table

WAREHOUSE is a nightly run that got as far as the label tables (`jobs/nightly.py --stages
ingest,corpus,word2vec,labels`). For each variant (the default settings plus its `train.*`
overrides; `base=` is the defaults) the script trains MP/GROUP's MRNet exactly as the train
job does (`train_one_group`'s data, budget and loop), embeds the group's products and runs the
evaluation's 5-fold logistic regression on catalog column COLUMN, beside TF-IDF and LSA-256 of
the same titles on the same folds. One JSON line per variant: scores, training seconds, steps.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from deltalake import DeltaTable

from mrnet.configuration.schema import TrainSettings
from mrnet.evaluation.classifiers import compare_on_task
from mrnet.groupdata import build_group_data, token_ids
from mrnet.model import encode_numpy
from mrnet.modelstore import current_word_vectors
from mrnet.paths import Paths
from mrnet.storage import read_partition
from mrnet.train import group_budget
from mrnet.training import train_group
from mrnet.wordvectors import WordVectors

SAMPLE = 6000


def parse_variant(spec: str) -> tuple[str, dict]:
    name, _, sets = spec.partition("=")
    overrides = {}
    for item in filter(None, sets.split(",")):
        key, value = item.split("=", 1)
        overrides[key] = json.loads(value) if value[:1] in "0123456789-[{tf" else value
    return name, overrides


def group_inputs(root: str, marketplace: str, group: str):
    paths = Paths(root)
    vectors_info = current_word_vectors(paths.word2vec(marketplace))
    vectors = WordVectors.load(paths.word_vectors(marketplace, vectors_info["version"]))
    partition = {"marketplace": marketplace, "product_group": group}
    read = lambda table, columns=None: read_partition(paths.table(table), None, partition, columns).to_pandas()
    tokens = read("corpus", ["product_id", "title_tokens"])
    data = build_group_data(read("labels"), read("label_metadata"), tokens, vectors, 1_000_000)
    return vectors, tokens, data


def downstream(root: str, marketplace: str, group: str, column: str, tokens, vectors):
    catalog = DeltaTable(Paths(root).table("catalog")).to_pandas(
        columns=["product_id", "marketplace", "product_group", "title", column])
    rows = catalog[(catalog.marketplace == marketplace) & (catalog.product_group == group)
                   & catalog[column].notna()]
    ids = token_ids(tokens, vectors)
    rows = rows[rows.product_id.isin(ids)]
    rows = rows.sample(n=min(SAMPLE, len(rows)), random_state=0).reset_index(drop=True)
    return rows, [ids[p] for p in rows.product_id]


def pretrain(root, marketplace, vectors, settings, steps) -> dict:
    """An encoder trained on every group of the marketplace (each group's tasks as their own
    heads, ``g<i>__<task>``); returns its weights with the heads named per group."""
    meta = DeltaTable(Paths(root).table("label_metadata")).to_pandas(columns=["marketplace", "product_group"])
    groups = sorted(set(meta[meta.marketplace == marketplace].product_group))
    tasks, train, valid, names = [], {}, {}, {}
    for i, group in enumerate(groups):
        _, _, data = group_inputs(root, marketplace, group)
        data = data.with_decoding_objective(settings.decoding_loss)
        for t in data.tasks:
            name = f"g{i}__{t.name}"
            tasks.append(replace(t, name=name))
            train[name], valid[name] = data.train[t.name], data.valid.get(t.name)
            names[name] = (group, t.name)
    valid = {k: v for k, v in valid.items() if v is not None}
    shared = replace(settings, max_steps=steps, eval_every=max(steps // 10, 10))
    with tempfile.TemporaryDirectory() as checkpoints:
        result = train_group(tasks, train, valid, vectors.embedding_matrix(), shared, Path(checkpoints),
                             log=lambda line: None)
    print(f"pretrained on {len(groups)} groups, {len(tasks)} heads: {result.steps} steps, "
          f"{result.seconds:.0f}s, best {result.best_step}", flush=True)
    return result.model.state_for_store(), names


def run_variant(name, overrides, vectors, data, rows, seqs, column_kind, root, group_spec) -> dict:
    overrides = dict(overrides)
    pretrain_steps = overrides.pop("pretrain", 0)
    settings = replace(TrainSettings(), **overrides)
    data = data.with_decoding_objective(settings.decoding_loss)
    started = time.time()
    initial = None
    if pretrain_steps:
        weights, names = pretrain(root, group_spec.split("/")[0], vectors, settings, pretrain_steps)
        group = group_spec.split("/")[1]
        initial = {k: v for k, v in weights.items() if k.startswith("lstm.")}
        for k, v in weights.items():
            head = k.split(".")[1] if k.startswith("heads.") else None
            if head and names[head][0] == group:
                initial[f"heads.{names[head][1]}.{k.split('.')[2]}"] = v
    settings = group_budget(settings, {k: len(v) for k, v in data.train.items()})
    with tempfile.TemporaryDirectory() as checkpoints:
        result = train_group(data.tasks, data.train, data.valid, vectors.embedding_matrix(), settings,
                             Path(checkpoints), log=lambda line: None, initial_weights=initial)
    seconds = time.time() - started
    emb = encode_numpy(result.model, seqs)
    scores = compare_on_task({"mrnet_pg": emb}, rows.title.tolist(), rows.iloc[:, -1].to_numpy(object),
                             column_kind, classifiers=("logreg",), text=("tfidf", "lsa"), n_jobs=2)
    return {"variant": name, "overrides": overrides, "train_seconds": round(seconds, 1),
            "steps": result.steps, "best_step": result.best_step, "n": scores["n"],
            "scores": {k: round(v["mean"], 4) for k, v in scores["scores"].items()},
            "valid": {t: {k: round(v, 4) for k, v in m.items() if isinstance(v, float)}
                      for t, m in result.metrics.items()}}


def main(out: str, root: str, group_spec: str, column: str, variants: list[str]) -> None:
    marketplace, group = group_spec.split("/")
    vectors, tokens, data = group_inputs(root, marketplace, group)
    rows, seqs = downstream(root, marketplace, group, column, tokens, vectors)
    kind = "binary" if rows[column].nunique() == 2 else "multiclass"
    print(f"{group_spec}: {len(rows)} products, {rows[column].nunique()} classes of {column}; "
          f"tasks {[t.name for t in data.tasks]}", flush=True)
    for spec in variants or ["base="]:
        row = {"catalog": root, "group": group_spec, "task": column,
               **run_variant(*parse_variant(spec), vectors, data, rows, seqs, kind, root, group_spec)}
        print(json.dumps(row), flush=True)
        with open(out, "a") as handle:
            handle.write(json.dumps(row) + "\n")


def table(path: str) -> str:
    """The results of ``path`` as a markdown table: a row per variant, a column per group."""
    rows = [json.loads(line) for line in open(path)]
    groups = list(dict.fromkeys(f"{Path(r['catalog']).name} {r['group']} {r['task']}" for r in rows))
    cells: dict = {}
    baselines: dict = {"LSA-256": {}, "TF-IDF": {}}
    for r in rows:
        column = f"{Path(r['catalog']).name} {r['group']} {r['task']}"
        cells.setdefault(r["variant"], {})[column] = f"{r['scores']['mrnet_pg_logreg']:.3f} ({r['train_seconds']:.0f} s)"
        baselines["LSA-256"][column] = f"{r['scores']['lsa_logreg']:.3f}"
        baselines["TF-IDF"][column] = f"{r['scores']['tfidf_logreg']:.3f}"
    cells.update(baselines)
    lines = ["| variant | " + " | ".join(groups) + " |", "|---" * (len(groups) + 1) + "|"]
    for variant, by_group in cells.items():
        lines.append(f"| {variant} | " + " | ".join(by_group.get(g, "") for g in groups) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1] == "--table":
        print(table(sys.argv[2]))
    else:
        main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
