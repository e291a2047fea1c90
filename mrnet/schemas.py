"""Every table's schema, declared once as a Spark ``StructType``, with its partition columns, and
the vocabularies its status and reason columns use. Tests check written tables against these.

Tables (all Delta, under ``<root>/tables``): catalog, quarantine, corpus, labels,
label_metadata, agnostic_sample, align_pairs_<a>_<b>, embeddings, neighbours. Two executor-side row shapes
that are not tables are here too: the training outcome per group and the staged file list.
"""
from __future__ import annotations

from pyspark.sql.types import (ArrayType, BooleanType, DataType, DoubleType, FloatType,
                               IntegerType, LongType, StringType, StructField, StructType,
                               TimestampType)

STRING, DOUBLE, LONG, INT, BOOL = StringType(), DoubleType(), LongType(), IntegerType(), BooleanType()
FLOATS, INTS, STRINGS, DOUBLES = (ArrayType(FloatType()), ArrayType(IntegerType()),
                                  ArrayType(StringType()), ArrayType(DoubleType()))


def struct(*columns: tuple[str, DataType] | tuple[str, DataType, bool]) -> StructType:
    """``struct(("a", STRING), ("b", LONG, False))``: nullable unless said otherwise."""
    return StructType([StructField(c[0], c[1], c[2] if len(c) > 2 else True) for c in columns])


# ---------------------------------------------------------------- catalog and quarantine
CONTRACT_COLUMNS = ("product_id", "marketplace", "product_group", "title", "description", "pair_key")
CATALOG_PARTITIONS = ("marketplace",)
CATALOG_BASE = StructType([StructField(c, STRING, c in ("description", "pair_key"))
                           for c in CONTRACT_COLUMNS])

# The generated demo catalog: the contract columns, then the attributes its tasks use.
SYNTHETIC_CATALOG = struct(
    ("product_id", STRING), ("marketplace", STRING), ("product_group", STRING), ("title", STRING),
    ("description", STRING), ("pair_key", STRING), ("brand", STRING), ("color", STRING),
    ("size", STRING), ("material", STRING), ("subcategory", STRING), ("item_type", STRING),
    ("hazardous", BOOL), ("batteries", BOOL), ("high_value", BOOL), ("on_offer", BOOL),
    ("has_reviews", BOOL), ("target_gender", STRING), ("weight_kg", DOUBLE), ("price", DOUBLE),
    ("view_count", LONG), ("has_plug", BOOL), ("ships_in_own_container", BOOL), ("browse_category", STRING),
    ("ingestible", BOOL), ("gift_wrap", BOOL))

QUARANTINE_PARTITIONS = ("reason",)
QUARANTINE = struct(("product_id", STRING), ("marketplace", STRING), ("reason", STRING, False),
                    ("raw", STRING, False), ("quarantined_at", TimestampType(), False))

# Reasons a catalog row is quarantined, in the order they are checked (a row gets the first).
REASONS = (
    "malformed_record",    # from the reader: an unbalanced quote (CSV), a line that is not JSON
    "wrong_field_count",   # a CSV record with more or fewer fields than the header
    "invalid_utf8",        # a CSV record with bytes that are not UTF-8
    "repeated_header",     # the header line again inside a CSV file
    "empty_id",
    "empty_marketplace",
    "unknown_marketplace",
    "unknown_group",
    "empty_title",
    "invalid_text",        # invalid UTF-8 (decoded as U+FFFD) or control characters in the title
    "title_too_long",
    "bad_number",          # written as bad_number:<attribute>: not exactly one number
    "bad_range",           # written as bad_range:<attribute>: outside min / max, or not an integer
    "duplicate_id",        # within a marketplace; the row with the smallest raw hash is kept
)

# ---------------------------------------------------------------- corpus and labels
CORPUS_PARTITIONS = ("marketplace",)
CORPUS = struct(("product_id", STRING), ("marketplace", STRING), ("product_group", STRING),
                ("title_tokens", STRINGS), ("tokens", STRINGS))

LABEL_PARTITIONS = ("marketplace", "product_group")
LABELS = struct(("marketplace", STRING), ("product_group", STRING), ("product_id", STRING),
                ("split", STRING), ("task", STRING), ("class_index", INT), ("value", DOUBLE),
                ("tfidf_indices", INTS), ("tfidf_values", FLOATS))

LABEL_METADATA_PARTITIONS = ("marketplace",)
LABEL_METADATA = struct(("marketplace", STRING), ("product_group", STRING), ("task", STRING),
                        ("kind", STRING), ("column", STRING), ("classes", STRINGS),
                        ("log1p", BOOL), ("mean", DOUBLE), ("std", DOUBLE), ("terms", STRINGS),
                        ("idf", DOUBLES), ("n_labelled", LONG))

# ---------------------------------------------------------------- autoencoder inputs
GROUP_VECTORS = struct(("marketplace", STRING), ("product_group", STRING), ("product_id", STRING),
                       ("embedding_pg", FLOATS))
AGNOSTIC_SAMPLE_PARTITIONS = ("marketplace",)
AGNOSTIC_SAMPLE = struct(*[(f.name, f.dataType) for f in GROUP_VECTORS.fields], ("split", STRING))

PAIR_VECTORS = struct(("marketplace", STRING), ("product_group", STRING), ("pair_key", STRING),
                      ("title", STRING), ("title_tokens", STRINGS), ("pg", FLOATS), ("agn", FLOATS))
# One row per product listed on both sides of a marketplace pair: each side's title, tokens,
# group vector (pg) and PG-agnostic vector (agn); split train (the aligner's) or test (held out).
PAIR_SIDE_COLUMNS = ("title", "tokens", "pg", "agn")
ALIGN_PAIRS = struct(("pair_key", STRING),
                     *[(f"{c}_{side}", STRING if c == "title" else STRINGS if c == "tokens" else FLOATS)
                       for side in ("a", "b") for c in PAIR_SIDE_COLUMNS],
                     ("split", STRING))


def align_pairs_table(side_a: str, side_b: str) -> str:
    return f"align_pairs_{side_a}_{side_b}"


# ---------------------------------------------------------------- embeddings (the product)
STATUS_OK = "ok"
STATUS_EMPTY = "empty_title"
STATUS_NO_TOKENS = "no_known_tokens"
STATUS_UNKNOWN_GROUP = "unknown_group"
STATUSES = (STATUS_OK, STATUS_EMPTY, STATUS_NO_TOKENS, STATUS_UNKNOWN_GROUP)

EMBEDDINGS_PARTITIONS = ("marketplace", "product_group")
EMBEDDINGS = struct(("product_id", STRING), ("marketplace", STRING), ("product_group", STRING),
                    ("title_hash", STRING), ("model_version", STRING), ("scored_at", TimestampType()),
                    ("status", STRING), ("embedding_pg", FLOATS), ("embedding", FLOATS),
                    ("embedding_aligned", FLOATS))

# k rows per (product, scope): scope "group" (same marketplace and group, embedding_pg) or
# "cross_language" (the other marketplace of an align pair, embedding_aligned); rank 1 = closest.
# fingerprint: the embeddings rows the group's neighbours were computed from (incremental runs).
NEIGHBOURS_PARTITIONS = ("marketplace", "product_group")
NEIGHBOURS = struct(("marketplace", STRING), ("product_group", STRING), ("product_id", STRING),
                    ("scope", STRING), ("rank", INT), ("neighbour_marketplace", STRING),
                    ("neighbour_group", STRING), ("neighbour_id", STRING), ("distance", FloatType()),
                    ("model_version", STRING), ("fingerprint", STRING))

# ---------------------------------------------------------------- executor-side rows
TRAIN_OUTCOME = struct(("marketplace", STRING), ("product_group", STRING), ("status", STRING),
                       ("seconds", DOUBLE), ("device", STRING), ("manifest", STRING),
                       ("error", STRING))
STAGED_FILE = struct(("relative_path", STRING), ("partition_values", STRING), ("size", LONG),
                     ("rows", LONG))
