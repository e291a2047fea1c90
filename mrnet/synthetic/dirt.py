"""Dirty rows: a hashed dirty_fraction of rows made invalid in one of DIRT_KINDS ways, so that
ingestion's validation has something to reject."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .hashing import F_DIRTY, F_DIRTY_KIND, F_DIRTY_VARIANT, uniform
from .listings import product_ids

DIRT_KINDS: tuple[str, ...] = (
    "empty_title", "null_id", "control_char", "unknown_group", "long_title", "duplicate_id")
UNKNOWN_GROUP = "unknown-group"


def apply_dirt(frame: pd.DataFrame, seed: int, rows: np.ndarray, n_rows: int, dirty_fraction: float) -> None:
    """Make a hashed dirty_fraction of rows invalid, one of DIRT_KINDS each (in place)."""
    dirty = uniform(seed, rows, F_DIRTY) < dirty_fraction
    kind = (uniform(seed, rows, F_DIRTY_KIND) * len(DIRT_KINDS)).astype(np.int64)
    variant = uniform(seed, rows, F_DIRTY_VARIANT)
    title = frame["title"].to_numpy(dtype=object).copy()
    pid = frame["product_id"].to_numpy(dtype=object).copy()
    group = frame["product_group"].to_numpy(dtype=object).copy()
    for i in np.flatnonzero(dirty):
        what, s = DIRT_KINDS[kind[i]], title[i]
        if what == "empty_title":
            title[i] = "" if variant[i] < 0.5 else " " * (1 + int(variant[i] * 8))
        elif what == "null_id":
            pid[i] = None
        elif what == "control_char":
            cut = int(variant[i] * len(s))
            title[i] = s[:cut] + "\x07" + s[cut:]
        elif what == "unknown_group":
            group[i] = UNKNOWN_GROUP
        elif what == "long_title":
            title[i] = " ".join([s] * (2001 // (len(s) + 1) + 2))
        else:  # duplicate_id: the previous row of the same marketplace (the next one for k = 0)
            other = rows[i] - 2 if rows[i] >= 2 else rows[i] + 2
            if other < n_rows:
                pid[i] = product_ids(np.array([other]))[0]
    frame["title"], frame["product_id"], frame["product_group"] = title, pid, group
