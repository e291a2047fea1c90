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
class CorpusSettings:
    include_description: bool = True


@dataclass
class Word2VecSettings:
    vector_size: int = 128
    min_count: int = 10
    window: int = 5
    epochs: int = 5
    sg: int = 0                      # 0 CBOW (fast), 1 skip-gram
    workers: int = 2
    seed: int = 1
    max_sentences: int = 0           # 0: no cap; else a sample drawn on the executors


@dataclass
class TaskSpecConf:
    """One training task of the paper's Table 1, derived from a catalog column."""

    kind: Literal["multiclass", "binary", "regression", "decoding"]
    column: str
    top_k: int = 20                  # multiclass: the K most frequent classes + "other"
    log1p: bool = False              # regression: log1p before standardising (skewed values)
    vocab_size: int = 5000           # decoding: TF-IDF terms per group
    enabled: bool = True             # a catalog conf may switch a task off (e.g. kept for evaluation)


@dataclass
class LabelSettings:
    min_labelled: int = 50           # a task with fewer labelled products in a group is skipped
    valid_fraction: float = 0.1
    test_fraction: float = 0.1
    tfidf_max_df: float = 0.5        # terms in more than this share of a group's titles are dropped
    tfidf_min_df: int = 2


@dataclass
class TrainSettingsConf:
    """One MRNet per (marketplace, group); see mrnet/multitask.py for the optimisation."""

    model_version: str = ""          # "": derived from the input versions and these settings
    hidden: int = 64                 # LSTM units per direction; the embedding is 2 × hidden
    batch_size: int = 128
    lr: float = 0.002
    max_steps: int = 1500
    eval_every: int = 250
    patience: int = 3
    checkpoint_every: int = 250
    seed: int = 0
    mode: Literal["alternating", "joint"] = "alternating"
    threads: int = 1                 # torch threads per Spark task
    clip_norm: float = 5.0
    max_samples_per_task: int = 1_000_000   # per task per group (the paper's cap)
    cpus_per_task: int = 1           # with a GPU per task, on GPU clusters


@dataclass
class AgnosticSettings:
    """Ng's sparse autoencoder over the block-one-hot group vectors (paper 3.2)."""

    hidden: int = 256
    rho: float = 0.05
    beta: float = 3.0
    weight_decay: float = 1e-4
    lr: float = 0.005
    epochs: int = 60
    batch_size: int = 512          # >= hidden keeps the exact reconstruction term cheap
    max_per_group: int = 500_000   # the paper's balanced sample per group
    seed: int = 0


@dataclass
class AlignSettings:
    """The multimodal autoencoder across languages (paper 5)."""

    pairs: list[list[str]] = field(default_factory=lambda: [["uk", "fr"]])
    hidden: int = 256
    lr: float = 0.001
    epochs: int = 30
    batch_size: int = 256
    max_pairs: int = 500_000
    test_fraction: float = 0.2
    seed: int = 0


@dataclass
class ScoreSettings:
    incremental: bool = False       # rescore only new / changed titles (and a new model version)
    model_version: str = ""         # "": models/current.json


@dataclass
class EvalTaskConf:
    """A downstream task not used in training (paper 4.1)."""

    column: str
    kind: Literal["binary", "multiclass"] = "binary"
    scope: Literal["all", "group"] = "all"   # all: PG-agnostic 256-d; group: PG-specific 128-d
    group: str = ""                          # scope group: which product group
    marketplace: str = ""                    # "": every marketplace
    protocol: Literal["cv", "small_data", "unseen"] = "cv"
    theta: float = 0.5                       # unseen: max title overlap with any training title
    related_training_task: str = ""          # paper 4.3: feature-importance overlap with it


@dataclass
class EvaluateSettings:
    sample: int = 6_000             # products per task, drawn on the executors
    folds: int = 5
    seed: int = 0
    tasks: dict[str, EvalTaskConf] = field(default_factory=dict)
    neighbours_group: str = ""      # nearest-neighbour table within this group ("": the largest)
    neighbours_sample: int = 4
    projection_points: int = 4000
    forest_trees: int = 50          # random forests of the comparison and the importance overlap
    jobs: int = 2                   # scikit-learn processes on the driver


@dataclass
class PipelineConfig:
    """The whole resolved configuration; each job uses the sections it needs."""

    catalog: CatalogSettings
    spark: SparkSettings = field(default_factory=SparkSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    synthetic: SyntheticSettings = field(default_factory=SyntheticSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    corpus: CorpusSettings = field(default_factory=CorpusSettings)
    word2vec: Word2VecSettings = field(default_factory=Word2VecSettings)
    tasks: dict[str, TaskSpecConf] = field(default_factory=dict)
    labels: LabelSettings = field(default_factory=LabelSettings)
    train: TrainSettingsConf = field(default_factory=TrainSettingsConf)
    agnostic: AgnosticSettings = field(default_factory=AgnosticSettings)
    align: AlignSettings = field(default_factory=AlignSettings)
    score: ScoreSettings = field(default_factory=ScoreSettings)
    evaluate: EvaluateSettings = field(default_factory=EvaluateSettings)
