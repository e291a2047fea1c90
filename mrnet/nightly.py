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
from pathlib import Path
from typing import Callable

from mrnet import stages
from mrnet.cli.common import RunRecord
from mrnet.modelstore import current_model_version

log = logging.getLogger("mrnet")


def _catalog_content(store) -> dict:
    """The catalog's content fingerprint (written by ingest), not its version: a re-ingest of an
    unchanged catalog does not make every later stage run again."""
    from mrnet.ingest import CONTENT_KEY

    if not store.exists("catalog"):
        return {"catalog": None}
    return {"catalog": store.history("catalog")[0].get(CONTENT_KEY, store.version("catalog"))}


def _model_version(store) -> str | None:
    return current_model_version(store.paths)


# (name, stage function, inputs(store, cfg) -> the state that decides whether to rerun)
CHAIN: list[tuple[str, Callable, Callable]] = [
    # ingest always runs: it snapshots tonight's catalog (a new version, the same rows if unchanged)
    ("ingest", stages.ingest, None),
    ("corpus", stages.corpus, lambda s, c: {**_catalog_content(s), "conf": c.corpus}),
    ("word2vec", stages.word2vec, lambda s, c: {**s.versions("corpus"), "conf": c.word2vec}),
    ("labels", stages.labels, lambda s, c: {**_catalog_content(s), **s.versions("corpus"), "tasks": c.tasks,
                                            "conf": c.labels}),
    ("train", stages.train, lambda s, c: {**s.versions("labels", "label_metadata", "corpus"),
                                          "conf": c.train, "word2vec": c.word2vec}),
    ("agnostic", stages.agnostic, lambda s, c: {"model": _model_version(s), "conf": c.agnostic}),
    ("align", stages.align, lambda s, c: {"model": _model_version(s), "conf": c.align,
                                          "agnostic": c.agnostic}),
    ("score", stages.score, lambda s, c: {**_catalog_content(s), "model": _model_version(s),
                                          "agnostic": c.agnostic, "align": c.align}),
    ("evaluate", stages.evaluate, lambda s, c: {**s.versions("embeddings"), "conf": c.evaluate}),
]


@dataclass
class StageOutcome:
    stage: str
    seconds: float
    rows: int | None
    versions: dict
    skipped: bool = False

    def line(self) -> str:
        rows = f"{self.rows:,}" if self.rows is not None else "-"
        versions = ", ".join(f"{t}@v{v}" for t, v in self.versions.items() if v is not None)
        state = "skipped (inputs unchanged)" if self.skipped else versions
        return f"{self.stage:<10} {self.seconds:>8.1f}s {rows:>12}  {state}"


def _fingerprint(inputs: dict) -> str:
    text = json.dumps(inputs, sort_keys=True, default=lambda o: dataclasses.asdict(o)
                      if dataclasses.is_dataclass(o) else str(o))
    return hashlib.sha256(text.encode()).hexdigest()


def _last_success(store, name: str) -> Path:
    return Path(store.paths.root) / "runs" / name / "last_success.json"


def run_chain(spark, store, cfg, only: list[str] | None = None, force: bool = False) -> list[StageOutcome]:
    """Run the stages (or ``only`` those), each recorded as its own run. Stops at a failure."""
    outcomes = []
    for name, stage, inputs in CHAIN:
        if only and name not in only:
            continue
        fingerprint = _fingerprint(inputs(store, cfg)) if inputs else None
        marker = _last_success(store, name)
        if (not force and fingerprint and marker.exists()
                and json.loads(marker.read_text())["inputs"] == fingerprint):
            log.info("stage %s: inputs unchanged since its last success; skipped", name)
            outcomes.append(StageOutcome(name, 0.0, None, {}, skipped=True))
            continue
        log.info("stage %s: starting", name)
        run = RunRecord.start(name, cfg)
        started = time.time()
        summary = run.finish(stage(spark, store, cfg, run))
        marker.write_text(json.dumps({"inputs": fingerprint, "run_id": run.run_id}))
        outcomes.append(StageOutcome(name, time.time() - started, summary.get("rows"),
                                     summary.get("versions", {})))
    return outcomes


def summary_lines(outcomes: list[StageOutcome]) -> list[str]:
    header = f"{'stage':<10} {'seconds':>9} {'rows':>12}  table versions"
    return [header, "-" * len(header), *(o.line() for o in outcomes)]
