"""Validate a catalog into the `catalog` and `quarantine` Delta tables.

    spark-submit jobs/ingest.py [--catalog amazon_in] [--conf-env cluster] [--set key=value ...]
"""
from mrnet.cli import main
from mrnet.stages import ingest_catalog

if __name__ == "__main__":
    main("ingest", __doc__, ingest_catalog, sections=("catalog", "ingest",))
