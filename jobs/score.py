"""Score every catalog title into the `embeddings` Delta table: PG-specific (128), PG-agnostic
(256) and language-aligned (256) vectors, one row per catalog row with a `status`.

    spark-submit jobs/score.py [--incremental] [--model-version mv-...]
"""
from mrnet.cli.common import run_job
from mrnet.stages import score


def add_arguments(parser):
    parser.add_argument("--incremental", action="store_true",
                        help="rescore only new or changed titles (and everything for a new model version)")
    parser.add_argument("--model-version", default=None,
                        help="model version to score with (default: models/current.json)")


if __name__ == "__main__":
    run_job("score", __doc__, score, extra_args=add_arguments)
