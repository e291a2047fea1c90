"""Errors the storage layer raises with a message a user can act on."""
from __future__ import annotations

from mrnet.errors import PipelineError


class StorageError(PipelineError):
    exit_code = 1


class TableMissingError(StorageError):
    exit_code = 3


class UnreadableTableError(StorageError):
    """The table's Delta log cannot be read (e.g. a truncated commit file)."""

    def __init__(self, uri: str, detail: str):
        super().__init__(
            f"the Delta log of {uri} cannot be read ({detail}). Its newest commit file under "
            "_delta_log/ is probably damaged: restore it from a backup, or move it away to go back "
            "to the version before it")


class EngineUnavailableError(StorageError):
    exit_code = 2   # the conf asks for an engine this cluster does not have


class ConcurrentCommitError(StorageError):
    """Another run committed to the table after this run read it; this run committed nothing."""

    def __init__(self, uri: str, read_version, current_version, detail: str = ""):
        self.uri, self.read_version, self.current_version = uri, read_version, current_version
        message = (
            f"{uri}: another run committed (table version {read_version} -> {current_version}) "
            "while this run was writing; this run committed nothing and the table is intact. "
            "Re-run the job."
        )
        super().__init__(message + (f" [{detail}]" if detail else ""))
