"""Tokenize every catalog row (title + description) into the `corpus` Delta table.

    spark-submit jobs/corpus.py [--catalog NAME] [--conf-env cluster] [--set key=value ...]
"""
from mrnet.cli.common import run_job
from mrnet.stages import corpus

if __name__ == "__main__":
    run_job("corpus", __doc__, corpus)
