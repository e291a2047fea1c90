"""Build the long-format label table of the 15 training tasks (conf/base/tasks.yaml) and the
label metadata (class vocabularies, regression statistics, TF-IDF vocabularies).

    spark-submit jobs/labels.py [--catalog NAME] [--set labels.min_labelled=100]
"""
from mrnet.cli.common import run_job
from mrnet.stages import labels

if __name__ == "__main__":
    run_job("labels", __doc__, labels)
