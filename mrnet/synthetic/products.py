"""Hidden product attributes, keyed by product key: the uk and fr listings of a shared product
draw them from the same key and so describe the same product."""
from __future__ import annotations

import functools

import numpy as np

from .groups import GROUPS
from .hashing import (CALIBRATION_SEED, F_BRAND, F_COLOR, F_GENDER, F_GIFT, F_GROUP, F_HAZARD, F_ITEM,
                      F_MATERIAL, F_MODEL, F_NULL_COLOR, F_NULL_MATERIAL, F_NULL_PRICE, F_NULL_SIZE,
                      F_NULL_WEIGHT, F_POP, F_POWER, F_PRICE, F_SIOC, F_SIZE, F_STYLE, F_WEIGHT, Draw,
                      hash64, normal, uniform)
from .tables import VocabularyTables, vocabulary_tables

HIGH_VALUE_QUANTILE = 0.8


def draw_products(seed: int, pkey: np.ndarray) -> dict[str, np.ndarray]:
    """Hidden attributes of the products with these keys (vectorised; same key -> same product)."""
    t = vocabulary_tables()
    u = functools.partial(uniform, seed, pkey)
    n = functools.partial(normal, seed, pkey)
    group = np.searchsorted(t.group_cdf, np.minimum(u(F_GROUP), 1 - 1e-12), side="right")
    item = t.item_choice.pick(group, u(F_ITEM))
    brand = t.brand_choice.pick(group, u(F_BRAND))
    material = t.material_choice.pick(item, u(F_MATERIAL))
    sys_ = t.item_size_sys[item]
    size = np.where(sys_ >= 0, t.size_choice.pick(np.maximum(sys_, 0), u(F_SIZE)), -1)
    profile = t.item_profile[item]
    price = (t.item_price[item] * t.brand_tier[brand] * t.material_price[material] * t.size_price[size]
             * np.exp(0.35 * n(F_PRICE)))
    weight = t.item_kg[item] * t.size_weight[size] * t.material_weight[material] * np.exp(0.3 * n(F_WEIGHT))
    sioc_logit = 2.2 * t.item_bulky[item] + 1.6 * (np.log(weight) - np.log(12.0)) + 0.7 * n(F_SIOC)
    return dict(
        group=group, item=item, brand=brand, color=t.color_choice.pick(item, u(F_COLOR)), material=material,
        size=size, style=t.style_choice.pick(group, u(F_STYLE)),
        gender=t.gender_choice.pick(profile, u(F_GENDER)), profile=profile, **_power_supply(t, u, item),
        hazardous=u(F_HAZARD) < t.item_hazard[item],
        price_gbp=price, weight=weight, pop_z=n(F_POP), sioc=sioc_logit > 0,
        gift_wrap=u(F_GIFT) < 0.3, model=hash64(seed, pkey, F_MODEL), **_missing_attributes(u),
    )


def _power_supply(t: VocabularyTables, u: Draw, item: np.ndarray) -> dict[str, np.ndarray]:
    """Battery and mains plug flags; items sold both ways are cordless 55% of the time."""
    mode = t.item_power[item]
    cordless = u(F_POWER) < 0.55
    return dict(
        batteries=(mode == 1) | (mode == 4) | ((mode == 3) & cordless),
        has_plug=(mode == 2) | (mode == 4) | ((mode == 3) & ~cordless),
        cordless=cordless & (mode == 3),
    )


def _missing_attributes(u: Draw) -> dict[str, np.ndarray]:
    """Which attribute values the catalog leaves null for a product."""
    return dict(
        null_color=u(F_NULL_COLOR) < 0.01, null_size=u(F_NULL_SIZE) < 0.02,
        null_material=u(F_NULL_MATERIAL) < 0.02, null_weight=u(F_NULL_WEIGHT) < 0.25,
        null_price=u(F_NULL_PRICE) < 0.05,
    )


@functools.lru_cache(maxsize=1)
def high_value_thresholds() -> np.ndarray:
    """GBP price at the HIGH_VALUE_QUANTILE of each group, from a fixed calibration sample."""
    p = draw_products(CALIBRATION_SEED, np.arange(200_000, dtype=np.int64))
    return np.array([np.quantile(p["price_gbp"][p["group"] == g], HIGH_VALUE_QUANTILE)
                     for g in range(len(GROUPS))])
