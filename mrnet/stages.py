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


def corpus(spark, store, cfg, run, args=None) -> dict:
    from mrnet.corpus import CORPUS_PARTITIONS, build_corpus

    tokens = build_corpus(store.read("catalog"), cfg.corpus.include_description)
    version = store.write(tokens, "corpus", mode="overwrite", partition_by=CORPUS_PARTITIONS,
                          metadata=run.metadata())
    rows = store.row_counts("corpus", "marketplace")
    print(f"corpus: {sum(rows.values()):,} rows ({rows}) at version {version}", flush=True)
    return {"rows": sum(rows.values()), "versions": {"corpus": version}}


def word2vec(spark, store, cfg, run, args=None) -> dict:
    from pathlib import Path

    from mrnet.word2vec import StreamingSentences, sample_corpus, train_word2vec
    from mrnet.wordvectors import publish_current

    corpus_version = store.version("corpus")
    rows = store.row_counts("corpus", "marketplace")
    cap = cfg.word2vec.max_sentences
    figures = {}
    for marketplace in sorted(rows):
        table, version = "corpus", corpus_version
        if cap and rows[marketplace] > cap:
            table, version = "corpus_sample", sample_corpus(store, marketplace, cap / rows[marketplace],
                                                            cfg.word2vec.seed, run.metadata())
        sentences = StreamingSentences(store, table, marketplace, version=version)
        vectors, stats = train_word2vec(sentences, cfg.word2vec)
        name = f"corpus-v{corpus_version}"
        vectors.info = {"marketplace": marketplace, "version": name, "corpus_version": corpus_version,
                        "settings": vars(cfg.word2vec), **stats}
        root = Path(store.paths.word2vec(marketplace))
        checksum = vectors.save(root / name)
        (root / name / "config.yaml").write_text((run.folder / "config.yaml").read_text())
        publish_current(root, name, checksum)
        figures[marketplace] = {**stats, "checksum": checksum, "path": str(root / name)}
        print(f"word2vec {marketplace}: {stats['vocab']:,} words from {stats['sentences']:,} "
              f"sentences, {stats['words_per_second']:,} words/s -> {root / name}", flush=True)
    return {"rows": sum(rows.values()), "marketplaces": figures, "versions": {"corpus": corpus_version}}


def labels(spark, store, cfg, run, args=None) -> dict:
    from mrnet.labels import LABEL_PARTITIONS, METADATA_DDL, build_labels

    title_tokens = store.read("corpus").select("marketplace", "product_group", "product_id",
                                               "title_tokens")
    build = build_labels(store.read("catalog"), title_tokens, cfg.tasks, cfg.labels)
    version = store.write(build.labels, "labels", mode="overwrite", partition_by=LABEL_PARTITIONS,
                          metadata=run.metadata())
    meta_version = store.write(spark.createDataFrame(build.metadata, METADATA_DDL), "label_metadata",
                               mode="overwrite", partition_by=("marketplace",), metadata=run.metadata())
    rows = sum(store.row_counts("labels", "marketplace").values())
    per_group = build.metadata.groupby(["marketplace", "product_group"])["task"].count()
    print(f"labels: {rows:,} label rows; tasks per group:", flush=True)
    print(per_group.to_string(), flush=True)
    return {"rows": rows, "tasks_per_group": {f"{m}/{g}": int(n) for (m, g), n in per_group.items()},
            "skipped": build.skipped, "versions": {"labels": version, "label_metadata": meta_version}}
