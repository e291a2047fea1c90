"""Listings: which product each row lists (uk/fr pairing), and the per-listing draws keyed by row
id (offer, badge, popularity, reviews, local price)."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .hashing import F_OFFER, F_PAIR, F_REVIEWS, F_TAG, F_VIEWS, normal, uniform
from .tables import vocabulary_tables

FR_PRICE_FACTOR = 1.15  # EUR per GBP for the fr listing of a product
# Popularity (log1p view_count) = brand popularity + item-type demand + listing badge + noise, so
# that about 55% of its variance within a group is explained by words of the title.
TAG_SHARES = (0.14, 0.12)  # P(bestseller badge), P(new-listing badge) per listing
TAG_VIEWS = (1.2, -0.7)    # log-views effect of each badge


@dataclass(frozen=True)
class Layout:
    """Which product each row lists: row 2k uk listing of product k, row 2k+1 fr listing."""

    is_fr: np.ndarray
    k: np.ndarray
    pkey: np.ndarray
    pair_key: np.ndarray


def layout(seed: int, rows: np.ndarray, n_rows: int, pair_fraction: float) -> Layout:
    """Pairing of uk/fr rows; the product key is the uk row id for shared products."""
    is_fr = (rows & 1).astype(bool)
    k = rows >> 1
    paired = uniform(seed, k, F_PAIR) < pair_fraction
    has_partner = paired & (2 * k + 1 < n_rows)
    pkey = np.where(is_fr & paired, rows - 1, rows)
    pair_key = np.full(rows.size, None, dtype=object)
    partnered = np.flatnonzero(has_partner)
    pair_key[partnered] = [f"p-{x}" for x in k[partnered].tolist()]
    return Layout(is_fr, k, pkey, pair_key)


def product_ids(rows: np.ndarray) -> np.ndarray:
    """'uk-0000012345' / 'fr-0000012345': marketplace prefix + the product slot k = row // 2."""
    return np.array([f"{'fr' if r & 1 else 'uk'}-{r >> 1:010d}" for r in rows.tolist()], dtype=object)


@dataclass(frozen=True)
class ListingDraws:
    """Per-listing draws; badge 1 bestseller, 2 new, 0 none (said in the title)."""

    on_offer: np.ndarray
    badge: np.ndarray
    log_views: np.ndarray
    has_reviews: np.ndarray


def draw_listings(seed: int, rows: np.ndarray, lay: Layout, p: dict[str, np.ndarray]) -> ListingDraws:
    """Offer, badge, popularity and reviews of each listing; cheap brands are on offer more often."""
    t = vocabulary_tables()
    u = functools.partial(uniform, seed, rows)
    on_offer = u(F_OFFER) < np.where(t.brand_tier[p["brand"]] <= 0.8, 0.28, 0.16)
    badge = _badges(u(F_TAG))
    log_views = _log_views(seed, rows, lay, p, badge)
    has_reviews = u(F_REVIEWS) < _sigmoid(1.3 * (log_views - 5.0))
    return ListingDraws(on_offer, badge, log_views, has_reviews)


def _badges(tag_u: np.ndarray) -> np.ndarray:
    return np.select([tag_u < TAG_SHARES[0], tag_u < TAG_SHARES[0] + TAG_SHARES[1]], [1, 2], 0)


def _log_views(seed: int, rows: np.ndarray, lay: Layout, p: dict[str, np.ndarray], badge: np.ndarray) -> np.ndarray:
    """Brand popularity + item-type demand + badge effect - relative price + product and listing
    noise; fr listings are a bit less viewed."""
    t = vocabulary_tables()
    return (5.0 + np.log(t.brand_pop[p["brand"]]) + t.item_pop[p["item"]]
            + np.select([badge == 1, badge == 2], list(TAG_VIEWS), 0.0)
            - 0.2 * np.log(p["price_gbp"] / t.item_price[p["item"]])
            + 0.75 * p["pop_z"] + 0.5 * normal(seed, rows, F_VIEWS) - 0.4 * lay.is_fr)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def listing_prices(lay: Layout, price_gbp: np.ndarray) -> np.ndarray:
    """Local shop price of each listing: GBP on uk, EUR (FR_PRICE_FACTOR) on fr."""
    return np.where(lay.is_fr, _charm_price(price_gbp * FR_PRICE_FACTOR), _charm_price(price_gbp))


def _charm_price(p: np.ndarray) -> np.ndarray:
    """Shop-style prices: 12.99 above 10, two decimals below."""
    return np.where(p >= 10.0, np.floor(p) + 0.99, np.round(np.maximum(p, 0.5), 2))
