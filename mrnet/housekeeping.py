"""Housekeeping: remove the files no table version inside the retention reads.

Per Delta table: files that later versions removed (once that removal is older than the
retention), files of runs that died before committing, and their ``_staging`` folders; plus the
``staging/`` folders the delta-spark engine leaves behind when a run is killed. Every version
committed within the retention stays readable (time travel inside it is intact); a run still
writing is safe as long as the retention is longer than the longest job.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

log = logging.getLogger("mrnet")


@dataclass
class Cleanup:
    """What one vacuum removed (or, in a dry run, would remove)."""

    dry_run: bool
    retention_hours: int
    files: dict[str, list[str]] = field(default_factory=dict)   # table -> its relative paths
    engine_staging: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(map(len, self.files.values())) + len(self.engine_staging)

    def lines(self) -> list[str]:
        verb = "would remove" if self.dry_run else "removed"
        out = [f"vacuum (retention {self.retention_hours} h{', dry run' if self.dry_run else ''}): "
               f"{verb} {self.total:,} files or folders"]
        for table, paths in self.files.items():
            out.append(f"  {table:<20} {len(paths):>7,}")
            out += [f"      {p}" for p in paths[:20] if self.dry_run]
            if self.dry_run and len(paths) > 20:
                out.append(f"      ... and {len(paths) - 20:,} more")
        if self.engine_staging:
            out.append(f"  {'staging/':<20} {len(self.engine_staging):>7,}")
        return out


def vacuum_warehouse(store, retention_hours: int, dry_run: bool) -> Cleanup:
    cleanup = Cleanup(dry_run, retention_hours)
    for table in store.tables():
        cleanup.files[table] = store.vacuum(table, retention_hours, dry_run)
        log.info("vacuum %s: %d paths", table, len(cleanup.files[table]))
    cleanup.engine_staging = _dead_engine_staging(store.paths.root, retention_hours, dry_run)
    return cleanup


def _dead_engine_staging(root: str, retention_hours: int, dry_run: bool) -> list[str]:
    """``<root>/staging/*`` folders (delta-spark runs that died) older than the retention."""
    from mrnet.storage.delta_rs import remove_dead_folders

    return [f"staging/{name}" for name in remove_dead_folders(f"{root}/staging", retention_hours, dry_run)]
