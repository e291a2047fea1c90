"""A known failure reaches the user as one line naming the file and what to do (no Spark)."""
from __future__ import annotations

import pytest

from mrnet.cli import known_failure, main
from mrnet.modelstore import ChecksumMismatch

# The tail of what Spark raises on the driver when an executor's model load fails (captured from
# a score run over a model.safetensors with 64 flipped bytes).
WORKER_TRACE = """An exception was thrown from the Python worker. Please see the stack trace below.
Traceback (most recent call last):
  File "/w/mrnet/modelstore/artifacts.py", line 63, in read_file
    raise ChecksumMismatch(f"{Path(folder) / name}: files are corrupt (checksum differs from "
mrnet.modelstore.artifacts.ChecksumMismatch: /wh/models/mv-1/groups/de/home/model.safetensors: files are corrupt (checksum differs from the manifest)
 SQLSTATE: 38000"""


def test_a_worker_checksum_failure_becomes_one_line():
    line = known_failure(RuntimeError(WORKER_TRACE))
    assert line.startswith("/wh/models/mv-1/groups/de/home/model.safetensors: files are corrupt")
    assert "restore that folder, or retrain" in line and "\n" not in line


def test_a_driver_checksum_failure_and_an_unknown_one():
    assert "files are corrupt" in known_failure(ChecksumMismatch("/m/x: files are corrupt"))
    assert known_failure(RuntimeError("something else entirely")) is None


def test_main_exits_with_one_line_and_debug_shows_the_trace(monkeypatch, capsys):
    import mrnet.cli as cli

    def failing_job(*args, **kwargs):
        raise RuntimeError(WORKER_TRACE)

    monkeypatch.setattr(cli, "run_job", failing_job)
    with pytest.raises(SystemExit) as exit_info:
        main("score", "doc", None, argv=[])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("score failed: /wh/models/mv-1/groups/de/home/model.safetensors")
    with pytest.raises(RuntimeError):
        main("score", "doc", None, argv=["--debug"])
