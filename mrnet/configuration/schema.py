"""The configuration schema: one dataclass per section, one root object per pipeline.

Each stage's settings type is declared here once, and the numeric core takes the same type (no
hand-copied twin with other defaults). Every field carries a one-line help text (shown by each
job's ``--help``) and, where it has one, a check run when the config is loaded, so a bad value
fails at start naming its key instead of on an executor hours later.
"""
from __future__ import annotations

import dataclasses
import functools
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

_CHECKS = {
    "positive": (lambda v: v > 0, "must be > 0"),
    "non_negative": (lambda v: v >= 0, "must be >= 0"),
    "fraction": (lambda v: 0 <= v <= 1, "must be in [0, 1]"),
    "open_fraction": (lambda v: 0 < v < 1, "must be in (0, 1)"),
}


def setting(default: Any = dataclasses.MISSING, help: str = "", check: str | None = None,
            factory: Any = dataclasses.MISSING):
    """A dataclass field with its help text and an optional check (a key of ``_CHECKS``)."""
    metadata = {"help": help, "check": check}
    if factory is not dataclasses.MISSING:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


class Checked:
    """Runs each field's check after construction (the loader turns the error into a ConfigError)."""

    def __post_init__(self) -> None:
        hints = _hints(type(self))
        for f in dataclasses.fields(self):
            check = f.metadata.get("check")
            value = getattr(self, f.name)
            if check and value is not None:
                ok, message = _CHECKS[check]
                if not ok(value):
                    raise ValueError(f"{f.name}={value!r} {message}")
            allowed = typing.get_args(hints[f.name]) if typing.get_origin(hints[f.name]) is Literal else ()
            if allowed and value not in allowed:
                raise ValueError(f"{f.name}={value!r} must be one of {list(allowed)}")


@functools.cache
def _hints(cls: type) -> dict:
    return typing.get_type_hints(cls)


def describe(section: type, prefix: str) -> list[str]:
    """``prefix.key (default): help`` lines of a settings type, for ``--help``."""
    lines = []
    for f in dataclasses.fields(section):
        if f.default is not dataclasses.MISSING:
            default = repr(f.default)
        elif f.default_factory is not dataclasses.MISSING:
            default = repr(f.default_factory())
        else:
            default = "required"
        lines.append(f"  {prefix}.{f.name} = {default}  {f.metadata.get('help', '')}".rstrip())
    return lines


@dataclass
class SparkSettings(Checked):
    master: str = setting("local[*]", "Spark master URL (spark-submit's --master wins)")
    app_name: str = setting("mrnet", "Spark application name")
    conf: dict[str, str] = setting(help="Spark properties set on the session", factory=dict)


@dataclass
class StorageSettings(Checked):
    root: str = setting("warehouse", "folder or URI holding tables/, models/, reports/, runs/")
    engine: Literal["delta-rs", "delta-spark"] = setting(
        "delta-rs", "who writes the Delta log: delta-rs (no jars) or delta-spark (needs Delta's jars)")


# The currencies a number attribute may name, and the marks (symbols, codes) each accepts.
CURRENCIES = {
    "GBP": ("£", "GBP"), "EUR": ("€", "EUR"), "USD": ("US$", "$", "USD"), "INR": ("₹", "Rs.", "Rs", "INR"),
    "JPY": ("¥", "JPY"), "CHF": ("CHF", "Fr."), "CAD": ("CA$", "C$", "CAD"), "AUD": ("A$", "AUD"),
}


@dataclass
class AttributeSpec(Checked):
    """One catalog attribute: a Spark SQL expression over the source columns, and its type."""

    expr: str = setting(help="Spark SQL expression over the source columns")
    type: Literal["string", "number", "boolean"] = setting("string", "how the value is parsed")
    currency: str | None = setting(None, "number: the one currency its values may carry (GBP, EUR, USD, "
                                   "INR, JPY, CHF, CAD, AUD: the symbol or the code)")
    min: float | None = setting(None, "number: smallest valid value (below: bad_range)")
    max: float | None = setting(None, "number: largest valid value (above: bad_range)")
    integer: bool = setting(False, "number: a whole number (a fraction: bad_range)")
    on_invalid: Literal["quarantine", "null"] = setting(
        "quarantine", "number: a value that does not parse or is out of range quarantines the row, "
        "or (null) keeps it with this attribute null, counted in the ingest summary")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.currency is not None and self.currency not in CURRENCIES:
            raise ValueError(f"currency={self.currency!r} must be one of {sorted(CURRENCIES)}")


@dataclass
class CatalogSettings(Checked):
    """Where the catalog comes from and how its columns map onto the catalog contract.

    ``columns`` maps each contract column (product_id, marketplace, product_group, title,
    description, pair_key) to a Spark SQL expression over the source; ``attributes`` names the
    extra columns the task table uses.
    """

    name: str = setting(help="catalog name (reports are filed under it)")
    format: Literal["synthetic", "csv", "parquet", "json", "delta"] = setting(help="source format")
    columns: dict[str, str] = setting(help="contract column -> Spark SQL expression over the source")
    path: str | None = setting(None, "source path (not for synthetic)")
    options: dict[str, str] = setting(help="reader options (e.g. CSV header, multiLine)", factory=dict)
    attributes: dict[str, AttributeSpec] = setting(help="extra typed columns for tasks", factory=dict)
    product_groups: list[str] = setting(help="allowed groups ([]: any)", factory=list)
    marketplaces: dict[str, str] = setting(help="marketplace -> language ({}: any)", factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        missing = {"product_id", "marketplace", "product_group", "title"} - set(self.columns)
        if missing:
            raise ValueError(f"columns lacks the required {sorted(missing)}")
        if self.format != "synthetic" and not self.path:
            raise ValueError(f"format {self.format!r} needs catalog.path")


@dataclass
class SyntheticSettings(Checked):
    rows: int = setting(20_000, "rows of the generated catalog", "positive")
    seed: int = setting(7, "generator seed")
    pair_fraction: float = setting(0.3, "share of fr rows listing the same product as a uk row",
                                   "fraction")
    dirty_fraction: float = setting(0.002, "share of deliberately invalid rows", "fraction")
    partitions: int = setting(0, "Spark partitions (0: one per 200k rows, at least 2)",
                              "non_negative")


@dataclass
class IngestSettings(Checked):
    max_title_chars: int = setting(1_000, "longer titles are quarantined", "positive")
    min_kept_fraction: float = setting(0.5, "refuse to commit a catalog with fewer rows than this share "
                                       "of the current version's", "fraction")
    max_quarantine_fraction: float = setting(0.5, "refuse to commit when more than this share of the "
                                             "rows in is quarantined", "fraction")
    allow_shrink: bool = setting(False, "commit even when the guards above refuse (--allow-shrink)")
    decimal: Literal[".", ","] = setting(".", "decimal separator of number attributes (the other one, "
                                         "and for ',' also '.', space and apostrophe, separate thousands)")


@dataclass
class CorpusSettings(Checked):
    include_description: bool = setting(True, "add descriptions to the word2vec corpus")


@dataclass
class Word2VecSettings(Checked):
    vector_size: int = setting(128, "word vector size", "positive")
    min_count: int = setting(10, "words seen fewer times are dropped", "positive")
    window: int = setting(5, "context window", "positive")
    epochs: int = setting(5, "passes over the corpus (at least)", "positive")
    min_trained_words: int = setting(
        5_000_000, "a small corpus gets more passes, until this many words are trained (at most "
        "50 passes; 0: always `epochs`)", "non_negative")
    sg: int = setting(0, "0 CBOW (fast), 1 skip-gram", "non_negative")
    workers: int = setting(2, "gensim threads (1 is reproducible)", "positive")
    seed: int = setting(1, "gensim seed")
    max_sentences: int = setting(0, "0: no cap; else a sample drawn on the executors",
                                 "non_negative")
    oov: Literal["spelling", "drop"] = setting(
        "spelling", "a title word not in the vocabulary: 'spelling' borrows the vector of the known "
        "word spelt most like it (mrnet/spelling.py), so no non-empty title is left without a "
        "vector; 'drop' ignores it (the paper)")


@dataclass
class TaskSpecConf(Checked):
    """One training task of the paper's Table 1, derived from a catalog column."""

    kind: Literal["multiclass", "binary", "regression", "decoding"] = setting(help="task kind")
    column: str = setting(help="catalog column the label comes from")
    top_k: int = setting(20, "multiclass: the K most frequent classes + 'other'", "positive")
    log1p: bool = setting(False, "regression: log1p before standardising (skewed values)")
    vocab_size: int = setting(5000, "decoding: TF-IDF terms per group", "positive")
    enabled: bool = setting(True, "false: keep the column out of training (e.g. for evaluation)")


@dataclass
class LabelSettings(Checked):
    min_labelled: int = setting(50, "a task with fewer labelled products in a group is skipped",
                                "positive")
    valid_fraction: float = setting(0.1, "validation share of each group", "fraction")
    test_fraction: float = setting(0.1, "test share of each group", "fraction")
    tfidf_max_df: float = setting(0.5, "terms in more than this share of titles are dropped",
                                  "fraction")
    tfidf_min_df: int = setting(2, "terms in fewer titles are dropped", "positive")


@dataclass
class TrainSettings(Checked):
    """One MRNet per (marketplace, group): the job's conf section and the training loop's input.

    ``patience``: consecutive evaluations without an improvement of the mean normalised
    validation loss after which training stops. ``mode``: "alternating" (paper default; one task
    per step) or "joint" (masked sum over the tasks of each product in a batch of products).
    """

    model_version: str = setting("", "'': derived from the input versions and these settings")
    hidden: int = setting(128, "LSTM units per direction; the embedding is 2 x hidden (the paper: 64)",
                          "positive")
    batch_size: int = setting(128, "products per step", "positive")
    gpu_batch_size: int = setting(1024, "products per step on a GPU (0: batch_size there too); the "
                                        "steps stay, so a GPU sees more samples in about the same time",
                                  "non_negative")
    lr: float = setting(0.002, "Adam learning rate", "positive")
    max_steps: int = setting(1500, "steps per group (alternating: one task per step)",
                             "non_negative")
    eval_every: int = setting(250, "steps between validation passes", "positive")
    patience: int = setting(3, "evaluations without improvement before stopping", "positive")
    checkpoint_every: int = setting(250, "steps between checkpoints", "positive")
    seed: int = setting(0, "seed of weights and sampler")
    mode: Literal["alternating", "joint"] = setting("alternating", "alternating or joint optimisation")
    threads: int = setting(1, "torch threads per Spark task", "positive")
    clip_norm: float = setting(5.0, "gradient-norm clipping of each step (0 disables)",
                               "non_negative")
    max_samples_per_task: int = setting(1_000_000, "per task per group (the paper's cap)", "positive")
    cpus_per_task: int = setting(1, "CPUs per training task on GPU clusters", "positive")
    eval_batch_size: int = setting(1024, "batch size of validation passes", "positive")
    valid_max_per_task: int | None = setting(
        20_000, "validation rows per task in the early-stopping score (null: all)", "positive")
    device: str = setting("cpu", "torch device; the train job sets the GPU Spark gave the task")
    pooling: Literal["last", "mean", "max"] = setting(
        "max", "embedding = last BiLSTM states (the paper), or their mean or maximum over the title")
    drop_failing_tasks: bool = setting(True, "retrain a group once without the tasks that did not "
                                             "beat their trivial baseline on validation (each "
                                             "logged with its figures in quality.md)")
    tune_words: bool = setting(True, "train each group's copy of the word vectors with its model "
                                     "(the paper: frozen); a model stores the rows that moved")
    dropout: float = setting(0.0, "dropout on the embedding before the heads, in training only",
                             "fraction")
    decoding_loss: Literal["mse", "softmax"] = setting(
        "mse", "the TF-IDF decoding head: squared error on the vector (the paper) or softmax "
               "cross-entropy on its weights as a distribution over the terms")
    epochs: float = setting(0.0, "budget per group: passes over each task's labelled training "
                                 "products (0: max_steps alone; else max_steps caps it)", "non_negative")
    min_steps: int = setting(0, "with epochs: at least this many steps, so a small group gets more "
                                "passes (max_steps still caps it)", "non_negative")
    groups: list[str] = setting(help="groups to train, NAME (every marketplace) or MP/NAME ([]: all)",
                                factory=list)


@dataclass
class AgnosticSettings(Checked):
    """Ng's sparse autoencoder over the block-one-hot group vectors (paper 3.2)."""

    hidden: int = setting(256, "width of the PG-agnostic space", "positive")
    activation: Literal["sigmoid", "tanh", "linear"] = setting(
        "sigmoid", "hidden units: sigmoid with the KL sparsity penalty (the paper), or tanh / "
                   "linear (rho and beta unused) whose block maps can keep the group vector")
    rho: float = setting(0.05, "target mean activation of the hidden units", "open_fraction")
    beta: float = setting(3.0, "weight of the KL sparsity penalty", "non_negative")
    weight_decay: float = setting(1e-4, "L2 weight penalty", "non_negative")
    lr: float = setting(0.005, "Adam learning rate", "positive")
    epochs: int = setting(60, "passes over the sample", "positive")
    batch_size: int = setting(512, ">= hidden keeps the exact reconstruction term cheap", "positive")
    samples_per_epoch: int = setting(50_000, "an epoch is at most this many training products "
                                     "(the next one goes on where it stopped; 0: a whole pass, the "
                                     "paper)", "non_negative")
    max_per_group: int = setting(100_000, "balanced sample per (marketplace, group)", "positive")
    min_steps: int = setting(5000, "train at least this many steps (more epochs on a small "
                                   "sample; 0: epochs alone, the paper preset)", "non_negative")
    off_block_weight: float = setting(1.0, "weight of the error on the other groups' zero blocks "
                                           "(1: the paper's objective)", "non_negative")
    group_spread: float = setting(0.0, "after training, move each group's vectors by this times "
                                       "its mean's offset from the groups' mean (0: the paper); "
                                       "distances within a group do not change", "non_negative")
    seed: int = setting(0, "seed of weights and batch order")
    threads: int = setting(1, "torch threads", "positive")
    device: str = setting("cpu", "torch device")


@dataclass
class AlignSettings(Checked):
    """The cross-language aligner per marketplace pair (paper 5, and the contrastive default)."""

    pairs: list[list[str]] = setting(help="marketplace pairs, paired by catalog pair_key",
                                     factory=lambda: [["uk", "fr"]])
    method: Literal["contrastive", "mmae"] = setting(
        "contrastive", "contrastive: two encoders trained to retrieve each pair; mmae: the paper's "
        "multimodal autoencoder")
    input: Literal["group", "agnostic"] = setting(
        "group", "what the aligner is fed: the group vector, or the PG-agnostic one (the paper)")
    title_buckets: int = setting(1 << 16, "contrastive: hashed title-token vectors shared by both "
                                 "languages (0: the MRNet vectors alone)", "non_negative")
    token_lr: float = setting(0.03, "contrastive: learning rate of the title-token vectors", "positive")
    temperature: float = setting(0.05, "contrastive: softmax temperature of the InfoNCE loss", "positive")
    weight_decay: float = setting(1e-4, "contrastive: AdamW weight decay of the linear maps", "non_negative")
    hidden: int = setting(256, "width of the shared space", "positive")
    lr: float = setting(0.001, "Adam learning rate", "positive")
    epochs: int = setting(60, "passes over the pairs", "positive")
    min_steps: int = setting(2000, "at least this many steps (few pairs get more epochs; 0: epochs "
                             "alone, the paper preset)", "non_negative")
    batch_size: int = setting(256, "examples per step (contrastive: the candidates of each step)", "positive")
    samples_per_epoch: int = setting(25_000, "an epoch is at most this many pairs, drawn afresh "
                                     "each epoch (0: every pair, the paper)", "non_negative")
    max_pairs: int = setting(200_000, "pairs sampled per marketplace pair (read onto the driver)",
                             "positive")
    test_fraction: float = setting(0.2, "held-out pairs for precision@k", "open_fraction")
    eval_pairs: int = setting(5000, "held-out pairs the aligner and its baselines are judged on "
                              "(P@k among as many candidates; 4x as many training pairs fit the "
                              "baselines)", "positive")
    seed: int = setting(0, "seed of weights and batch order")
    threads: int = setting(1, "torch threads", "positive")
    activation: Literal["tanh", "sigmoid", "relu"] = setting("tanh", "mmae: hidden activation")
    device: str = setting("cpu", "torch device")
    withhold_below_random: float = setting(
        5.0, "publish no aligned vectors for a pair whose held-out P@1 (either direction) is under "
        "this multiple of random (0: never withhold)", "non_negative")
    withhold_below_procrustes: bool = setting(
        True, "also withhold when the aligner's held-out P@1 is below orthogonal Procrustes on "
        "the vectors it is fed")


@dataclass
class NightlySettings(Checked):
    stages: list[str] = setting(help="the subset of stages to run ([]: all)", factory=list)
    force: bool = setting(False, "run every stage even when its inputs are unchanged")


@dataclass
class VacuumSettings(Checked):
    """Housekeeping (jobs/vacuum.py, and the nightly chain's last step when enabled)."""

    enabled: bool = setting(False, "nightly: run the vacuum step after the other stages")
    retention_hours: int = setting(168, "keep every file a version committed within this many hours "
                                        "reads (time travel inside it stays intact); longer than "
                                        "the longest job, whose files are not committed yet",
                                   "non_negative")
    dry_run: bool = setting(False, "list what would be removed, remove nothing (--dry-run)")


@dataclass
class PublishSettings(Checked):
    """The quality gate between training and scoring (mrnet/gate.py)."""

    max_regression: dict[str, float] = setting(
        help="largest fall of a task's validation metric against the current version: auc, "
             "accuracy, r2 in points; mse (the TF-IDF decoder) relative",
        factory=lambda: {"auc": 0.02, "accuracy": 0.02, "r2": 0.05, "mse": 0.05})
    min_beating_baseline: float = setting(0.5, "the first version: share of its tasks that must beat "
                                               "their trivial baselines", "fraction")
    force: bool = setting(False, "publish whatever the gate says (--force-publish)")
    downstream_sample: int = setting(2000, "products per evaluation task the two versions are also "
                                           "compared on (logistic regression, 3 folds; 0: off)",
                                     "non_negative")


@dataclass
class ModelsSettings(Checked):
    """jobs/models.py: what to do with the model versions (set by its arguments)."""

    command: Literal["list", "show", "diff", "publish", "rollback"] = setting("list", "what to do")
    versions: list[str] = setting(help="the version of show / publish, the two of diff", factory=list)


@dataclass
class TrackingSettings(Checked):
    """MLflow run tracking of the nightly chain (mrnet/tracking.py)."""

    mlflow: bool = setting(False, "record every nightly as an MLflow run (needs mlflow-skinny)")
    uri: str = setting("", "tracking URI ('': a file store at <storage.root>/mlruns)")
    experiment: str = setting("mrnet", "MLflow experiment name")


@dataclass
class NeighboursSettings(Checked):
    """The neighbours table (jobs/neighbours.py, and the nightly stage after score)."""

    k: int = setting(10, "nearest products kept per product and scope", "positive")
    metric: Literal["cosine", "euclidean"] = setting("cosine", "distance = 1 - cosine, or Euclidean")
    exact_max_rows: int = setting(50_000, "exact search up to this many candidates; beyond, an "
                                           "HNSW index (faiss) with its recall@k measured", "non_negative")
    block_rows: int = setting(50_000, "queries per Spark task (a larger group is split in blocks)",
                              "positive")
    cross_language_universe: Literal["marketplace", "group"] = setting(
        "marketplace", "cross-language neighbours among the partner marketplace's whole catalog, or "
                       "among its products of the same group (the cost then follows the group's size, "
                       "not the marketplace's)")
    index_shard_rows: int = setting(1_000_000, "rows per HNSW index: a larger universe is indexed in "
                                               "shards, each built once by one Spark task and searched "
                                               "by every query block", "positive")
    hnsw_m: int = setting(32, "HNSW links per node (more: better recall, more memory)", "positive")
    hnsw_ef_search: int = setting(128, "HNSW search breadth (more: better recall, slower)", "positive")
    recall_sample: int = setting(200, "queries per approximated block whose recall@k is measured "
                                      "against exact search", "positive")
    incremental: bool = setting(True, "recompute only groups whose vectors changed since the last run")


@dataclass
class SimilarSettings(Checked):
    """The query of jobs/similar.py (set by its flags)."""

    title: str = setting("", "a title to embed and look up")
    product_id: str = setting("", "or a product of the embeddings table")
    marketplace: str = setting("", "the marketplace to search (and of --product-id)")
    group: str = setting("", "the product group of --title (a product id brings its own)")
    k: int = setting(10, "neighbours to print", "positive")


@dataclass
class ScoreSettings(Checked):
    incremental: bool = setting(False, "rescore only new / changed titles (and a new model version)")
    model_version: str = setting("", "'': the version models/current.json points at")
    stable_space: bool = setting(True, "write a new model version's vectors in the space of the table "
                                       "it replaces (orthogonal maps fitted when it first scores)")
    stable_sample: int = setting(3000, "products per group the stable maps are fitted on", "positive")
    amp: bool = setting(False, "on a GPU executor, run the BiLSTMs under float16 autocast (no effect "
                               "on a CPU; check the vectors against float32 before turning it on)")


@dataclass
class EvalTaskConf(Checked):
    """A downstream task not used in training (paper 4.1)."""

    column: str = setting(help="catalog column of the label")
    kind: Literal["binary", "multiclass"] = setting("binary", "label kind")
    scope: Literal["all", "group"] = setting(
        "all", "all: the PG-agnostic vector; group: the PG-specific one, within one group")
    group: str = setting("", "scope group: which product group")
    marketplace: str = setting("", "'': every marketplace")
    protocol: Literal["cv", "small_data", "unseen"] = setting("cv", "evaluation protocol")
    theta: float = setting(0.5, "unseen: max title overlap with any training title", "fraction")
    related_training_task: str = setting("", "paper 4.3: feature-importance overlap with it")


@dataclass
class EvaluateSettings(Checked):
    sample: int = setting(6_000, "products per task, drawn on the executors", "positive")
    folds: int = setting(5, "cross-validation folds", "positive")
    seed: int = setting(0, "seed of folds and forests")
    tasks: dict[str, EvalTaskConf] = setting(help="downstream tasks by name", factory=dict)
    neighbours_group: str = setting("", "nearest-neighbour table within this group ('': the largest)")
    neighbours_sample: int = setting(4, "products shown in the neighbour table", "positive")
    projection_points: int = setting(4000, "products in the projection plot", "positive")
    forest_trees: int = setting(50, "trees of the random forests", "positive")
    jobs: int = setting(2, "scikit-learn processes on the driver", "positive")
    baselines: list[Literal["lsa", "w2v_mean"]] = setting(help="beside MRNet and TF-IDF: lsa (256-d SVD of the fold's "
                                        "TF-IDF), w2v_mean (mean word vector)",
                                   factory=lambda: ["lsa", "w2v_mean"])
    retrieval_pair_key: str = setting(
        "", "catalog column with the pair keys of cross-language pairs kept out of training ('': "
        "the align stage's held-out pairs)")


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
    train: TrainSettings = field(default_factory=TrainSettings)
    agnostic: AgnosticSettings = field(default_factory=AgnosticSettings)
    align: AlignSettings = field(default_factory=AlignSettings)
    score: ScoreSettings = field(default_factory=ScoreSettings)
    evaluate: EvaluateSettings = field(default_factory=EvaluateSettings)
    nightly: NightlySettings = field(default_factory=NightlySettings)
    vacuum: VacuumSettings = field(default_factory=VacuumSettings)
    neighbours: NeighboursSettings = field(default_factory=NeighboursSettings)
    publish: PublishSettings = field(default_factory=PublishSettings)
    models: ModelsSettings = field(default_factory=ModelsSettings)
    tracking: TrackingSettings = field(default_factory=TrackingSettings)
    similar: SimilarSettings = field(default_factory=SimilarSettings)
