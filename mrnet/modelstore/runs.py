"""Run records (``runs/<job>/<run_id>/``), the nightly chain's skip markers, and the files a
training run writes beside its model version (summary, quality table, config)."""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from mrnet.modelstore.atomic import read_json, write_atomic, write_json_atomic
from mrnet.modelstore.layout import CONFIG, LAST_SUCCESS, QUALITY, SUMMARY
from mrnet.paths import Paths


@dataclass
class RunRecord:
    """One job run: its id and folder, where the resolved config and the summary are written."""

    job: str
    run_id: str
    folder: Path
    started: float

    @classmethod
    def start(cls, job: str, cfg) -> "RunRecord":
        """A new run of ``job`` under ``cfg.storage.root``, its resolved ``cfg`` written first."""
        from mrnet.configuration import dump_yaml

        run_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        folder = Path(Paths.from_root(cfg.storage.root).run_dir(job, run_id))
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / CONFIG, dump_yaml(cfg))
        return cls(job, run_id, folder, time.time())

    @property
    def config_yaml(self) -> str:
        """The run's resolved config, copied next to every artifact it writes."""
        return (self.folder / CONFIG).read_text(encoding="utf-8")

    def metadata(self) -> dict[str, str]:
        """Commit metadata: ties every table version to the run (and its config file)."""
        return {"mrnet.job": self.job, "mrnet.run_id": self.run_id,
                "mrnet.config": str(self.folder / CONFIG)}

    def finish(self, summary: dict) -> dict:
        summary = {"job": self.job, "run_id": self.run_id,
                   "seconds": round(time.time() - self.started, 2), **summary}
        write_atomic(self.folder / SUMMARY, json.dumps(summary, indent=2, default=str))
        return summary


def last_success(paths: Paths, stage: str) -> dict | None:
    """``{"inputs", "run_id"}`` of the stage's last successful nightly run, if any."""
    path = Path(paths.root) / "runs" / stage / LAST_SUCCESS
    return read_json(path) if path.exists() else None


def record_success(paths: Paths, stage: str, inputs: str | None, run_id: str) -> None:
    write_json_atomic(Path(paths.root) / "runs" / stage / LAST_SUCCESS,
                      {"inputs": inputs, "run_id": run_id})


def write_version_files(paths: Paths, model_version: str, summary: dict, quality_md: str | None,
                        config_yaml: str) -> Path:
    """``models/<version>/{summary.json,quality.md,config.yaml}``."""
    folder = Path(paths.model_version(model_version))
    write_atomic(folder / SUMMARY, json.dumps(summary, indent=2, default=str))
    write_atomic(folder / CONFIG, config_yaml)
    if quality_md is not None:
        write_atomic(folder / QUALITY, quality_md)
    return folder
