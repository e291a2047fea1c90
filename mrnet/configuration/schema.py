"""The configuration schema: one dataclass per section, one root object per pipeline.

Every field has a default unless it must come from the YAML; ``conf/base/*.yaml`` documents
them with comments. Stages read their own section (``cfg.ingest``, ``cfg.corpus``, …) plus the
shared ``spark``, ``storage`` and ``catalog`` sections.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass
class SparkSettings:
    master: str = "local[*]"
    app_name: str = "mrnet"
    conf: dict[str, str] = field(default_factory=dict)


@dataclass
class StorageSettings:
    root: str = "warehouse"
    engine: Literal["delta-rs", "delta-spark"] = "delta-rs"


@dataclass
class AttributeSpec:
    """One catalog attribute: a Spark SQL expression over the source columns, and its type."""

    expr: str
    type: Literal["string", "number", "boolean"] = "string"


@dataclass
class CatalogSettings:
    """Where the catalog comes from and how its columns map onto the catalog contract.

    ``columns`` maps each contract column (product_id, marketplace, product_group, title,
    description, pair_key) to a Spark SQL expression over the source; ``attributes`` names the
    extra columns the task table uses.
    """

    name: str
    format: Literal["synthetic", "csv", "parquet", "json", "delta"]
    columns: dict[str, str]
    path: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, AttributeSpec] = field(default_factory=dict)
    product_groups: list[str] = field(default_factory=list)
    marketplaces: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = {"product_id", "marketplace", "product_group", "title"} - set(self.columns)
        if missing:
            raise ValueError(f"columns lacks the required {sorted(missing)}")
        if self.format != "synthetic" and not self.path:
            raise ValueError(f"format {self.format!r} needs catalog.path")


@dataclass
class SyntheticSettings:
    rows: int = 20_000
    seed: int = 7
    pair_fraction: float = 0.3
    dirty_fraction: float = 0.002
    partitions: int = 0  # 0: one per 200k rows, at least 2


@dataclass
class IngestSettings:
    max_title_chars: int = 1_000
    number_pattern: str = r"[^0-9.eE+-]"  # stripped before parsing numbers ("₹32,999" → 32999)


@dataclass
class PipelineConfig:
    """The whole resolved configuration; each job uses the sections it needs."""

    catalog: CatalogSettings
    spark: SparkSettings = field(default_factory=SparkSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    synthetic: SyntheticSettings = field(default_factory=SyntheticSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
