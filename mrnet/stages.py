"""One function per pipeline stage: what a job runs, and what the nightly chain chains.

Each takes (spark, store, cfg, run, args) and returns a JSON-able summary dict.
"""
from __future__ import annotations

import logging

from mrnet.catalog import read_source
from mrnet.ingest import run_ingest

log = logging.getLogger("mrnet")


def ingest(spark, store, cfg, run, args=None) -> dict:
    raw = read_source(spark, cfg.catalog, cfg.synthetic, read_delta=store.read_uri)
    summary = run_ingest(spark, store, raw, cfg.catalog, cfg.ingest, run.metadata())
    for line in [f"ingest of catalog {cfg.catalog.name!r}:", *summary.lines()]:
        print(line, flush=True)
    if summary.rows_in != summary.kept + summary.quarantined:
        raise RuntimeError(f"ingest invariant broken: {summary}")
    return {"rows": summary.rows_in, "kept": summary.kept, "quarantined": summary.quarantined,
            "by_reason": summary.by_reason,
            "versions": {"catalog": summary.catalog_version,
                         "quarantine": summary.quarantine_version}}
