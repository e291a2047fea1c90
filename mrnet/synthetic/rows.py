"""Catalog rows for a batch of row ids, in pure numpy/pandas: this runs on executors inside
``mapInPandas``, or locally.

A row's output depends only on (seed, row id, n_rows, pair_fraction, dirty_fraction), never on
how ids are batched or partitioned: every draw is a counter-based hash keyed by the product key
(product attributes) or the row id (listing noise).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .columns import CATALOG_COLUMNS
from .descriptions import descriptions
from .dirt import apply_dirt
from .hashing import MASK64
from .listings import Layout, ListingDraws, draw_listings, layout, listing_prices, product_ids
from .products import draw_products, high_value_thresholds
from .tables import vocabulary_tables
from .titles import titles


def generate_rows(row_ids: np.ndarray, n_rows: int, seed: int, pair_fraction: float = 0.3,
                  dirty_fraction: float = 0.0) -> pd.DataFrame:
    """Pure numpy/pandas: the catalog rows for these row ids (int64, in [0, n_rows)). Output for a
    row depends only on (seed, row id, n_rows, pair_fraction, dirty_fraction) — never on how ids
    are batched. Runs wherever it is called: on executors inside mapInPandas, or locally."""
    check_args(n_rows, pair_fraction, dirty_fraction)
    rows = np.asarray(row_ids, dtype=np.int64).ravel()
    if rows.size == 0:
        return _empty_frame()
    if rows.min() < 0 or rows.max() >= n_rows:
        raise ValueError(f"row ids must lie in [0, {n_rows})")
    seed = int(seed) & MASK64
    lay = layout(seed, rows, n_rows, pair_fraction)
    p = draw_products(seed, lay.pkey)
    draws = draw_listings(seed, rows, lay, p)
    title, description = _texts(seed, rows, lay, p, draws)
    frame = _catalog_frame(rows, lay, p, draws, title, description)
    if dirty_fraction > 0:
        apply_dirt(frame, seed, rows, n_rows, dirty_fraction)
    return frame


def check_args(n_rows: int, pair_fraction: float, dirty_fraction: float) -> None:
    if n_rows < 0:
        raise ValueError(f"n_rows must be >= 0, got {n_rows}")
    for name, value in (("pair_fraction", pair_fraction), ("dirty_fraction", dirty_fraction)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be in [0, 1], got {value}")


def _empty_frame() -> pd.DataFrame:
    dtypes = {"string": object, "boolean": bool, "double": np.float64, "bigint": np.int64}
    return pd.DataFrame({name: pd.Series([], dtype=dtypes[kind]) for name, kind in CATALOG_COLUMNS})


def _texts(seed: int, rows: np.ndarray, lay: Layout, p: dict[str, np.ndarray],
           draws: ListingDraws) -> tuple[np.ndarray, np.ndarray]:
    """Titles and descriptions: English on uk rows, French on fr rows."""
    title = np.empty(rows.size, dtype=object)
    description = np.empty(rows.size, dtype=object)
    for lang, mask in (("en", ~lay.is_fr), ("fr", lay.is_fr)):
        idx = np.flatnonzero(mask)
        if idx.size:
            sub = {k: v[idx] for k, v in p.items()}
            title[idx], syn = titles(seed, rows[idx], lang, sub, draws.on_offer[idx], draws.badge[idx])
            description[idx] = descriptions(seed, rows[idx], lang, sub, syn)
    return title, description


def _catalog_frame(rows: np.ndarray, lay: Layout, p: dict[str, np.ndarray], draws: ListingDraws,
                   title: np.ndarray, description: np.ndarray) -> pd.DataFrame:
    """The rows in CATALOG_COLUMNS order (ids, texts, product attributes, listing draws)."""
    t = vocabulary_tables()
    item, group = p["item"], p["group"]
    return pd.DataFrame({
        "product_id": product_ids(rows),
        "marketplace": np.where(lay.is_fr, "fr", "uk").astype(object),
        "product_group": t.group_names[group],
        "title": title,
        "description": description,
        "pair_key": lay.pair_key,
        "brand": t.brand_names[p["brand"]],
        "color": _masked(t.color_names[p["color"]], p["null_color"]),
        "size": _masked(t.size_labels[p["size"]], p["null_size"]),
        "material": _masked(t.material_names[p["material"]], p["null_material"]),
        "subcategory": t.subcat_names[t.item_subcat[item]],
        "item_type": t.item_names[item],
        "hazardous": p["hazardous"],
        "batteries": p["batteries"],
        "high_value": p["price_gbp"] > high_value_thresholds()[group],
        "on_offer": draws.on_offer,
        "has_reviews": draws.has_reviews,
        "target_gender": t.gender_names[p["gender"]],
        "weight_kg": np.where(p["null_weight"], np.nan, np.round(np.maximum(p["weight"], 0.01), 3)),
        "price": np.where(p["null_price"], np.nan, listing_prices(lay, p["price_gbp"])),
        "view_count": np.floor(np.exp(draws.log_views)).astype(np.int64),
        "has_plug": p["has_plug"],
        "ships_in_own_container": p["sioc"],
        "browse_category": t.browse[item, p["style"]],
        "ingestible": t.item_ingestible[item],
        "gift_wrap": p["gift_wrap"],
    })


def _masked(values: np.ndarray, null: np.ndarray) -> np.ndarray:
    """Object array with None where null (values "" also become None)."""
    out = values.astype(object)
    out[null | (out == "")] = None
    return out
