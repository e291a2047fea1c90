"""What every job shares: arguments, config loading, the session, and the run record."""
from __future__ import annotations

import argparse
import json
import logging
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from mrnet.configuration import ConfigError, PipelineConfig, dump_yaml, load_config
from mrnet.paths import Paths

log = logging.getLogger("mrnet")


def job_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conf-env", default="local",
                        help="environment folder under conf/ layered over conf/base (default: local)")
    parser.add_argument("--catalog", default=None,
                        help="a catalog conf: NAME for conf/catalogs/NAME.yaml, or a YAML path "
                             "(default: the synthetic catalog of conf/base/catalog.yaml)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override one config value, e.g. --set synthetic.rows=100000 (repeatable)")
    parser.add_argument("--conf-dir", default=None, help="the conf/ folder (default: the project's)")
    return parser


def load_job_config(args: argparse.Namespace) -> PipelineConfig:
    try:
        return load_config(PipelineConfig, env=args.conf_env, overrides=args.overrides,
                           catalog=args.catalog, conf_dir=args.conf_dir)
    except ConfigError as error:
        raise SystemExit(f"configuration error: {error}") from None


@dataclass
class RunRecord:
    """One job run: its id and folder, where the resolved config and the summary are written."""

    job: str
    run_id: str
    folder: Path
    started: float

    @classmethod
    def start(cls, job: str, cfg: PipelineConfig) -> "RunRecord":
        run_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        folder = Path(Paths.from_root(cfg.storage.root).run_dir(job, run_id))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.yaml").write_text(dump_yaml(cfg), encoding="utf-8")
        return cls(job, run_id, folder, time.time())

    def metadata(self) -> dict[str, str]:
        """Commit metadata: ties every table version to the run (and its config file)."""
        return {"mrnet.job": self.job, "mrnet.run_id": self.run_id,
                "mrnet.config": str(self.folder / "config.yaml")}

    def finish(self, summary: dict) -> dict:
        summary = {"job": self.job, "run_id": self.run_id,
                   "seconds": round(time.time() - self.started, 2), **summary}
        (self.folder / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
        return summary


def setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s",
                        datefmt="%H:%M:%S")


def run_job(job: str, description: str, stage: Callable, argv=None,
            extra_args: Callable[[argparse.ArgumentParser], None] | None = None) -> dict:
    """Parse arguments, load the config, build the session, run ``stage``, record the run."""
    from mrnet.session import build_spark_session
    from mrnet.storage import TableStore

    parser = job_parser(description)
    if extra_args:
        extra_args(parser)
    args = parser.parse_args(argv)
    setup_logging()
    cfg = load_job_config(args)
    spark = build_spark_session(cfg.spark, app_name=f"mrnet-{job}")
    store = TableStore(spark, cfg.storage)
    run = RunRecord.start(job, cfg)
    summary = run.finish(stage(spark, store, cfg, run, args))
    log.info("%s done in %.1fs; run record: %s", job, summary["seconds"], run.folder)
    return summary
