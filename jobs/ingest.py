"""Validate a catalog into the `catalog` and `quarantine` Delta tables.

    spark-submit jobs/ingest.py [--catalog amazon_in] [--conf-env cluster] [--set key=value ...]

Exit code 4 when the commit is refused to protect the current catalog (see --allow-shrink).
"""
from mrnet.cli import Flag, main
from mrnet.stages import ingest_catalog

FLAGS = [Flag("--allow-shrink", "ingest.allow_shrink",
              "commit even a catalog that is empty, under ingest.min_kept_fraction of the current "
              "one or over ingest.max_quarantine_fraction quarantined", boolean=True)]

if __name__ == "__main__":
    main("ingest", __doc__, ingest_catalog, sections=("catalog", "ingest",), flags=FLAGS)
