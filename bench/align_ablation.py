"""Which lever makes the cross-language space retrieve (an ablation of ``align.*``).

Reads a finished warehouse (its ``align_pairs_<a>_<b>`` table, and for held-out pairs named by
``evaluate.retrieval_pair_key`` the catalog, corpus and embeddings tables), trains the pair's
aligner with each variant of ``align.*`` settings on the same training pairs, and reports P@1 /
P@10 both directions on the held-out pairs beside the baselines (orthogonal Procrustes on
LSA-256, on the group and on the PG-agnostic vectors, and random). No Spark: the tables are read
with delta-rs.

    .venv/bin/python bench/align_ablation.py --warehouse warehouse/ikea_en_de --catalog ikea_en_de \
        --variant default: --variant paper: align.method=mmae align.input=agnostic align.epochs=30 \
        --variant no_tokens: align.title_buckets=0
"""
from __future__ import annotations

import argparse
import json
import time

import deltalake
import numpy as np

from mrnet.align import aligned_test_codes, train_aligner
from mrnet.configuration import PipelineConfig, load_config
from mrnet.evaluation.crosslingual import retrieval_comparison


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--catalog", default=None)
    parser.add_argument("--variant", action="append", nargs="+", metavar="NAME: KEY=VALUE",
                        help="a name ending in ':' then align.* overrides (repeatable)")
    parser.add_argument("--out", default=None, help="append the results as JSON lines here")
    args = parser.parse_args()
    cfg = load_config(PipelineConfig, catalog=args.catalog)
    side_a, side_b = cfg.align.pairs[0]
    pairs = deltalake.DeltaTable(f"{args.warehouse}/tables/align_pairs_{side_a}_{side_b}").to_pandas()
    train = pair_set(pairs[pairs.split == "train"])
    test, source = held_out(args.warehouse, cfg, pairs, side_a, side_b)
    print(f"{side_a}-{side_b}: {len(train['pair_key']):,} training pairs, {len(test['pair_key']):,} "
          f"held out ({source})", flush=True)
    baselines = retrieval_comparison(train, test, None)
    rows = [{"variant": f"baseline: {name}", **flat(m)} for name, m in baselines.items()]
    for variant in args.variant or [["default:"]]:
        name, overrides = variant[0].rstrip(":"), variant[1:]
        settings = load_config(PipelineConfig, catalog=args.catalog, overrides=overrides).align
        started = time.perf_counter()
        model, _ = train_aligner(train, settings, (side_a, side_b), log=lambda line: None)
        seconds = time.perf_counter() - started
        codes = aligned_test_codes(model, test, settings)
        aligned = retrieval_comparison(train, test, codes)["aligned"]
        rows.append({"variant": name, "overrides": " ".join(overrides), "seconds": round(seconds, 1), **flat(aligned)})
        print(json.dumps(rows[-1]), flush=True)
    for row in rows:
        row.update(catalog=cfg.catalog.name, pair=f"{side_a}-{side_b}", held_out=source,
                   pairs_train=len(train["pair_key"]), pairs_test=len(test["pair_key"]))
    if args.out:
        with open(args.out, "a") as out:
            out.writelines(json.dumps(r) + "\n" for r in rows)
    for row in rows:
        print(f"{row['variant']:<34} {row['p@1 a_to_b']:.3f} {row['p@1 b_to_a']:.3f}   "
              f"p@10 {row['p@10 a_to_b']:.3f} {row['p@10 b_to_a']:.3f}")


def flat(metrics: dict) -> dict:
    return {f"{k} {d}": v for d in ("a_to_b", "b_to_a") for k, v in metrics[d].items()}


def pair_set(frame) -> dict:
    frame = frame.sort_values("pair_key")
    out = {c: frame[c].tolist() for c in frame.columns if not c.startswith(("pg_", "agn_"))}
    out.update({c: np.stack(frame[c].to_numpy()).astype(np.float32)
                for c in frame.columns if c.startswith(("pg_", "agn_"))})
    out["tokens_a"], out["tokens_b"] = [list(t) for t in out["tokens_a"]], [list(t) for t in out["tokens_b"]]
    return out


def held_out(warehouse: str, cfg, pairs, side_a: str, side_b: str):
    """The pairs of evaluate.retrieval_pair_key (from the scored tables), else the align table's
    test split."""
    key = cfg.evaluate.retrieval_pair_key
    if not key:
        return pair_set(pairs[pairs.split == "test"]), "the align stage's test split"
    table = lambda name, cols: deltalake.DeltaTable(f"{warehouse}/tables/{name}").to_pandas(columns=cols)  # noqa: E731
    rows = (table("catalog", ["marketplace", "product_id", "title", key])
            .merge(table("corpus", ["marketplace", "product_id", "title_tokens"]), on=["marketplace", "product_id"])
            .merge(table("embeddings", ["marketplace", "product_id", "status", "embedding_pg", "embedding"]),
                   on=["marketplace", "product_id"]))
    rows = rows[rows[key].notna() & (rows.status == "ok")]
    sides = [rows[rows.marketplace == m].set_index(key)[["title", "title_tokens", "embedding_pg", "embedding"]]
             .set_axis([f"title_{s}", f"tokens_{s}", f"pg_{s}", f"agn_{s}"], axis=1) for m, s in ((side_a, "a"), (side_b, "b"))]
    joined = sides[0].join(sides[1], how="inner").rename_axis("pair_key").reset_index()
    return pair_set(joined), f"catalog column {key}"


if __name__ == "__main__":
    main()
