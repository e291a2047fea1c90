"""The nightly chain: every stage in order, in one Spark application, with a run summary."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable

from mrnet import stages
from mrnet.cli.common import RunRecord

log = logging.getLogger("mrnet")

# (name, stage function); later issues append corpus, word2vec, labels, train, ... here.
CHAIN: list[tuple[str, Callable]] = [
    ("ingest", stages.ingest),
    ("corpus", stages.corpus),
    ("word2vec", stages.word2vec),
    ("labels", stages.labels),
    ("train", stages.train),
    ("agnostic", stages.agnostic),
    ("align", stages.align),
    ("score", stages.score),
]


@dataclass
class StageOutcome:
    stage: str
    seconds: float
    rows: int | None
    versions: dict

    def line(self) -> str:
        rows = f"{self.rows:,}" if self.rows is not None else "-"
        versions = ", ".join(f"{t}@v{v}" for t, v in self.versions.items())
        return f"{self.stage:<10} {self.seconds:>8.1f}s {rows:>12}  {versions}"


def run_chain(spark, store, cfg, only: list[str] | None = None) -> list[StageOutcome]:
    """Run the stages (or ``only`` those), each recorded as its own run. Stops at a failure."""
    outcomes = []
    for name, stage in CHAIN:
        if only and name not in only:
            continue
        log.info("stage %s: starting", name)
        run = RunRecord.start(name, cfg)
        started = time.time()
        summary = run.finish(stage(spark, store, cfg, run))
        outcomes.append(StageOutcome(name, time.time() - started, summary.get("rows"),
                                     summary.get("versions", {})))
    return outcomes


def summary_lines(outcomes: list[StageOutcome]) -> list[str]:
    header = f"{'stage':<10} {'seconds':>9} {'rows':>12}  table versions"
    return [header, "-" * len(header), *(o.line() for o in outcomes)]
