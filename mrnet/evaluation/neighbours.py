"""Nearest neighbours of sampled products (paper 4.2, Euclidean) and across languages (paper
section 5), as tables and markdown; numpy/pandas on the driver, no Spark.

* :func:`neighbour_table` -- the k nearest products of each sampled product, itself excluded.
* :func:`cross_language_neighbours` -- the k nearest products of another language.
* :func:`neighbour_markdown` -- either table as one markdown section per query.
* :func:`alignment_precision` -- precision@k of a cross-language projection.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from mrnet.evaluation.inputs import as_vectors
from mrnet.evaluation.markdown import markdown_inline, markdown_table
from mrnet.retrieval import nearest_neighbours, precision_at_k, random_baseline

__all__ = ["neighbour_table", "cross_language_neighbours", "neighbour_markdown", "alignment_precision"]

_OPTIONAL_COLUMNS = ("neighbour_group", "same_group", "is_counterpart")


def _sample_rows(sample, n: int, seed: int) -> np.ndarray:
    """Positions into ``n`` rows: ``sample`` itself (validated), or that many random sorted
    positions when it is an int."""
    if isinstance(sample, (int, np.integer)):
        return np.sort(np.random.default_rng(seed).choice(n, size=min(int(sample), n), replace=False))
    rows = np.asarray(sample, dtype=np.int64).reshape(-1)
    if rows.size and (rows.min() < 0 or rows.max() >= n):
        raise ValueError(f"sample positions must lie in [0, {n})")
    return rows


def _titles(titles, n: int) -> np.ndarray:
    out = np.asarray(list(titles), dtype=object)
    if len(out) != n:
        raise ValueError("vectors and titles differ in length")
    return out


def neighbour_table(vectors, titles: Sequence[str], groups, sample, k: int = 9,
                    seed: int = 0) -> pd.DataFrame:
    """The k Euclidean nearest neighbours (paper 4.2) of each sampled product among all
    ``vectors`` ``(N, d)``, itself excluded (by position: an identical duplicate still counts).

    ``sample``: positions into ``vectors`` (or an int: that many random products, ``seed``).
    ``groups`` ``(N,)``: product group / category per product (None: ``same_group`` is NA).
    One row per (query, rank): query_index, query_title, query_group, rank (1 = nearest),
    neighbour_index, neighbour_title, neighbour_group, distance, same_group.
    """
    x = as_vectors(vectors)
    titles = _titles(titles, x.shape[0])
    rows = _sample_rows(sample, x.shape[0], seed)
    idx, dist = nearest_neighbours(x[rows], x, k=k, exclude_self=True, query_index=rows)
    return _neighbour_frame(rows, titles, idx, dist, titles, groups, groups)


def _neighbour_frame(rows, q_titles, idx, dist, u_titles, q_groups, u_groups) -> pd.DataFrame:
    """One row per (query, rank) from ``idx``, ``dist`` ``(len(rows), k)``."""
    k = idx.shape[1]
    q = np.repeat(rows, k)
    flat = idx.reshape(-1)
    frame = pd.DataFrame({
        "query_index": q,
        "query_title": q_titles[q],
        "rank": np.tile(np.arange(1, k + 1), len(rows)),
        "neighbour_index": flat,
        "neighbour_title": u_titles[flat],
        "distance": dist.reshape(-1),
    })
    if q_groups is not None and u_groups is not None:
        qg, ug = np.asarray(q_groups, dtype=object)[q], np.asarray(u_groups, dtype=object)[flat]
        frame.insert(2, "query_group", qg)
        frame.insert(6, "neighbour_group", ug)
        frame["same_group"] = qg == ug
    else:
        frame["same_group"] = pd.NA
    return frame


def cross_language_neighbours(query_vectors, query_titles: Sequence[str], universe_vectors,
                              universe_titles: Sequence[str], k: int = 5, sample=20, seed: int = 0,
                              counterpart=None) -> pd.DataFrame:
    """Paper section 5: for sampled products of language A, already projected into language
    B's space by the caller (``query_vectors`` ``(Nq, d)``), the k nearest products of B
    (``universe_vectors`` ``(Nu, d)``, Euclidean).  ``sample``: positions into the queries or
    an int (random, ``seed``).  ``counterpart`` ``(Nq,)``: optional universe position of each
    query's true counterpart (-1 = none); adds ``is_counterpart`` per row.  Columns: query_index,
    query_title, rank, neighbour_index, neighbour_title, distance, same_group (NA)
    [, is_counterpart]."""
    qx, ux = as_vectors(query_vectors, "query_vectors"), as_vectors(universe_vectors, "universe_vectors")
    q_titles, u_titles = _titles(query_titles, qx.shape[0]), _titles(universe_titles, ux.shape[0])
    rows = _sample_rows(sample, qx.shape[0], seed)
    idx, dist = nearest_neighbours(qx[rows], ux, k=k)
    frame = _neighbour_frame(rows, q_titles, idx, dist, u_titles, None, None)
    if counterpart is not None:
        truth = np.asarray(counterpart, dtype=np.int64)[frame["query_index"].to_numpy()]
        frame["is_counterpart"] = frame["neighbour_index"].to_numpy() == truth
    return frame


def _yes_no(v):
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    return v


def _summary_line(table: pd.DataFrame) -> list[str]:
    """The share of neighbours in their query's group, when every row knows it."""
    if "same_group" in table and table["same_group"].notna().all() and len(table):
        return [f"{table['query_index'].nunique()} queries; neighbours in the query's group: "
                f"{table['same_group'].astype(bool).mean():.1%}", ""]
    return []


def _query_section(part: pd.DataFrame) -> list[str]:
    """The lines of one query: its title (and group) as a heading, then its neighbours' table."""
    first = part.iloc[0]
    group = f" ({markdown_inline(first['query_group'])})" if "query_group" in part else ""
    extra = [c for c in _OPTIONAL_COLUMNS if c in part]
    rows = ([str(r.rank), r.neighbour_title, f"{r.distance:.4f}", *(_yes_no(getattr(r, c)) for c in extra)]
            for r in part.itertuples(index=False))
    table = markdown_table(["rank", "neighbour", "distance", *extra], rows, right_aligned=(0, 2))
    return [f"### {markdown_inline(first['query_title'])}{group}", "", table, ""]


def neighbour_markdown(table: pd.DataFrame, heading: str = "Nearest neighbours") -> str:
    """A markdown section per query of a :func:`neighbour_table` /
    :func:`cross_language_neighbours` frame: the query title (and group), then its neighbours
    with distance and whether they share the query's group; a summary line first."""
    lines = [f"## {heading}", "", *_summary_line(table)]
    for _, part in table.groupby("query_index", sort=False):
        lines += _query_section(part)
    return "\n".join(lines)


def alignment_precision(projected, counterparts, ks: Sequence[int] = (1, 10), metric="euclidean",
                        unaligned=None) -> dict:
    """Retrieval quality of a cross-language projection: row i of ``projected`` ``(n, d)``
    (language A mapped into B's space) should find row i of ``counterparts`` ``(n, d)`` (B) among
    all of them (:func:`mrnet.retrieval.precision_at_k`).  Adds ``random`` (chance p@k) and, when
    ``unaligned`` ``(n, d)`` (A's vectors without projection) is given, ``unaligned``: the same
    metrics without the alignment, the floor it must beat."""
    out = precision_at_k(projected, counterparts, ks=ks, metric=metric)
    out["random"] = random_baseline(out["n"], ks)
    if unaligned is not None:
        out["unaligned"] = precision_at_k(unaligned, counterparts, ks=ks, metric=metric)
    return out
