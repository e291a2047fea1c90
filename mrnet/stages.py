"""One function per pipeline stage: what a job runs, and what the nightly chain chains.

Each takes (spark, store, cfg, run, args) and returns a JSON-able summary dict.
"""
from __future__ import annotations

import logging
from pathlib import Path

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


def train(spark, store, cfg, run, args=None) -> dict:
    """One MRNet per (marketplace, group), dispatched by Spark; fails if any group failed."""
    from mrnet.reporting import print_train_outcomes, write_model_version
    from mrnet.train import GroupJob, model_version_for, train_all_groups
    from mrnet.wordvectors import current_version

    versions = {t: store.version(t) for t in ("labels", "label_metadata", "corpus")}
    meta = store.read_pandas("label_metadata", columns=["marketplace", "product_group"])
    groups = _select_groups(sorted(set(zip(meta.marketplace, meta.product_group))),
                            getattr(args, "groups", None))
    vectors = {m: current_version(Path(store.paths.word2vec(m))) for m, _ in groups}
    model_version = model_version_for(cfg.train, versions,
                                      {m: v["checksum"] for m, v in vectors.items()})
    jobs = [GroupJob(store.paths.root, model_version, m, g, versions,
                     f"{store.paths.word2vec(m)}/{vectors[m]['version']}", vars(cfg.train))
            for m, g in groups]
    log.info("training %d groups into model version %s", len(jobs), model_version)
    outcomes = train_all_groups(spark, jobs, cfg.train)
    quality = print_train_outcomes(outcomes)
    write_model_version(store.paths, model_version, outcomes, quality, run,
                        complete=getattr(args, "groups", None) is None)
    failed = outcomes[outcomes.status != "ok"]
    if len(failed):
        raise RuntimeError(f"{len(failed)} of {len(outcomes)} groups failed to train: "
                           + ", ".join(f"{r.marketplace}/{r.product_group}" for r in failed.itertuples()))
    return {"rows": int(sum(q["n"] for q in quality if "n" in q)) if quality else None,
            "model_version": model_version, "groups": len(outcomes),
            "tasks_beating_baseline": f"{sum(q['beats_baseline'] for q in quality)}/{len(quality)}",
            "versions": versions}


def _select_groups(groups: list[tuple[str, str]], wanted: str | None) -> list[tuple[str, str]]:
    """``--groups uk/toys,fr/toys`` or ``--groups toys`` (every marketplace's toys)."""
    if not wanted:
        return groups
    names = set(wanted.split(","))
    chosen = [(m, g) for m, g in groups if g in names or f"{m}/{g}" in names]
    if not chosen:
        raise SystemExit(f"--groups {wanted!r} matches none of {[f'{m}/{g}' for m, g in groups]}")
    return chosen
