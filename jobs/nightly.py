"""The nightly chain in one spark-submit: ingest → corpus → word2vec → labels → train →
agnostic → align → score → evaluate, then a run summary.

    spark-submit --py-files dist/jobs.zip jobs/nightly.py --conf-env cluster [--stages ingest,...]
"""
from mrnet.cli.common import run_job
from mrnet.nightly import run_chain, summary_lines


def add_arguments(parser):
    parser.add_argument("--stages", default=None,
                        help="comma-separated subset of stages to run (default: all)")


def nightly(spark, store, cfg, run, args):
    only = args.stages.split(",") if args.stages else None
    outcomes = run_chain(spark, store, cfg, only)
    print("\n".join(["", "nightly run summary", *summary_lines(outcomes)]), flush=True)
    print(f"\ntables under {store.paths.root}/tables:", flush=True)
    for name in ("catalog", "quarantine", "embeddings"):
        if store.exists(name):
            print(f"  {name:<12} {store.uri(name)}  (version {store.version(name)})")
    return {"stages": [o.__dict__ for o in outcomes]}


if __name__ == "__main__":
    run_job("nightly", __doc__, nightly, extra_args=add_arguments)
