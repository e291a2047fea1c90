"""Counter-based hashing: every random draw of the catalog is splitmix64(seed, key, field).

The key is the product key for product attributes and the row id for listing noise, so a draw
never depends on how keys are batched. Field numbers are part of the catalog's definition: never
renumber them.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
NORMAL_PAIR = 1000  # second uniform of a Box-Muller pair lives at field + 1000
CALIBRATION_SEED = 0x5EED_CA1B  # fixed: high-value thresholds describe the generator, not a seed
Draw = Callable[[int], np.ndarray]  # field -> one hashed draw per key (seed and keys bound)

# product draws (keyed by product key)
(F_PAIR, F_GROUP, F_ITEM, F_BRAND, F_COLOR, F_SIZE, F_MATERIAL, F_STYLE, F_GENDER, F_POWER,
 F_HAZARD, F_PRICE, F_WEIGHT, F_POP, F_SIOC, F_GIFT, F_MODEL, F_NULL_COLOR, F_NULL_SIZE,
 F_NULL_MATERIAL, F_NULL_WEIGHT, F_NULL_PRICE, F_ITEM_POP) = range(1, 24)
# listing draws (keyed by row id)
(F_OFFER, F_VIEWS, F_REVIEWS, F_TEMPLATE, F_CASE, F_SHOW_BRAND, F_SHOW_COLOR, F_SHOW_MATERIAL,
 F_SHOW_SIZE, F_SHOW_STYLE, F_SHOW_GENDER, F_SHOW_FILLER, F_SHOW_OFFER, F_SHOW_MODEL,
 F_SHOW_POWER, F_SYN_NOUN, F_SYN_COLOR, F_SYN_MATERIAL, F_SYN_SIZE, F_SYN_STYLE, F_SYN_GENDER,
 F_SYN_FILLER, F_SYN_OFFER, F_SYN_POWER, F_DESC_COUNT, F_DESC_VARIANT, F_DESC_USAGE,
 F_DESC_USAGE2, F_DESC_VERB, F_DIRTY, F_DIRTY_KIND, F_DIRTY_VARIANT, F_GENERIC,
 F_SYN_GENERIC, F_TAG, F_TAG_POS, F_SYN_TAG) = range(101, 138)


def _mix_int(x: int) -> int:
    """splitmix64 finaliser on one Python int (driver or worker)."""
    x &= MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser over a uint64 array (wrap-around arithmetic, vectorised)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def hash64(seed: int, keys: np.ndarray, field: int) -> np.ndarray:
    """uint64 hash of (seed, key, field) for every key."""
    salt = _mix_int(_mix_int(seed) * GOLDEN + field * 0xD1B54A32D192ED03)
    return _mix64(keys.astype(np.uint64) * np.uint64(GOLDEN) + np.uint64(salt))


def uniform(seed: int, keys: np.ndarray, field: int) -> np.ndarray:
    """Uniform [0, 1) doubles, one per key."""
    return (hash64(seed, keys, field) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def normal(seed: int, keys: np.ndarray, field: int) -> np.ndarray:
    """Standard normal draws (Box-Muller over two hashed uniforms)."""
    u1 = 1.0 - uniform(seed, keys, field)
    u2 = uniform(seed, keys, field + NORMAL_PAIR)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
