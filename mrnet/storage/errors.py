"""Errors the storage layer raises with a message a user can act on."""
from __future__ import annotations


class StorageError(RuntimeError):
    pass


class TableMissingError(StorageError):
    pass


class EngineUnavailableError(StorageError):
    pass


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
