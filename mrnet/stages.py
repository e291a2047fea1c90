"""One function per pipeline stage: what a job runs, and what the nightly chain chains.

Each takes ``(spark, store, cfg, run)``: the session, the table store, the resolved config and
the run record its commits and artifacts point back to; each returns a JSON-able summary dict
and raises :class:`mrnet.errors.PipelineError` for a failure a person must act on.
"""
from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from mrnet.catalog import read_source
from mrnet.errors import BadSelection, GateRefused, MissingInput, StageFailed
from mrnet.ingest import run_ingest

log = logging.getLogger("mrnet")


def ingest_catalog(spark, store, cfg, run) -> dict:
    raw = read_source(spark, cfg.catalog, cfg.synthetic, read_delta=store.read_uri)
    summary = run_ingest(spark, store, raw, cfg.catalog, cfg.ingest, run.metadata())
    for line in [f"ingest of catalog {cfg.catalog.name!r}:", *summary.lines()]:
        print(line, flush=True)
    if summary.rows_in != summary.kept + summary.quarantined:
        raise RuntimeError(f"ingest invariant broken: {summary}")
    return {"rows": summary.rows_in, "kept": summary.kept, "quarantined": summary.quarantined,
            "by_reason": summary.by_reason, "nulled": summary.nulled,
            "versions": {"catalog": summary.catalog_version,
                         "quarantine": summary.quarantine_version}}


def require_rows(store, table: str, partition: str = "marketplace") -> int:
    """The table's row count (from the Delta log); an absent or empty input stops the stage."""
    if not store.exists(table):
        raise MissingInput(f"table {table!r} does not exist under {store.paths.root}: run the stage "
                           "that writes it first")
    rows = sum(store.row_counts(table, partition).values())
    if rows == 0:
        raise MissingInput(f"table {table!r} (version {store.version(table)}) is empty: nothing to do")
    return rows


def tokenize_corpus(spark, store, cfg, run) -> dict:
    from mrnet.corpus import build_corpus
    from mrnet.schemas import CORPUS_PARTITIONS

    require_rows(store, "catalog")
    tokens = build_corpus(store.read("catalog"), cfg.corpus.include_description)
    version = store.write(tokens, "corpus", mode="overwrite", partition_by=CORPUS_PARTITIONS,
                          metadata=run.metadata())
    rows = store.row_counts("corpus", "marketplace")
    print(f"corpus: {sum(rows.values()):,} rows ({rows}) at version {version}", flush=True)
    return {"rows": sum(rows.values()), "versions": {"corpus": version}}


def train_word_vectors(spark, store, cfg, run) -> dict:
    from mrnet.modelstore import publish_word_vectors, save_word_vectors
    from mrnet.word2vec import StreamingSentences, sample_corpus, train_word2vec

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
        checksum = save_word_vectors(store.paths.word_vectors(marketplace, name), vectors,
                                     run.config_yaml)
        publish_word_vectors(root, name, checksum)
        figures[marketplace] = {**stats, "checksum": checksum, "path": str(root / name)}
        print(f"word2vec {marketplace}: {stats['vocab']:,} words from {stats['sentences']:,} "
              f"sentences, {stats['epochs']} epochs, {stats['words_per_second']:,} words/s -> {root / name}",
              flush=True)
    return {"rows": sum(rows.values()), "marketplaces": figures, "versions": {"corpus": corpus_version}}


def build_label_tables(spark, store, cfg, run) -> dict:
    from mrnet.labels import build_labels
    from mrnet.schemas import LABEL_METADATA, LABEL_METADATA_PARTITIONS, LABEL_PARTITIONS

    require_rows(store, "corpus")
    announce_tasks(cfg)
    title_tokens = store.read("corpus").select("marketplace", "product_group", "product_id",
                                               "title_tokens")
    build = build_labels(store.read("catalog"), title_tokens, cfg.tasks, cfg.labels)
    version = store.write(build.labels, "labels", mode="overwrite", partition_by=LABEL_PARTITIONS,
                          metadata=run.metadata())
    meta_version = store.write(spark.createDataFrame(build.metadata, LABEL_METADATA), "label_metadata",
                               mode="overwrite", partition_by=LABEL_METADATA_PARTITIONS, metadata=run.metadata())
    rows = sum(store.row_counts("labels", "marketplace").values())
    per_group = build.metadata.groupby(["marketplace", "product_group"])["task"].count()
    print(f"labels: {rows:,} label rows; tasks per group:", flush=True)
    print(per_group.to_string(), flush=True)
    return {"rows": rows, "tasks_per_group": {f"{m}/{g}": int(n) for (m, g), n in per_group.items()},
            "skipped": build.skipped, "versions": {"labels": version, "label_metadata": meta_version}}


def announce_tasks(cfg) -> None:
    from mrnet.labels import task_plan

    print("\n".join(["training tasks:", *(f"  {line}" for line in task_plan(cfg.tasks, cfg.catalog, cfg.evaluate))]),
          flush=True)


def run_training(spark, store, cfg, run) -> dict:
    """One MRNet per (marketplace, group), dispatched by Spark; fails if any group failed."""
    from mrnet.training_report import print_train_outcomes, write_model_version
    from mrnet.train import GroupJob, model_version_for, train_all_groups
    from mrnet.modelstore import current_word_vectors

    versions = store.versions("labels", "label_metadata", "corpus")
    meta = store.read_pandas("label_metadata", columns=["marketplace", "product_group"])
    groups = _select_groups(sorted(set(zip(meta.marketplace, meta.product_group))), cfg.train.groups)
    vectors = {m: current_word_vectors(store.paths.word2vec(m)) for m, _ in groups}
    model_version = model_version_for(cfg.train, versions,
                                      {m: v["checksum"] for m, v in vectors.items()})
    jobs = [GroupJob(store.paths.root, model_version, m, g, versions,
                     store.paths.word_vectors(m, vectors[m]["version"]), vars(cfg.train))
            for m, g in groups]
    log.info("training %d groups into model version %s", len(jobs), model_version)
    outcomes = train_all_groups(spark, jobs, cfg.train)
    quality = print_train_outcomes(outcomes)
    write_model_version(store.paths, model_version, outcomes, quality, run,
                        complete=not cfg.train.groups)
    failed = outcomes[outcomes.status != "ok"]
    if len(failed):
        raise StageFailed(f"{len(failed)} of {len(outcomes)} groups failed to train: "
                           + ", ".join(f"{r.marketplace}/{r.product_group}" for r in failed.itertuples()))
    kept = [q for q in quality if not q["dropped"]]
    return {"rows": int(sum(q["n"] for q in kept)) if kept else None,
            "model_version": model_version, "groups": len(outcomes),
            "tasks_beating_baseline": f"{sum(q['beats_baseline'] for q in kept)}/{len(kept)}",
            "tasks_dropped": len(quality) - len(kept),
            "versions": versions}


def _select_groups(groups: list[tuple[str, str]], wanted: list[str]) -> list[tuple[str, str]]:
    """``train.groups: [uk/toys, fr/toys]`` or ``[toys]`` (every marketplace's toys); [] is all."""
    if not wanted:
        return groups
    names = set(wanted)
    chosen = [(m, g) for m, g in groups if g in names or f"{m}/{g}" in names]
    if not chosen:
        raise BadSelection(f"train.groups {wanted} matches none of {[f'{m}/{g}' for m, g in groups]}")
    return chosen


def building_model_version(store) -> str:
    """The version the autoencoders are trained for: the candidate training made, if the gate
    has not judged it yet, else the published one."""
    from mrnet.modelstore import candidate_model_version

    return candidate_model_version(store.paths) or published_model_version(store)


def gate_model_version(spark, store, cfg, run) -> dict:
    """Publish the candidate version if it is not worse than the current one (mrnet/gate.py)."""
    from mrnet.gate import judge, write_verdict
    from mrnet.modelstore import (candidate_model_version, current_model_version, publish_model_version,
                                  withdraw_candidate)

    candidate, current = candidate_model_version(store.paths), current_model_version(store.paths)
    if candidate in (None, current):
        withdraw_candidate(store.paths)
        print(f"gate: no new model version to judge; scoring keeps {current}", flush=True)
        return {"rows": 0, "model_version": current}
    downstream = _downstream(store, cfg, [candidate, current]) if current else None
    verdict = judge(store.paths, candidate, current, cfg.publish, downstream)
    verdict.forced = cfg.publish.force
    report = write_verdict(store.paths, verdict)
    print(verdict.line(), flush=True)
    for failure in verdict.failures:
        print(f"  {failure['group']} {failure['task']} {failure['metric']}: {failure['current']} -> "
              f"{failure['candidate']} (allowed {failure['allowed']})", flush=True)
    if verdict.passed:
        publish_model_version(store.paths, candidate, "forced" if verdict.failures else "gate")
        withdraw_candidate(store.paths)
    # a refused candidate stays the candidate: the autoencoders built for it are not rebuilt for
    # the published version, and a person can still publish it (jobs/models.py publish)
    summary = {"rows": verdict.compared, "model_version": candidate if verdict.passed else current,
               "candidate": candidate, "failures": len(verdict.failures)}
    if not verdict.passed:
        raise GateRefused(f"the quality gate refused {candidate}: {len(verdict.failures)} metrics got "
                          f"worse (see {report}); scoring keeps {current}", summary)
    return summary


def _downstream(store, cfg, versions: list[str]) -> dict:
    """{task: {version: metrics}} of the catalog's cv evaluation tasks (publish.downstream_sample)."""
    from mrnet.gate import downstream_metrics, downstream_sample

    size = cfg.publish.downstream_sample
    if not size or not store.exists("catalog"):
        return {}
    catalog, out = store.read("catalog"), {}
    for name, task in cfg.evaluate.tasks.items():
        if task.protocol == "cv" and task.column in catalog.columns:
            out[name] = downstream_metrics(store.paths.root, downstream_sample(catalog, task, size), task, versions)
    return out


def published_model_version(store) -> str:
    """The version ``models/current.json`` points at; fails when nothing was trained yet."""
    from mrnet.modelstore import current_model_version

    version = current_model_version(store.paths)
    if version is None:
        raise MissingInput(f"no trained model version under {store.paths.models()}: "
                           f"run jobs/train.py first")
    return version


def train_agnostic_autoencoders(spark, store, cfg, run) -> dict:
    """One sparse autoencoder per marketplace over its groups' vectors (paper 3.2); the
    marketplaces train at once, one driver thread and one torch thread each, up to the cores."""
    from concurrent.futures import ThreadPoolExecutor

    from mrnet.agnostic import sample_group_vectors
    from mrnet.autoencoders.common import _Threads
    from mrnet.schemas import AGNOSTIC_SAMPLE_PARTITIONS

    model_version = building_model_version(store)
    settings = cfg.agnostic
    sample = sample_group_vectors(store.read("corpus"), store.paths.root, model_version,
                                  settings.max_per_group, settings.seed,
                                  int(cfg.spark.conf.get("spark.sql.shuffle.partitions", "8")))
    version = store.write(sample, "agnostic_sample", mode="overwrite",
                          partition_by=AGNOSTIC_SAMPLE_PARTITIONS,
                          metadata=run.metadata())
    rows = store.row_counts("agnostic_sample", "marketplace")
    groups_of = store.read_pandas("agnostic_sample", columns=["marketplace", "product_group"]) \
        .drop_duplicates().groupby("marketplace")["product_group"].apply(sorted).to_dict()
    marketplaces = sorted(groups_of)
    parallel = max(1, min(len(marketplaces), spark.sparkContext.defaultParallelism))
    # one torch thread for the whole pool: every thread's ops then run as they would alone
    with _Threads(settings.threads), ThreadPoolExecutor(parallel) as pool:
        figures = dict(zip(marketplaces, pool.map(
            lambda mp: _train_marketplace_autoencoder(store, cfg, run, model_version, version, mp,
                                                      groups_of[mp], rows.get(mp, 0)), marketplaces)))
    return {"rows": sum(rows.values()), "model_version": model_version, "marketplaces": figures,
            "versions": {"agnostic_sample": version}}


def _train_marketplace_autoencoder(store, cfg, run, model_version: str, sample_version: int,
                                   marketplace: str, groups: list[str], rows: int) -> dict:
    from dataclasses import asdict, replace

    from mrnet.agnostic import batch_source, epochs_for
    from mrnet.autoencoders import evaluate_sparse_ae, train_sparse_ae
    from mrnet.modelstore import save_autoencoder_model

    index = {g: i for i, g in enumerate(groups)}
    block_dim = 2 * cfg.train.hidden  # the MRNet embedding width
    train_batches = batch_source(store, marketplace, index, cfg.agnostic.batch_size, ("train",))
    settings = replace(cfg.agnostic, epochs=epochs_for(cfg.agnostic, rows))
    model, history = train_sparse_ae(train_batches, len(groups), settings, block_dim=block_dim,
                                     log=lambda line: log.info("[agnostic %s] %s", marketplace, line))
    metrics = evaluate_sparse_ae(model, batch_source(store, marketplace, index, 4096, ("valid", "test")),
                                 off_block_weight=settings.off_block_weight)
    manifest = {"model_version": model_version, "marketplace": marketplace, "groups": groups,
                "dims": {"input": [len(groups), block_dim], "hidden": settings.hidden},
                "rho": settings.rho, "settings": {**asdict(settings), "block_dim": block_dim},
                "inputs": {"agnostic_sample": sample_version, "corpus": store.version("corpus")},
                "metrics": metrics, "history": history}
    save_autoencoder_model(store.paths.agnostic_model(model_version, marketplace), model,
                           manifest, run.config_yaml)
    figures = _agnostic_figures(metrics, settings)
    print(f"agnostic {marketplace}: {len(groups)} groups, {rows:,} products; {figures}", flush=True)
    return figures


def _agnostic_figures(metrics: dict, settings) -> dict:
    keys = ("reconstruction_sse", "objective_sse", "baseline_group_mean_sse", "baseline_zero_sse",
            "relative_to_baseline", "mean_activation")
    figures = {k: round(float(metrics[k]), 4) for k in keys if k in metrics}
    sparsity = {"rho": settings.rho} if settings.activation == "sigmoid" else {}
    return {**figures, "activation": settings.activation, **sparsity}


def train_aligners(spark, store, cfg, run) -> dict:
    """One aligner per marketplace pair (paper 5), judged on held-out pairs beside Procrustes and
    LSA baselines; an aligner that does not clearly beat them is kept but withheld from scoring."""
    from dataclasses import asdict

    from mrnet.align import (FED_COLUMN, aligned_test_codes, pair_subset, paired_vectors, read_pairs,
                             train_aligner)
    from mrnet.evaluation.crosslingual import retrieval_comparison, retrieval_markdown, withheld_reasons
    from mrnet.modelstore import save_autoencoder_model
    from mrnet.schemas import align_pairs_table

    model_version = building_model_version(store)
    settings = cfg.align
    word_vectors = _model_word_vectors(store, model_version)
    figures, versions, withheld, rows = {}, {}, {}, 0
    for side_a, side_b in settings.pairs:
        table = align_pairs_table(side_a, side_b)
        pairs = paired_vectors(store.read("corpus"), store.read("catalog"), side_a, side_b,
                               store.paths.root, model_version, settings.max_pairs,
                               settings.test_fraction)
        versions[table] = store.write(pairs, table, mode="overwrite", metadata=run.metadata())
        train, test = read_pairs(store, table, "train"), read_pairs(store, table, "test")
        if len(train["pair_key"]) < 10 or len(test["pair_key"]) < 2:
            print(f"align {side_a}-{side_b}: only {len(train['pair_key'])} training pairs; skipped", flush=True)
            continue
        model, history = train_aligner(train, settings, (side_a, side_b),
                                       log=lambda line: log.info("[align] %s", line))
        # judged on a bounded set: the baselines' LSA and a P@k over every held-out pair would
        # grow with the catalog (minutes and GBs on the driver at 150k pairs)
        judged = pair_subset(test, settings.eval_pairs)
        metrics = retrieval_comparison(pair_subset(train, 4 * settings.eval_pairs), judged,
                                       aligned_test_codes(model, judged, settings),
                                       _pair_word_vectors(word_vectors, side_a, side_b))
        reasons = withheld_reasons(metrics, settings.input, settings.withhold_below_random,
                                   settings.withhold_below_procrustes)
        save_autoencoder_model(store.paths.align_model(model_version, side_a, side_b), model, {
            "model_version": model_version, "pair": [side_a, side_b], "method": settings.method,
            "input": settings.input, "published": not reasons, "withheld": reasons,
            "dims": {"input": int(train[f"{FED_COLUMN[settings.input]}_a"].shape[1]),
                     "hidden": settings.hidden},
            "settings": {**asdict(settings), "names": [side_a, side_b]},
            "inputs": {table: versions[table]},
            "pairs_train": len(train["pair_key"]), "pairs_test": len(test["pair_key"]),
            "pairs_judged": len(judged["pair_key"]),
            "metrics": metrics, "history": history}, run.config_yaml)
        figures[f"{side_a}-{side_b}"] = metrics
        rows += len(train["pair_key"]) + len(test["pair_key"])
        print(f"align {side_a}-{side_b} ({settings.method}, fed {settings.input} vectors): "
              f"{len(train['pair_key']):,} training pairs, {len(test['pair_key']):,} held out", flush=True)
        print(retrieval_markdown(metrics, (side_a, side_b)), flush=True)
        if reasons:
            withheld[f"{side_a}-{side_b}"] = reasons
            log.warning("align %s-%s: WITHHELD, embedding_aligned stays null for both marketplaces: %s",
                        side_a, side_b, "; ".join(reasons))
    return {"rows": rows, "model_version": model_version,
            "pairs": figures, "withheld": withheld, "versions": versions}


def score_embeddings(spark, store, cfg, run) -> dict:
    """Every catalog row → one row of the embeddings table (full or incremental)."""
    from datetime import datetime, timezone

    from mrnet.devices import gpu_task_profile
    from mrnet.schemas import EMBEDDINGS, EMBEDDINGS_PARTITIONS
    from mrnet.score import incremental_files, score_files

    require_rows(store, "catalog")
    model_version = cfg.score.model_version or published_model_version(store)
    incremental, stable = cfg.score.incremental, cfg.score.stable_space
    scored_at = datetime.now(timezone.utc)
    catalog = store.read("catalog")
    metadata = {**run.metadata(), "mrnet.model_version": model_version}
    root = store.paths.root
    maps = _fit_stable_maps(store, cfg, model_version, catalog) if stable else None
    amp, profile = cfg.score.amp, gpu_task_profile(spark)
    if incremental and store.exists("embeddings"):
        read_version = store.version("embeddings")
        existing = store.read("embeddings", version=read_version)
        version = store.write_with_executors(
            "embeddings", lambda uri: incremental_files(catalog, existing, uri, root, model_version,
                                                        scored_at, stable, amp, profile),
            EMBEDDINGS, mode="overwrite_partitions", partition_by=EMBEDDINGS_PARTITIONS,
            metadata=metadata, expected_version=read_version)
    else:
        version = store.write_with_executors(
            "embeddings", lambda uri: score_files(catalog, uri, root, model_version, scored_at, stable,
                                                  amp, profile),
            EMBEDDINGS, mode="overwrite", partition_by=EMBEDDINGS_PARTITIONS, metadata=metadata)
    statuses = {r["status"]: r["count"] for r in
                store.read("embeddings", version=version).groupBy("status").count().collect()}
    total = sum(statuses.values())
    print(f"score: {total:,} rows in embeddings@v{version} (model {model_version}); status {statuses}",
          flush=True)
    return {"rows": total, "model_version": model_version, "incremental": incremental,
            "status": statuses, "stable_maps": maps,
            "versions": {"embeddings": version, "catalog": store.version("catalog")}}


def _fit_stable_maps(store, cfg, model_version: str, catalog) -> dict | None:
    """The stable maps of a version scoring for the first time over a table another version
    scored (None when there is nothing to map onto, or the maps exist)."""
    from mrnet.modelstore import has_stable_maps
    from mrnet.stable import fit_stable_maps, stable_sample

    if not store.exists("embeddings") or has_stable_maps(store.paths, model_version):
        return None
    previous = (store.last_data_commit("embeddings") or {}).get("mrnet.model_version")
    if previous in (None, model_version):
        return None
    version = store.version("embeddings")
    sample = stable_sample(store.read("embeddings", version=version), catalog, previous, cfg.score.stable_sample)
    report = fit_stable_maps(store.paths, sample, model_version, previous, version)
    for marketplace, agreement in report.items():
        mean = f"{sum(agreement.values()) / len(agreement):.3f}" if agreement else "-"
        print(f"score: {model_version}'s vectors rotated onto {previous}'s space in {marketplace}: "
              f"{len(agreement)} maps, mean cosine to the old vectors {mean}", flush=True)
    return report


def build_neighbours(spark, store, cfg, run) -> dict:
    """Each scored product's k nearest products into the neighbours table (changed groups only)."""
    from mrnet.neighbours import plan_searches, group_fingerprints

    require_rows(store, "embeddings")
    settings = cfg.neighbours
    version = store.version("embeddings")
    existing = _neighbour_fingerprints(store) if settings.incremental else None
    plan = plan_searches(group_fingerprints(store.read("embeddings", version=version)),
                         cfg.align.pairs, settings, existing)
    model_version = (store.last_data_commit("embeddings") or {}).get("mrnet.model_version") \
        or published_model_version(store)
    previous = store.last_data_commit("neighbours") or {}
    with _index_folder(store, plan) as folder:
        plan = _build_indexes(spark, store, plan, settings, version, folder)
        written = _write_neighbours(spark, store, plan, settings, version, model_version, folder, run) \
            if plan.tasks else store.version("neighbours")
        recall = _approximate_recall(spark, store, plan, settings, version, written, folder)
    drift = _drift(store, cfg, previous, model_version, version, written)
    counts = {r["scope"]: r["count"] for r in store.read("neighbours", version=written).groupBy("scope").count().collect()}
    groups = len({(t.marketplace, t.product_group) for t in plan.tasks})
    print(f"neighbours: {sum(counts.values()):,} rows in neighbours@v{written} {counts}; {groups} groups "
          f"computed ({sum(not t.approximate for t in plan.tasks)} exact, "
          f"{sum(t.approximate for t in plan.tasks)} approximate tasks), {len(plan.unchanged)} unchanged",
          flush=True)
    if plan.small:
        print(f"  groups of {settings.k} or fewer products (fewer than k neighbours each): {plan.small}")
    for row in recall:
        print(f"  recall@{settings.k} of the HNSW index, {row['marketplace']}/{row['product_group']} "
              f"{row['scope']}: {row['recall']:.3f} over {row['queries']} queries")
    return {"rows": sum(counts.values()), "scopes": counts, "groups_computed": groups,
            "groups_unchanged": len(plan.unchanged), "full_rewrite": plan.full, "small_groups": plan.small,
            "recall": recall, "drift": drift, "versions": {"neighbours": written, "embeddings": version}}


def _drift(store, cfg, previous: dict, model_version: str, embeddings_version: int, written: int) -> str | None:
    """After a new model version scored: drift.md + PNG against the version before (its line)."""
    from mrnet.drift import drift_table, summary_line, write_drift_report

    old_version, old_embeddings = previous.get("mrnet.model_version"), previous.get("mrnet.embeddings_version")
    if old_version in (None, model_version) or old_embeddings is None:
        return None
    table = drift_table(store.read("embeddings", version=int(old_embeddings)),
                        store.read("embeddings", version=embeddings_version),
                        store.read("neighbours", version=previous["version"]),
                        store.read("neighbours", version=written))
    report = write_drift_report(table, store.paths.reports(model_version, cfg.catalog.name), old_version,
                                model_version, cfg.neighbours.k)
    line = summary_line(table)
    print(f"{line} (from {old_version}; {report})", flush=True)
    return line


def _neighbour_fingerprints(store) -> dict | None:
    """{(marketplace, group): fingerprint} of the neighbours table (None: no table yet)."""
    if not store.exists("neighbours"):
        return None
    rows = store.read("neighbours").select("marketplace", "product_group", "fingerprint").distinct().collect()
    found: dict = {}
    for row in rows:   # two fingerprints in one group cannot match any plan: recompute it
        key = (row["marketplace"], row["product_group"])
        found[key] = row["fingerprint"] if key not in found else None
    return found


@contextlib.contextmanager
def _index_folder(store, plan):
    """A ``_staging`` folder of the neighbours table for this run's HNSW shards, removed after
    (``vacuum`` removes one a dead run left)."""
    import uuid

    import pyarrow.fs as pafs

    from mrnet.storage.delta_rs import filesystem

    if not plan.shards:
        yield None
        return
    folder = f"{store.uri('neighbours')}/_staging/index-{uuid.uuid4().hex[:12]}"
    try:
        yield folder
    finally:
        fs, root = filesystem(folder)
        if fs.get_file_info(root).type != pafs.FileType.NotFound:
            fs.delete_dir(root)
        staging = root.rsplit("/", 1)[0]
        if not fs.get_file_info(pafs.FileSelector(staging, allow_not_found=True)):
            fs.delete_dir(staging)      # the last run's folder gone: no empty _staging/ left


def _build_indexes(spark, store, plan, settings, version: int, folder: str | None):
    """Builds every shard the plan's approximated tasks search (one Spark task each) and returns
    the plan with shards that came out empty dropped."""
    import dataclasses

    from mrnet.neighbours import INDEX_BUILT, make_index_fn, search_settings, task_rows

    shards = plan.shards
    if not shards:
        return plan
    build = make_index_fn(shards, store.uri("embeddings"), version, search_settings(settings), folder)
    built = task_rows(spark, shards).mapInArrow(build, INDEX_BUILT).collect()
    empty = {shards[r["task"]] for r in built if r["rows"] == 0}
    seconds = sum(r["seconds"] for r in built)
    print(f"neighbours: {len(shards)} HNSW indexes of {sum(r['rows'] for r in built):,} rows built in "
          f"{seconds:.0f} task-seconds", flush=True)
    tasks = [dataclasses.replace(t, shards=tuple(s for s in t.shards if s not in empty)) if t.shards else t
             for t in plan.tasks]
    return dataclasses.replace(plan, tasks=tasks)


def _write_neighbours(spark, store, plan, settings, version: int, model_version: str, folder, run) -> int:
    from mrnet.neighbours import make_search_fn, search_settings, task_rows
    from mrnet.schemas import NEIGHBOURS, NEIGHBOURS_PARTITIONS, STAGED_FILE
    from mrnet.storage import make_file_writer_fn

    search = make_search_fn(plan.tasks, store.uri("embeddings"), version, search_settings(settings),
                            model_version, folder)
    return store.write_with_executors(
        "neighbours", lambda uri: task_rows(spark, plan.tasks).mapInArrow(
            make_file_writer_fn(uri, NEIGHBOURS_PARTITIONS, search), STAGED_FILE),
        NEIGHBOURS, mode="overwrite" if plan.full else "overwrite_partitions",
        partition_by=NEIGHBOURS_PARTITIONS,
        metadata={**run.metadata(), "mrnet.model_version": model_version,
                  "mrnet.embeddings_version": str(version)})


def _approximate_recall(spark, store, plan, settings, version: int, written: int | None, folder) -> list[dict]:
    """recall@k of every approximated task, on a sample of its queries (executors)."""
    from mrnet.neighbours import RECALL, make_recall_fn, search_settings, task_rows

    tasks = [t for t in plan.tasks if t.approximate]
    if not tasks:
        return []
    measure = make_recall_fn(tasks, store.uri("embeddings"), version, store.uri("neighbours"), written,
                             search_settings(settings), folder)
    return [r.asDict() for r in task_rows(spark, tasks).mapInArrow(measure, RECALL).collect()]


def evaluate_embeddings(spark, store, cfg, run) -> dict:
    """Downstream tasks, neighbours and plots into reports/<model_version>/<catalog>/."""
    import json

    from pyspark.sql import functions as F

    from mrnet.evaluation.table2 import table2_markdown
    from mrnet.evaluation.report import importance_overlaps, run_task, table2_results, task_samples, write_report

    model_version = published_model_version(store)
    settings = cfg.evaluate
    embeddings_version = store.version("embeddings")
    embeddings, catalog = store.read("embeddings", version=embeddings_version), store.read("catalog")
    word_vectors = _model_word_vectors(store, model_version) if "w2v_mean" in settings.baselines else {}
    runnable = {}
    for name, task in settings.tasks.items():
        if task.column in catalog.columns:
            runnable[name] = task
        else:
            log.info("evaluate: the catalog has no column %r; task %s skipped", task.column, name)
    samples = task_samples(embeddings, catalog, runnable, settings.sample)
    results = {}
    for name, data in samples.items():
        task = settings.tasks[name]
        if data["y"].nunique() < 2 or len(data) < 5 * settings.folds:
            log.info("evaluate: task %s has %d labelled products / %d classes; skipped",
                     name, len(data), data["y"].nunique() if len(data) else 0)
            continue
        log.info("evaluate: %s on %d products", name, len(data))
        results[name] = run_task(name, task, data, settings, word_vectors)
    overlaps = importance_overlaps(samples, store.read("labels"),
                                   {n: t for n, t in settings.tasks.items() if n in results}, settings)
    universe = (embeddings.filter(F.col("status") == "ok")
                .join(catalog.select("marketplace", "product_id", "title", "pair_key"), ["marketplace", "product_id"])
                .withColumn("_h", F.crc32("product_id")).orderBy("_h").limit(settings.projection_points)
                .toPandas())   # a bounded sample for the plots and neighbour tables
    neighbours, cross = _neighbour_tables(universe, settings)
    histories = _training_histories(store, model_version)
    retrieval = _cross_language_retrieval(store, cfg, model_version, embeddings, catalog, word_vectors)
    folder = Path(store.paths.reports(model_version, cfg.catalog.name))
    report = write_report(folder, {"model_version": model_version, "catalog": cfg.catalog.name,
                                   "embeddings_version": embeddings_version,
                                   "note": f"samples of at most {settings.sample} products per task, "
                                           f"{settings.folds}-fold cross-validation"},
                          results, overlaps, neighbours, cross, _one_marketplace(universe), histories,
                          retrieval)
    print(f"evaluate: report {report}", flush=True)
    table2 = table2_results(results)
    print(table2_markdown(table2), flush=True)
    rows = sum(int(r.get("n", 0)) for r in results.values()) + sum(r["pairs_test"] for r in retrieval.values())
    return {"rows": rows, "report": str(report),
            "tasks": list(results),
            "retrieval": {name: r["metrics"] for name, r in retrieval.items()},
            "versions": {"embeddings": embeddings_version},
            "table2": json.loads(json.dumps({n: r.get("scores") for n, r in table2.items()},
                                            default=float))}


def manage_models(spark, store, cfg, run) -> dict:
    """jobs/models.py: list, show, diff, publish or roll back model versions (no Spark)."""
    from mrnet import modelhistory

    command, names = cfg.models.command, cfg.models.versions
    wanted = {"list": 0, "rollback": 0, "show": 1, "publish": 1, "diff": 2}[command]
    if len(names) != wanted:
        raise BadSelection(f"models {command} takes {wanted} version(s), got {names}")
    paths = store.paths
    lines = {"list": lambda: modelhistory.list_lines(paths),
             "show": lambda: modelhistory.show_lines(paths, names[0]),
             "diff": lambda: modelhistory.diff_lines(paths, *names),
             "publish": lambda: [modelhistory.publish_by_hand(paths, names[0])],
             "rollback": lambda: [modelhistory.rollback(paths)]}[command]()
    print("\n".join(lines), flush=True)
    return {"rows": len(lines), "command": command, "versions": names}


def vacuum_tables(spark, store, cfg, run) -> dict:
    from mrnet.housekeeping import vacuum_warehouse

    cleanup = vacuum_warehouse(store, cfg.vacuum.retention_hours, cfg.vacuum.dry_run)
    print("\n".join(cleanup.lines()), flush=True)
    return {"rows": cleanup.total, "dry_run": cleanup.dry_run,
            "removed": {t: len(p) for t, p in cleanup.files.items()},
            "engine_staging": len(cleanup.engine_staging)}


def find_similar(spark, store, cfg, run) -> dict:
    """jobs/similar.py: the nearest products of a title or a product, printed with their titles."""
    from mrnet import Embedder
    from mrnet.similar import Query, nearest, other_marketplace, product_vectors, with_titles

    query, k = cfg.similar, cfg.similar.k
    if not query.marketplace or bool(query.title) == bool(query.product_id):
        raise BadSelection("give --marketplace and one of --title (with --group) or --product-id")
    require_rows(store, "embeddings")
    searches = []
    if query.title:
        if not query.group:
            raise BadSelection("--title needs --group: the group's model embeds it")
        embedded = Embedder.load(store.paths.root).embed(query.title, query.marketplace, query.group).iloc[0]
        if embedded.embedding_pg is None:
            raise BadSelection(f"the title gets no vector (status {embedded.status})")
        searches.append(Query(embedded.embedding_pg, "embedding_pg", query.marketplace, query.group))
    else:
        vectors, group = product_vectors(store, query.marketplace, query.product_id,
                                         ["embedding_pg", "embedding_aligned"])
        searches.append(Query(vectors["embedding_pg"], "embedding_pg", query.marketplace, group,
                              exclude=query.product_id))
        other = other_marketplace(cfg.align.pairs, query.marketplace)
        if other is not None and vectors["embedding_aligned"] is None:
            print(f"(no embedding_aligned for {query.product_id}: no listing in {other} is searched)")
        elif other is not None:
            searches.append(Query(vectors["embedding_aligned"], "embedding_aligned", other, None))
    found = {}
    for search in searches:
        table = with_titles(store, search.marketplace, nearest(store, search, k))
        scope = "in its group" if search.column == "embedding_pg" else "in the other language"
        print(f"\nnearest {k} in {search.marketplace}/{search.group or '*'} ({search.column}, {scope}):")
        print(table[["similarity", "product_id", "product_group", "title"]].to_string(index=False))
        found[f"{search.marketplace}:{search.column}"] = table.product_id.tolist()
    return {"rows": sum(map(len, found.values())), "neighbours": found}


def _pair_word_vectors(word_vectors: dict, side_a: str, side_b: str) -> list | None:
    """[side a's, side b's] word vectors for the mean-word-vector baseline, or None."""
    if side_a in word_vectors and side_b in word_vectors:
        return [word_vectors[side_a], word_vectors[side_b]]
    return None


def _cross_language_retrieval(store, cfg, model_version: str, embeddings, catalog, word_vectors: dict) -> dict:
    """Per aligned marketplace pair, retrieval on held-out pairs (evaluate.retrieval_pair_key, or
    the align stage's test split) with baselines fitted on the aligner's training pairs."""
    from pyspark.sql import functions as F

    from mrnet.align import pair_subset, read_pairs
    from mrnet.evaluation.crosslingual import retrieval_comparison
    from mrnet.schemas import align_pairs_table

    key = cfg.evaluate.retrieval_pair_key or "pair_key"
    out = {}
    for side_a, side_b in cfg.align.pairs:
        table = align_pairs_table(side_a, side_b)
        if not store.exists(table) or key not in catalog.columns:
            continue
        train = pair_subset(read_pairs(store, table, "train"), 4 * cfg.align.eval_pairs)   # fits the baselines
        if cfg.evaluate.retrieval_pair_key:
            keys = catalog.filter(F.col(key).isNotNull()).select(F.col(key).alias("_key"))
        else:
            keys = store.read(table).filter(F.col("split") == "test").select(F.col("pair_key").alias("_key"))
        test = _held_out_pairs(embeddings, catalog, key, keys, side_a, side_b, cfg.evaluate.sample)
        if len(test["title_a"]) < 2 or len(train["title_a"]) < 2:
            continue
        aligned = None if test["aligned_a"] is None else (test["aligned_a"], test["aligned_b"])
        manifest = _align_manifest(store, model_version, side_a, side_b)
        out[f"{side_a}-{side_b}"] = {
            "names": [side_a, side_b],
            "metrics": retrieval_comparison(train, test, aligned, _pair_word_vectors(word_vectors, side_a, side_b)),
            "withheld": manifest.get("withheld", []), "pairs_train": len(train["title_a"]),
            "pairs_test": len(test["title_a"]),
            "source": f"catalog column {key}" if cfg.evaluate.retrieval_pair_key else "the align stage's test split"}
    return out


def _held_out_pairs(embeddings, catalog, key: str, keys, side_a: str, side_b: str, limit: int) -> dict:
    """A pair set (see mrnet.evaluation.crosslingual) of at most ``limit`` held-out pairs, from the
    scored table, with each side's aligned vector (None when a side has none)."""
    import numpy as np
    from pyspark.sql import functions as F

    scored = (catalog.select("marketplace", "product_id", "title", F.col(key).alias("_key"))
              .join(keys.distinct(), "_key")
              .join(embeddings.filter(F.col("status") == "ok")
                    .select("marketplace", "product_id", "embedding_pg", "embedding", "embedding_aligned"),
                    ["marketplace", "product_id"]))
    sides = [scored.filter(F.col("marketplace") == m).drop("marketplace", "product_id")
             .toDF("_key", *[f"{c}_{s}" for c in ("title", "pg", "agn", "aligned")]) for m, s in ((side_a, "a"), (side_b, "b"))]
    frame = (sides[0].join(sides[1], "_key").orderBy(F.crc32("_key"), "_key").limit(limit).toPandas())
    frame = frame.sort_values("_key")
    out = {f"title_{s}": frame[f"title_{s}"].tolist() for s in ("a", "b")}
    for column in ("pg", "agn", "aligned"):
        for s in ("a", "b"):
            values = frame[f"{column}_{s}"]
            present = len(values) and values.notna().all()
            out[f"{column}_{s}"] = np.stack(values.to_numpy()).astype(np.float32) if present else None
    return out


def _align_manifest(store, model_version: str, side_a: str, side_b: str) -> dict:
    from mrnet.modelstore import has_artifact, read_manifest

    folder = store.paths.align_model(model_version, side_a, side_b)
    return read_manifest(folder) if has_artifact(folder) else {}


def _one_marketplace(universe):
    """Each marketplace has its own PG-agnostic space: plot the largest one's."""
    if universe.empty:
        return None
    marketplace = universe.marketplace.value_counts().index[0]
    return universe[universe.marketplace == marketplace].rename(columns={"embedding": "vector"})


def _neighbour_tables(universe, settings):
    import numpy as np

    from mrnet.evaluation.neighbours import cross_language_neighbours, neighbour_table

    if universe.empty:
        return None, None
    group = settings.neighbours_group or universe.product_group.value_counts().index[0]
    within = universe[universe.product_group == group]
    marketplace = within.marketplace.value_counts().index[0] if len(within) else None
    within = within[within.marketplace == marketplace].reset_index(drop=True)   # one model's space
    neighbours = None
    if len(within) > 10:
        neighbours = neighbour_table(np.stack(within.embedding_pg.to_numpy()), within.title.tolist(),
                                     within.product_group.to_numpy(), settings.neighbours_sample)
    cross = None
    aligned = universe[universe.embedding_aligned.notna()]
    markets = sorted(aligned.marketplace.unique())
    if len(markets) >= 2:
        a, b = aligned[aligned.marketplace == markets[1]], aligned[aligned.marketplace == markets[0]]
        cross = cross_language_neighbours(np.stack(a.embedding_aligned.to_numpy()), a.title.tolist(),
                                          np.stack(b.embedding_aligned.to_numpy()), b.title.tolist(),
                                          k=3, sample=5, seed=settings.seed)
    return neighbours, cross


def _model_word_vectors(store, model_version: str) -> dict:
    """{marketplace: the word vectors its group models were trained on} (for the w2v baseline)."""
    from mrnet.modelstore import group_manifests, load_word_vectors

    paths = {m["marketplace"]: m["word_vectors"]["path"] for m in group_manifests(store.paths, model_version)}
    return {marketplace: load_word_vectors(path) for marketplace, path in paths.items()}


def _training_histories(store, model_version: str) -> dict:
    from mrnet.modelstore import group_manifests

    histories = {}
    for data in group_manifests(store.paths, model_version):
        histories[f"{data['marketplace']}/{data['product_group']}"] = data.get("history", [])
    return histories
