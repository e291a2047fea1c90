"""The generated catalog's columns and marketplaces.

The schema itself is :data:`mrnet.schemas.SYNTHETIC_CATALOG`; CATALOG_COLUMNS lists its
(name, Spark type) pairs, in column order, for the pandas side of the generator.
"""
from __future__ import annotations

from mrnet.schemas import SYNTHETIC_CATALOG

MARKETPLACES: dict[str, str] = {"uk": "en", "fr": "fr"}  # marketplace -> language of its listings

CATALOG_COLUMNS: list[tuple[str, str]] = [(f.name, f.dataType.simpleString())
                                          for f in SYNTHETIC_CATALOG.fields]
