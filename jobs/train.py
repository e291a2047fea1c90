"""Train one MRNet model per (marketplace, product group): one Spark task per group, on a GPU
where the cluster's executors have them (stage-level ResourceProfile), on CPU otherwise.

    spark-submit jobs/train.py [--groups uk/toys,fr/toys] [--set train.max_steps=3000]

A group that fails is reported with its error and does not stop the others; the job exits
non-zero if any group failed. Re-running resumes unfinished groups from their checkpoints.
"""
from mrnet.cli import Flag, main
from mrnet.stages import run_training

FLAGS = [
    Flag("--groups", "train.groups",
         "comma-separated groups to train: NAME (every marketplace) or MP/NAME", is_list=True),
]

if __name__ == "__main__":
    main("train", __doc__, run_training, sections=("train",), flags=FLAGS)
