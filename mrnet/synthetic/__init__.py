"""Deterministic synthetic e-commerce catalog (English "uk" and French "fr" marketplaces).

Every product has hidden attributes (item type, brand, colour, size, material, ...) drawn from
compact vocabulary tables; titles and descriptions are built from them with noise (omitted words,
varied word order, synonyms, filler, offer tags), so that the 15 training labels are learnable
from titles without being copied verbatim, and the downstream columns (plug, SIOC, browse
category, ingestible, gift wrap) correlate with some training labels and not others.
Popularity (view_count, has_reviews) follows the brand, the item type and a per-listing
bestseller/new badge said in the title, plus heavy-tailed product and listing noise.

Determinism: every random draw is a counter-based hash (splitmix64) of (seed, key, field), where
the key is the product key for product attributes and the row id for listing noise. A row's
output therefore depends only on (seed, row id, n_rows, pair_fraction, dirty_fraction), never on
how ids are batched or partitioned.

Where code runs: the vocabulary tables are built lazily once per Python process (driver and each
Spark Python worker); ``generate_rows`` runs on executors inside ``mapInPandas`` (or locally in
tests); ``generate_catalog`` runs on the driver and only builds a lazy plan, so the catalog is
never materialised on the driver.

Modules: ``columns`` (output schema, marketplaces), ``groups`` and ``vocabulary`` (the word
literals), ``hashing`` (splitmix64 draws and field numbers), ``lookup`` and ``tables`` (the
vocabulary as numpy lookup arrays), ``products`` (hidden attributes), ``listings`` (uk/fr pairing
and per-listing draws), ``titles`` and ``descriptions`` (text), ``dirt`` (invalid rows), ``rows``
(``generate_rows``) and ``spark`` (``generate_catalog``).
"""
from .columns import CATALOG_COLUMNS, MARKETPLACES
from .dirt import DIRT_KINDS, UNKNOWN_GROUP
from .groups import PRODUCT_GROUPS
from .listings import FR_PRICE_FACTOR
from .products import HIGH_VALUE_QUANTILE
from .rows import generate_rows
from .spark import generate_catalog, make_generate_fn

__all__ = [
    "CATALOG_COLUMNS", "DIRT_KINDS", "FR_PRICE_FACTOR", "HIGH_VALUE_QUANTILE", "MARKETPLACES",
    "PRODUCT_GROUPS", "UNKNOWN_GROUP", "generate_catalog", "generate_rows", "make_generate_fn",
]
