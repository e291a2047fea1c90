"""Train one MRNet model per (marketplace, product group): one Spark task per group, on a GPU
where the cluster's executors have them (stage-level ResourceProfile), on CPU otherwise.

    spark-submit jobs/train.py [--groups uk/toys,fr/toys] [--set train.max_steps=3000]

A group that fails is reported with its error and does not stop the others; the job exits
non-zero if any group failed. Re-running resumes unfinished groups from their checkpoints.
"""
from mrnet.cli.common import run_job
from mrnet.stages import train


def add_arguments(parser):
    parser.add_argument("--groups", default=None,
                        help="comma-separated groups to train: NAME (all marketplaces) or MP/NAME")


if __name__ == "__main__":
    run_job("train", __doc__, train, extra_args=add_arguments)
