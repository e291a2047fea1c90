"""Remove the table files no version inside the retention reads (and those of dead runs).

    spark-submit jobs/vacuum.py [--dry-run] [--retention-hours 168] [--conf-env cluster]

Every version committed within the retention stays readable; --dry-run lists the files first.
The nightly chain runs the same step last when vacuum.enabled is true.
"""
from mrnet.cli import Flag, main
from mrnet.stages import vacuum_tables

FLAGS = [Flag("--dry-run", "vacuum.dry_run", "list what would be removed; remove nothing", boolean=True),
         Flag("--retention-hours", "vacuum.retention_hours", "keep what versions of the last N hours read")]

if __name__ == "__main__":
    main("vacuum", __doc__, vacuum_tables, sections=("vacuum",), flags=FLAGS)
