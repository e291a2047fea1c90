"""Benchmark sections: each takes the shared context and returns its figures."""
from __future__ import annotations

import time
from pathlib import Path


def _session():
    from mrnet.configuration import PipelineConfig, load_config
    from mrnet.session import build_spark_session

    cfg = load_config(PipelineConfig, env="local")
    return cfg, build_spark_session(cfg.spark, app_name="mrnet-bench")


def _store(spark, cfg, workdir: Path):
    from mrnet.storage import TableStore

    cfg.storage.root = str(workdir / "warehouse")
    return TableStore(spark, cfg.storage)


def _folder_bytes(path: str) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file() and "_delta_log" not in p.parts)


def bench_ingest(context: dict) -> dict:
    """Synthetic catalog generation + validation + two Delta commits, end to end."""
    from mrnet.catalog import read_source
    from mrnet.ingest import run_ingest

    cfg, spark = _session()
    store = _store(spark, cfg, context["workdir"])
    cfg.synthetic.rows = context["rows"]
    context.update(spark=spark, cfg=cfg, store=store)
    started = time.time()
    summary = run_ingest(spark, store, read_source(spark, cfg.catalog, cfg.synthetic),
                         cfg.catalog, cfg.ingest)
    seconds = time.time() - started
    return {"rows": summary.rows_in, "seconds": round(seconds, 1),
            "rows_per_second": round(summary.rows_in / seconds),
            "catalog_mb_on_disk": round(_folder_bytes(store.uri("catalog")) / 2**20, 1),
            "bytes_per_row": round(_folder_bytes(store.uri("catalog")) / summary.kept, 1)}


SECTIONS = {"ingest": bench_ingest}
