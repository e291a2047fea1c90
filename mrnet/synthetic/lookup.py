"""Vectorised lookups over word lists: padded synonym tables, conditional categorical draws and
the French word forms they need.

Every id table has one extra trailing entry ("" / neutral multiplier), so id -1 means "absent"
without special cases.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


def synonyms(text: str) -> list[str]:
    """'sofa|couch' -> ['sofa', 'couch']."""
    return [s.strip() for s in text.split("|")]


def padded(rows: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Ragged word lists -> (object array [len+1, width] with a trailing empty row, counts)."""
    width = max(len(r) for r in rows)
    table = np.full((len(rows) + 1, width), "", dtype=object)
    for i, r in enumerate(rows):
        table[i, :len(r)] = r
    counts = np.array([len(r) for r in rows] + [1], dtype=np.int64)
    return table, counts


def pick_word(table: np.ndarray, counts: np.ndarray, ids: np.ndarray, u: np.ndarray) -> np.ndarray:
    """One synonym per row: table[ids, floor(u * count)] (ids may be -1 -> "")."""
    return table[ids, (u * counts[ids]).astype(np.int64)]


def appended(values: Sequence, neutral: str | float) -> np.ndarray:
    """values plus the neutral entry that id -1 selects."""
    return np.array(list(values) + [neutral], dtype=object if isinstance(neutral, str) else np.float64)


def shown_if(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """values where mask else "" (object array)."""
    return np.where(mask, values, "").astype(object)


def french_forms(spec: str) -> list[str]:
    """French adjective 'm|f' (or '=invariable') -> [m, f, m plural, f plural]."""
    if spec.startswith("="):
        return [spec[1:]] * 4
    m, f = (spec.split("|") + [spec])[:2]
    plural = [w if w.endswith(("s", "x")) else w + "s" for w in (m, f)]
    return [m, f, *plural]


def french_nouns(specs: Sequence[str]) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray, np.ndarray]:
    """'chaise:f|siège:m' specs -> (padded words, counts), gender form codes, starts-with-vowel."""
    codes = {"m": 0, "f": 1, "mp": 2, "fp": 3}
    parsed = [[w.rsplit(":", 1) for w in synonyms(spec)] for spec in specs]
    table, counts = padded([[w for w, _ in ws] for ws in parsed])
    gender = np.zeros(table.shape, dtype=np.int64)
    vowel = np.zeros(table.shape, dtype=bool)
    for i, ws in enumerate(parsed):
        gender[i, :len(ws)] = [codes[c] for _, c in ws]
        vowel[i, :len(ws)] = [w[0].lower() in "aeiouhéèêâîôûœ" for w, _ in ws]
    return (table, counts), gender, vowel


@dataclass(frozen=True)
class StackedChoice:
    """Vectorised categorical draws conditional on a parent id (group, item, size system...)."""

    cdf: np.ndarray     # parent + cumulative share within the parent's block
    values: np.ndarray  # the drawn id of every slot (-1 where a parent has no options)

    @staticmethod
    def build(options: Sequence[Sequence[int]], weights: Sequence[Sequence[float]] | None = None) -> "StackedChoice":
        cdf, values = [], []
        for parent, opts in enumerate(options):
            w = np.asarray(weights[parent] if weights else [1.0] * len(opts), dtype=np.float64)
            if len(opts) == 0:
                opts, w = [-1], np.ones(1)
            cum = np.cumsum(w) / w.sum()
            cum[-1] = 1.0
            cdf.extend(parent + cum)
            values.extend(opts)
        return StackedChoice(np.asarray(cdf), np.asarray(values, dtype=np.int64))

    def pick(self, parent: np.ndarray, u: np.ndarray) -> np.ndarray:
        x = parent + np.minimum(u, 1.0 - 1e-9)
        return self.values[np.searchsorted(self.cdf, x, side="right")]
