"""A known failure reaches the user as one line naming the file, table or key and what to do."""
from __future__ import annotations

from pathlib import Path

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


def one_line_failure(capsys, argv, stage=None, job="ingest") -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(job, "doc", stage, argv=argv)
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1, err
    return exit_info.value.code, err[0]


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("catalog:\n  name: bad\n  format: csv\n   path: x\n")
    code, line = one_line_failure(capsys, ["--catalog", str(bad)])
    assert code == 2
    assert line == f"configuration error: {bad}: not valid YAML at line 4, column 8: mapping values are not allowed here"


def test_a_missing_catalog_path_fails_before_spark_reads_it(tmp_path):
    from mrnet.catalog import read_source
    from mrnet.configuration import ConfigError
    from mrnet.configuration.schema import CatalogSettings, SyntheticSettings

    catalog = CatalogSettings(name="toys", format="csv", path=str(tmp_path / "nope.csv"),
                              columns={c: c for c in ("product_id", "marketplace", "product_group", "title")})
    with pytest.raises(ConfigError, match=r"catalog.path: '.*nope.csv' does not exist \(catalog 'toys'\)"):
        read_source(None, catalog, SyntheticSettings())


def test_a_truncated_delta_log_is_one_line_naming_the_table(tmp_path, capsys, monkeypatch):
    import pyarrow as pa
    from deltalake import write_deltalake

    import mrnet.cli as cli
    from mrnet.configuration.schema import StorageSettings
    from mrnet.storage import TableStore

    store = TableStore(None, StorageSettings(root=str(tmp_path)))
    for i in range(2):
        write_deltalake(store.uri("catalog"), pa.table({"a": [i]}), mode="append")
    commit = Path(store.uri("catalog")) / "_delta_log" / "00000000000000000001.json"
    commit.write_text(commit.read_text()[:40])

    def stage_reading_the_table(*args, **kwargs):
        store.version("catalog")

    monkeypatch.setattr(cli, "run_job", stage_reading_the_table)
    code, line = one_line_failure(capsys, [], job="corpus")
    assert code == 1
    assert line.startswith(f"corpus failed: the Delta log of {store.uri('catalog')} cannot be read (")
    assert "_delta_log/ is probably damaged" in line


def test_a_lost_commit_race_says_nothing_was_committed(capsys, monkeypatch):
    import mrnet.cli as cli
    from mrnet.storage import ConcurrentCommitError

    def losing_stage(*args, **kwargs):
        raise ConcurrentCommitError("/wh/tables/embeddings", 3, 4)

    monkeypatch.setattr(cli, "run_job", losing_stage)
    code, line = one_line_failure(capsys, [], job="score")
    assert code == 1
    assert line == ("score failed: /wh/tables/embeddings: another run committed (table version 3 -> 4) "
                    "while this run was writing; this run committed nothing and the table is intact. "
                    "Re-run the job.")
