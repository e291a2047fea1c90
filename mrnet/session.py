"""Build the SparkSession from config. Only jobs and tests call this; library code takes ``spark``."""
from __future__ import annotations

import os
import sys

from mrnet.configuration.schema import SparkSettings


def build_spark_session(settings: SparkSettings, app_name: str | None = None):
    """A SparkSession with the settings Delta-via-delta-rs needs (see conf/base/pipeline.yaml)."""
    from pyspark.sql import SparkSession

    # Spark's Python workers run `python3` from PATH unless told, not this interpreter.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.appName(app_name or settings.app_name)
    if settings.master:
        builder = builder.master(settings.master)
    for key, value in settings.conf.items():
        builder = builder.config(key, str(value))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    _quiet_glob_warning(spark)
    ship_wheels_to_executors(spark)
    return spark


def _quiet_glob_warning(spark) -> None:
    """Every read of a glob path (``data/*.csv``) makes FileStreamSink log a warning with a Java
    trace that says nothing wrong; only its errors are kept."""
    jvm = spark.sparkContext._jvm
    try:
        for logger in ("org.apache.spark.sql.execution.streaming.sinks.FileStreamSink",   # Spark 4
                       "org.apache.spark.sql.execution.streaming.FileStreamSink"):
            jvm.org.apache.logging.log4j.core.config.Configurator.setLevel(
                logger, jvm.org.apache.logging.log4j.Level.ERROR)
    except Exception:   # another logging backend: the warning stays, nothing else changes
        pass


def ship_wheels_to_executors(spark) -> None:
    """Make ``--py-files mrnet-*.whl`` importable on executors too.

    spark-submit puts every --py-files entry on the driver's path, but executors only import
    .zip/.egg/.jar entries; a pure-Python wheel is a zip, so it is re-added under a .zip name.
    """
    import shutil
    import tempfile
    from pathlib import Path

    py_files = spark.sparkContext.getConf().get("spark.submit.pyFiles", "") or ""
    for entry in filter(None, py_files.split(",")):
        path = Path(entry.replace("file:", "", 1))
        if path.suffix == ".whl" and path.exists():
            target = Path(tempfile.mkdtemp(prefix="mrnet-wheel-")) / f"{path.stem}.zip"
            shutil.copyfile(path, target)
            spark.sparkContext.addPyFile(str(target))
