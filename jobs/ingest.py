"""Validate a catalog into the `catalog` and `quarantine` Delta tables.

    spark-submit jobs/ingest.py [--catalog amazon_in] [--conf-env cluster] [--set key=value ...]
"""
from mrnet.cli.common import run_job
from mrnet.stages import ingest

if __name__ == "__main__":
    run_job("ingest", __doc__, ingest)
