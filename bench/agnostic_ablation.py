"""What the PG-agnostic autoencoder keeps of the group vectors, per setting (an ablation).

Reads a finished warehouse (its ``agnostic_sample`` and ``catalog`` tables), trains the sparse
autoencoder of one marketplace with each variant of ``agnostic.*`` settings, and scores the
catalog's downstream tasks with logistic regression (5-fold CV) on the agnostic vector beside
the group vector it came from, plus the share of each product's 10 nearest neighbours (within
its group) that the two spaces agree on. No Spark: the tables are read with delta-rs.

    .venv/bin/python bench/agnostic_ablation.py --warehouse /tmp/wh --catalog amazon_in \
        --variant paper: --variant light: agnostic.beta=0.3 agnostic.off_block_weight=0.1 \
        --group-spread 0,1
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace

import deltalake
import numpy as np
import pandas as pd

from mrnet.agnostic import epochs_for
from mrnet.autoencoders import train_sparse_ae
from mrnet.configuration import PipelineConfig, load_config
from mrnet.evaluation.classifiers import compare_on_task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--catalog", default=None)
    parser.add_argument("--marketplace", default=None, help="default: the largest")
    parser.add_argument("--variant", action="append", nargs="+", metavar="NAME: KEY=VALUE",
                        help="a name ending in ':' then agnostic.* overrides (repeatable)")
    parser.add_argument("--tasks", default=None, help="comma-separated evaluate tasks (default: all)")
    parser.add_argument("--group-spread", default=None, metavar="A,B",
                        help="score each trained model at these agnostic.group_spread values too "
                             "(the offsets are set after training, so one training serves all)")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args()
    cfg = load_config(PipelineConfig, catalog=args.catalog)
    sample = deltalake.DeltaTable(f"{args.warehouse}/tables/agnostic_sample").to_pandas()
    marketplace = args.marketplace or sample.marketplace.value_counts().index[0]
    sample = sample[sample.marketplace == marketplace].sort_values("product_id").reset_index(drop=True)
    catalog = deltalake.DeltaTable(f"{args.warehouse}/tables/catalog").to_pandas()
    data = sample.merge(catalog[catalog.marketplace == marketplace], on=["marketplace", "product_id", "product_group"])
    rows = []
    for variant in args.variant or [["paper:"]]:
        name, overrides = variant[0].rstrip(":"), variant[1:]
        settings = load_config(PipelineConfig, catalog=args.catalog, overrides=overrides).agnostic
        settings = replace(settings, epochs=epochs_for(settings, len(data)))
        embed, seconds = _train(data, settings, 2 * cfg.train.hidden)
        spreads = [float(a) for a in args.group_spread.split(",")] if args.group_spread else [settings.group_spread]
        for spread in spreads:
            agnostic = embed(spread)
            for task_name, task in cfg.evaluate.tasks.items():
                if args.tasks and task_name not in args.tasks.split(","):
                    continue
                result = _score_task(data, agnostic, task, cfg.evaluate.seed)
                if result:
                    rows.append({"variant": name + (f"+spread{spread:g}" if args.group_spread else ""),
                                 "overrides": " ".join(overrides), "task": task_name,
                                 "ae_seconds": round(seconds, 1), **result})
                    print(json.dumps(rows[-1]), flush=True)
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    if args.out:
        table.to_json(args.out, orient="records", indent=1)


def _train(data: pd.DataFrame, settings, block_dim: int):
    """(embed(spread) -> the agnostic vectors of every row at that group spread, seconds)."""
    groups = sorted(data.product_group.unique())
    index = {g: i for i, g in enumerate(groups)}
    x = np.stack(data.embedding_pg.to_numpy()).astype(np.float32)
    g = data.product_group.map(index).to_numpy()
    train = np.flatnonzero(data.split.to_numpy() == "train")
    order = np.random.default_rng(settings.seed).permutation(train)

    def batches():
        for start in range(0, len(order), settings.batch_size):
            part = order[start:start + settings.batch_size]
            yield x[part], g[part]

    def embed(spread: float) -> np.ndarray:
        model.spread_groups(batches, spread)
        return model.embed(x, g)

    started = time.time()
    model, _ = train_sparse_ae(batches, len(groups), settings, log=lambda line: None,
                               block_dim=block_dim)
    return embed, time.time() - started


def _score_task(data, agnostic, task, seed) -> dict | None:
    rows = data[data[task.column].notna()]
    if task.scope == "group":
        rows = rows[rows.product_group == task.group]
    if len(rows) < 100 or rows[task.column].nunique() < 2:
        return None
    idx = rows.index.to_numpy()
    pg = np.stack(rows.embedding_pg.to_numpy())
    res = compare_on_task({"mrnet": agnostic[idx], "mrnet_pg": pg}, rows.title.tolist(),
                          rows[task.column].astype(str).to_numpy(), task.kind, folds=5, seed=seed,
                          classifiers=("logreg",), text=("lsa",))
    out = {k: round(v["mean"], 4) for k, v in res["scores"].items()}
    out["n"] = res["n"]
    out["neighbour_agreement@10"] = _neighbour_agreement(rows, agnostic[idx], pg)
    return out


def _neighbour_agreement(rows, a: np.ndarray, b: np.ndarray, k: int = 10) -> float:
    """Mean share of each product's k nearest neighbours (Euclidean, within its group) that the
    agnostic and the group space agree on."""
    shares = []
    for _, part in rows.groupby("product_group").indices.items():
        if len(part) <= k:
            continue
        part = part[:2000]
        na, nb = _knn(a[part], k), _knn(b[part], k)
        shares += [len(set(x) & set(y)) / k for x, y in zip(na, nb)]
    return round(float(np.mean(shares)), 4) if shares else float("nan")


def _knn(x: np.ndarray, k: int) -> np.ndarray:
    sq = (x * x).sum(1)
    d = sq[:, None] + sq[None, :] - 2 * x @ x.T
    np.fill_diagonal(d, np.inf)
    return np.argpartition(d, k, axis=1)[:, :k]


if __name__ == "__main__":
    main()
