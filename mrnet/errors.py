"""Errors a pipeline stage raises for a person to act on; the CLI maps each to an exit code.

Exit codes of every job (a scheduler can alert on them):
    0  success
    1  a stage failed (e.g. some groups did not train); the message says which and why
    2  configuration error (unknown key, wrong type, bad value, missing input named in conf)
    3  a required input is missing or empty (no trained model version yet, no word vectors, an
       empty catalog)
    4  a commit was refused to protect a good table (ingest would shrink or empty the catalog;
       ``--allow-shrink`` overrides)
    5  the quality gate refused to publish a retrained model version (scoring kept the current
       one; ``models/<version>/gate.md`` says which metrics failed; ``--force-publish``
       overrides). The nightly chain runs its later stages with the current version first.
"""
from __future__ import annotations


class PipelineError(RuntimeError):
    """A stage could not do its work; ``exit_code`` says what kind of failure it was."""

    exit_code = 1


class StageFailed(PipelineError):
    exit_code = 1


class BadSelection(PipelineError):
    """A conf value selects nothing (e.g. ``train.groups`` matches no group)."""

    exit_code = 2


class MissingInput(PipelineError):
    exit_code = 3


class RefusedCommit(PipelineError):
    """Committing would destroy a good table version; it stays current."""

    exit_code = 4


class GateRefused(PipelineError):
    """The retrained model version is worse than the published one; it was not published."""

    exit_code = 5

    def __init__(self, message: str, summary: dict):
        super().__init__(message)
        self.summary = summary
