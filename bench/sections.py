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


def _ensure_catalog(context: dict) -> None:
    if "store" not in context:
        bench_ingest(context)


def bench_corpus_and_labels(context: dict) -> dict:
    """Tokenizing the catalog into the corpus, then the 15 tasks' labels, on the ingested catalog."""
    from mrnet.corpus import CORPUS_PARTITIONS, build_corpus
    from mrnet.labels import LABEL_PARTITIONS, build_labels

    _ensure_catalog(context)
    spark, cfg, store = context["spark"], context["cfg"], context["store"]
    rows = sum(store.row_counts("catalog", "marketplace").values())
    started = time.time()
    store.write(build_corpus(store.read("catalog")), "corpus", mode="overwrite",
                partition_by=CORPUS_PARTITIONS)
    corpus_seconds = time.time() - started
    started = time.time()
    tokens = store.read("corpus").select("marketplace", "product_group", "product_id", "title_tokens")
    build = build_labels(store.read("catalog"), tokens, cfg.tasks, cfg.labels)
    store.write(build.labels, "labels", mode="overwrite", partition_by=LABEL_PARTITIONS)
    labels_seconds = time.time() - started
    label_rows = sum(store.row_counts("labels", "marketplace").values())
    return {"catalog_rows": rows, "corpus_seconds": round(corpus_seconds, 1),
            "corpus_rows_per_second": round(rows / corpus_seconds),
            "labels_seconds": round(labels_seconds, 1),
            "labels_catalog_rows_per_second": round(rows / labels_seconds),
            "label_rows": label_rows, "tasks_kept": len(build.metadata)}


WORD2VEC_PROBE = """
import json, resource, sys, time
from mrnet.configuration.schema import StorageSettings, Word2VecSettings
from mrnet.storage import TableStore
from mrnet.word2vec import StreamingSentences, train_word2vec
store = TableStore(None, StorageSettings(root=sys.argv[1]))
sentences = StreamingSentences(store, sys.argv[2], "uk")
vectors, stats = train_word2vec(sentences, Word2VecSettings(epochs=1, workers=2))
stats["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(stats))
"""


def bench_word2vec(context: dict) -> dict:
    """Streamed word2vec on two corpus sizes (10x apart), each in its own process: peak RSS."""
    import json
    import subprocess
    import sys

    from mrnet.corpus import CORPUS_PARTITIONS, build_corpus

    _ensure_catalog(context)
    store = context["store"]
    rows = sum(store.row_counts("catalog", "marketplace").values())
    sizes = [context["rows"] // 20, context["rows"] // 2]
    figures = {}
    for size in sizes:
        table = f"corpus_{size}"
        sample = store.read("catalog").sample(fraction=min(1.0, size / rows), seed=1)
        store.write(build_corpus(sample), table, mode="overwrite", partition_by=CORPUS_PARTITIONS)
        out = subprocess.run([sys.executable, "-c", WORD2VEC_PROBE, store.paths.root, table],
                             capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError(f"word2vec probe failed: {out.stderr[-2000:]}")
        stats = json.loads(out.stdout.strip().splitlines()[-1])
        figures[f"rows_{size}_words"] = stats["words"]
        figures[f"rows_{size}_words_per_second"] = stats["words_per_second"]
        figures[f"rows_{size}_peak_rss_mb"] = stats["peak_rss_mb"]
    return figures


SECTIONS = {"ingest": bench_ingest, "labels": bench_corpus_and_labels, "word2vec": bench_word2vec}
