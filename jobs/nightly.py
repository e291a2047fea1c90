"""The nightly chain in one spark-submit: ingest → corpus → word2vec → labels → train →
agnostic → align → score → evaluate, then a run summary.

    spark-submit --py-files dist/mrnet-0.1.0-py3-none-any.whl,dist/jobs.zip jobs/nightly.py \
        --conf-env cluster [--stages ingest,...] [--force]
"""
from mrnet.cli.common import run_job
from mrnet.nightly import run_chain, summary_lines


def add_arguments(parser):
    parser.add_argument("--stages", default=None,
                        help="comma-separated subset of stages to run (default: all)")
    parser.add_argument("--force", action="store_true",
                        help="run every stage even when its inputs are unchanged")


def nightly(spark, store, cfg, run, args):
    only = args.stages.split(",") if args.stages else None
    outcomes = run_chain(spark, store, cfg, only, force=args.force)
    print("\n".join(["", "nightly run summary", *summary_lines(outcomes)]), flush=True)
    print(f"\ntables under {store.paths.root}/tables:", flush=True)
    for name in ("catalog", "quarantine", "embeddings"):
        if store.exists(name):
            print(f"  {name:<12} {store.uri(name)}  (version {store.version(name)})")
    if store.exists("embeddings"):
        print(SAMPLE_SQL.format(embeddings=store.uri("embeddings"), catalog=store.uri("catalog")))
    return {"stages": [o.__dict__ for o in outcomes]}


SAMPLE_SQL = """
Join the embeddings onto your features in Spark SQL (any Delta reader works too):

  >>> TableStore(spark, cfg.storage).read("embeddings").createOrReplaceTempView("embeddings")
  SELECT f.*, e.embedding, e.embedding_pg
  FROM my_features f JOIN embeddings e
    ON e.product_id = f.product_id AND e.marketplace = f.marketplace
  WHERE e.status = 'ok'

DuckDB:  SELECT product_group, count(*) FROM delta_scan('{embeddings}') GROUP BY ALL;
pandas:  deltalake.DeltaTable('{embeddings}').to_pandas(columns=['product_id', 'embedding'])
"""


if __name__ == "__main__":
    run_job("nightly", __doc__, nightly, extra_args=add_arguments)
