"""The nightly chain: every stage in order, in one Spark application, with a run summary.

A stage whose inputs (upstream table versions, model version, its own config section) are the
same as at its last successful run is skipped; ``force`` runs it anyway.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from typing import Callable

from mrnet import stages
from mrnet.errors import BadSelection, GateRefused
from mrnet.tracking import track_nightly
from mrnet.modelstore import (RunRecord, candidate_model_version, current_model_version, last_success,
                              record_success)

log = logging.getLogger("mrnet")


def _catalog_content(store) -> dict:
    """The catalog's content fingerprint (written by ingest), not its version: a re-ingest of an
    unchanged catalog does not make every later stage run again."""
    from mrnet.ingest import CONTENT_KEY

    if not store.exists("catalog"):
        return {"catalog": None}
    return {"catalog": store.last_data_commit("catalog").get(CONTENT_KEY, store.data_version("catalog"))}


def _model_version(store) -> str | None:
    return current_model_version(store.paths)


def _building_version(store) -> str | None:
    return candidate_model_version(store.paths) or current_model_version(store.paths)


# (name, stage function, inputs(store, cfg) -> the state that decides whether to rerun)
CHAIN: list[tuple[str, Callable, Callable]] = [
    # ingest always runs: it snapshots tonight's catalog (a new version, the same rows if unchanged)
    ("ingest", stages.ingest_catalog, None),
    ("corpus", stages.tokenize_corpus, lambda s, c: {**_catalog_content(s), "conf": c.corpus}),
    ("word2vec", stages.train_word_vectors, lambda s, c: {**s.versions("corpus"), "conf": c.word2vec}),
    ("labels", stages.build_label_tables, lambda s, c: {**_catalog_content(s), **s.versions("corpus"), "tasks": c.tasks,
                                            "conf": c.labels}),
    ("train", stages.run_training, lambda s, c: {**s.versions("labels", "label_metadata", "corpus"),
                                          "conf": c.train, "word2vec": c.word2vec}),
    ("agnostic", stages.train_agnostic_autoencoders, lambda s, c: {"model": _building_version(s),
                                                                    "conf": c.agnostic}),
    ("align", stages.train_aligners, lambda s, c: {"model": _building_version(s), "conf": c.align,
                                          "agnostic": c.agnostic}),
    # judges the candidate training left (a refused one stays the candidate: judged once)
    ("gate", stages.gate_model_version, lambda s, c: {"model": _building_version(s), "conf": c.publish,
                                                      "agnostic": c.agnostic, "align": c.align}),
    ("score", stages.score_embeddings, lambda s, c: {**_catalog_content(s), "model": _model_version(s),
                                          "agnostic": c.agnostic, "align": c.align}),
    ("neighbours", stages.build_neighbours, lambda s, c: {**s.versions("embeddings"), "conf": c.neighbours,
                                                      "pairs": c.align.pairs}),
    ("evaluate", stages.evaluate_embeddings, lambda s, c: {**s.versions("embeddings"), "conf": c.evaluate}),
    ("vacuum", stages.vacuum_tables, None),
]
# Stages that run only when their conf switches them on (or when named in ``only``).
OPT_IN: dict[str, Callable] = {"vacuum": lambda cfg: cfg.vacuum.enabled}


# What each stage's count in the run summary counts: (key of its summary, what it is).
COUNTS = {"ingest": ("rows", "rows in"), "corpus": ("rows", "rows written"),
          "word2vec": ("rows", "corpus rows"), "labels": ("rows", "label rows"),
          "train": ("groups", "groups trained"), "agnostic": ("rows", "products sampled"),
          "align": ("rows", "pairs"), "gate": ("rows", "task metrics compared"), "score": ("rows", "rows scored"),
          "neighbours": ("rows", "neighbour rows"),
          "evaluate": ("rows", "products evaluated"), "vacuum": ("rows", "files removed")}


@dataclass
class StageOutcome:
    stage: str
    seconds: float
    count: int | None
    versions: dict
    skipped: bool = False
    refusal: GateRefused | None = None

    def line(self) -> str:
        count = f"{self.count:,} {COUNTS.get(self.stage, ('', ''))[1]}" if self.count is not None else "-"
        versions = ", ".join(f"{t}@v{v}" for t, v in self.versions.items() if v is not None)
        state = "skipped (inputs unchanged)" if self.skipped else versions
        state = "REFUSED: not published, scoring kept the current version" if self.refusal else state
        return f"{self.stage:<10} {self.seconds:>8.1f}s  {count:<28} {state}"


def _fingerprint(inputs: dict) -> str:
    text = json.dumps(inputs, sort_keys=True, default=lambda o: dataclasses.asdict(o)
                      if dataclasses.is_dataclass(o) else str(o))
    return hashlib.sha256(text.encode()).hexdigest()


def run_chain(spark, store, cfg, only: list[str] | None = None, force: bool = False) -> list[StageOutcome]:
    """Run the stages (or ``only`` those), each recorded as its own run. Stops at a failure."""
    unknown = sorted(set(only or ()) - {name for name, _, _ in CHAIN})
    if unknown:
        raise BadSelection(f"nightly.stages names unknown stages {unknown}; the chain is "
                           f"{[name for name, _, _ in CHAIN]}")
    outcomes = []
    for name, stage, inputs in CHAIN:
        if only and name not in only:
            continue
        if not only and name in OPT_IN and not OPT_IN[name](cfg):
            continue
        fingerprint = _fingerprint(inputs(store, cfg)) if inputs else None
        previous = last_success(store.paths, name)
        if not force and fingerprint and previous and previous["inputs"] == fingerprint:
            log.info("stage %s: inputs unchanged since its last success; skipped", name)
            outcomes.append(StageOutcome(name, 0.0, None, {}, skipped=True))
            continue
        log.info("stage %s: starting", name)
        run = RunRecord.start(name, cfg)
        started = time.time()
        refusal = None
        try:
            summary = stage(spark, store, cfg, run)
        except GateRefused as refused:     # the later stages run on with the current version
            summary, refusal = refused.summary, refused
        summary = run.finish(summary)
        record_success(store.paths, name, fingerprint, run.run_id)
        outcomes.append(StageOutcome(name, time.time() - started, summary.get(COUNTS[name][0]),
                                     summary.get("versions", {}), refusal=refusal))
    return outcomes


def summary_lines(outcomes: list[StageOutcome]) -> list[str]:
    header = f"{'stage':<10} {'seconds':>9}  {'count':<28} table versions"
    return [header, "-" * len(header), *(o.line() for o in outcomes)]


def run_nightly(spark, store, cfg, run) -> dict:
    """The nightly stage: the chain (``cfg.nightly.stages`` or all), its summary and where to look."""
    stages.announce_tasks(cfg)
    outcomes = run_chain(spark, store, cfg, cfg.nightly.stages or None, force=cfg.nightly.force)
    print("\n".join(["", "nightly run summary", *summary_lines(outcomes)]), flush=True)
    print(f"\ntables under {store.paths.root}/tables:", flush=True)
    for name in ("catalog", "quarantine", "embeddings"):
        if store.exists(name):
            print(f"  {name:<12} {store.uri(name)}  (version {store.version(name)})")
    if store.exists("embeddings"):
        print(SAMPLE_SQL.format(embeddings=store.uri("embeddings")))
    tracked = track_nightly(cfg, store, outcomes, run)
    if tracked:
        print(f"MLflow run {tracked} ({cfg.tracking.uri or store.paths.root + '/mlruns'})", flush=True)
    refusal = next((o.refusal for o in outcomes if o.refusal), None)
    if refusal is not None:
        raise refusal          # exit 5, after the chain ran on with the current version
    return {"stages": [{k: v for k, v in o.__dict__.items() if k != "refusal"} for o in outcomes]}


SAMPLE_SQL = """
Join the embeddings onto your features in Spark SQL (any Delta reader works too):

  >>> TableStore(spark, cfg.storage).read("embeddings").createOrReplaceTempView("embeddings")
  SELECT f.*, e.embedding, e.embedding_pg
  FROM my_features f JOIN embeddings e
    ON e.product_id = f.product_id AND e.marketplace = f.marketplace
  WHERE e.status = 'ok'

DuckDB:  SELECT product_group, count(*) FROM delta_scan('{embeddings}') GROUP BY ALL;
pandas:  deltalake.DeltaTable('{embeddings}').to_pandas(columns=['product_id', 'embedding'])
"""
