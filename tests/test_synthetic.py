"""mrnet.synthetic: determinism by (seed, row id), schema, pairing, French titles, learnability,
dirty rows, and one Spark run proving that partitioning does not change the rows."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from pyspark.testing import assertSchemaEqual

from mrnet.schemas import SYNTHETIC_CATALOG
from mrnet.synthetic import (CATALOG_COLUMNS, FR_PRICE_FACTOR, MARKETPLACES, PRODUCT_GROUPS,
                             UNKNOWN_GROUP, generate_catalog, generate_rows, make_generate_fn)

PANDAS_DTYPES = {"string": "object", "boolean": "bool", "double": "float64", "bigint": "int64"}
PRODUCT_COLUMNS = ["product_group", "brand", "color", "size", "material", "subcategory", "item_type",
                   "hazardous", "batteries", "high_value", "target_gender", "weight_kg", "has_plug",
                   "ships_in_own_container", "browse_category", "ingestible", "gift_wrap"]
FRENCH_RE = re.compile(r"(?:^|\s)(?:en|de|d'|pour|avec|l')(?:\s|$)|[àâçéèêëîïôûùœ]", re.I)


@pytest.fixture(scope="module")
def catalog() -> pd.DataFrame:
    return generate_rows(np.arange(5000), 5000, seed=7)


def _by_product_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("product_id").reset_index(drop=True)


# ---------------------------------------------------------------- determinism

def test_same_seed_and_ids_give_identical_frames():
    ids = np.arange(0, 3000, 7)
    pd.testing.assert_frame_equal(generate_rows(ids, 3000, 5), generate_rows(ids, 3000, 5))


def test_batching_does_not_change_rows():
    whole = generate_rows(np.arange(1000), 1000, 3, dirty_fraction=0.05)
    halves = pd.concat([generate_rows(np.arange(500), 1000, 3, dirty_fraction=0.05),
                        generate_rows(np.arange(500, 1000), 1000, 3, dirty_fraction=0.05)], ignore_index=True)
    pd.testing.assert_frame_equal(whole, halves)

    shuffled = np.random.default_rng(0).permutation(1000)
    fn = make_generate_fn(1000, 3, 0.3, 0.05)
    batches = [pd.DataFrame({"id": shuffled[i:i + 137]}) for i in range(0, 1000, 137)]
    out = pd.concat(list(fn(iter(batches))), ignore_index=True)
    out = out.set_axis(shuffled).sort_index().reset_index(drop=True)
    pd.testing.assert_frame_equal(whole, out)


def test_different_seed_gives_different_titles():
    a = generate_rows(np.arange(1000), 1000, 1)
    b = generate_rows(np.arange(1000), 1000, 2)
    assert (a["title"] == b["title"]).mean() < 0.05
    assert (a["product_id"] == b["product_id"]).all()


def test_invalid_arguments_are_rejected():
    with pytest.raises(ValueError):
        generate_rows(np.array([10]), 10, 1)
    with pytest.raises(ValueError):
        generate_rows(np.array([0]), 10, 1, pair_fraction=1.5)
    empty = generate_rows(np.array([], dtype=np.int64), 10, 1)
    assert list(empty.columns) == [c for c, _ in CATALOG_COLUMNS] and len(empty) == 0


# ---------------------------------------------------------------- schema and layout

def test_columns_and_dtypes_match_ddl(catalog):
    ddl = [(f.name, f.dataType.simpleString()) for f in SYNTHETIC_CATALOG.fields]
    assert ddl == CATALOG_COLUMNS
    assert list(catalog.columns) == [name for name, _ in ddl]
    assert {c: str(t) for c, t in catalog.dtypes.items()} == {c: PANDAS_DTYPES[k] for c, k in ddl}


def test_ids_groups_and_marketplaces(catalog):
    for _, rows in catalog.groupby("marketplace"):
        assert rows["product_id"].is_unique and rows["product_id"].notna().all()
    assert set(catalog["marketplace"]) == set(MARKETPLACES)
    assert (catalog["marketplace"] == np.where(np.arange(5000) % 2, "fr", "uk")).all()
    assert catalog["product_id"].iloc[:4].tolist() == ["uk-0000000000", "fr-0000000000", "uk-0000000001", "fr-0000000001"]
    assert set(catalog["product_group"]) <= set(PRODUCT_GROUPS) and catalog["product_group"].nunique() >= 6


def test_pair_fraction_and_layout(catalog):
    fr = catalog[catalog["marketplace"] == "fr"]
    assert abs(fr["pair_key"].notna().mean() - 0.3) < 0.05
    uk = catalog[catalog["marketplace"] == "uk"]
    assert set(uk["pair_key"].dropna()) == set(fr["pair_key"].dropna())
    assert catalog["pair_key"].value_counts().eq(2).all()
    odd = generate_rows(np.arange(7), 7, 1, pair_fraction=1.0)
    assert odd["pair_key"].tolist() == ["p-0", "p-0", "p-1", "p-1", "p-2", "p-2", None]
    assert generate_rows(np.arange(100), 100, 1, pair_fraction=0.0)["pair_key"].isna().all()


def test_paired_rows_share_product_but_not_language(catalog):
    uk = catalog[catalog["marketplace"] == "uk"].dropna(subset=["pair_key"]).set_index("pair_key").sort_index()
    fr = catalog[catalog["marketplace"] == "fr"].dropna(subset=["pair_key"]).set_index("pair_key").sort_index()
    assert len(uk) > 600
    pd.testing.assert_frame_equal(uk[PRODUCT_COLUMNS], fr[PRODUCT_COLUMNS])
    priced = uk["price"].notna()
    ratio = fr["price"][priced] / uk["price"][priced]
    assert ratio.between(FR_PRICE_FACTOR - 0.15, FR_PRICE_FACTOR + 0.15).all()
    assert (uk["title"] != fr["title"]).all()
    assert fr["title"].str.contains(FRENCH_RE).mean() > 0.5 > uk["title"].str.contains(FRENCH_RE).mean()


def test_french_titles_and_descriptions(catalog):
    fr = catalog[catalog["marketplace"] == "fr"]
    assert fr["title"].str.contains(FRENCH_RE).mean() >= 0.3
    assert fr["description"].str.contains(r"\b(?:Cette|Cet|Ces|L')\b").mean() > 0.2  # demonstratives, elisions
    uk = catalog[catalog["marketplace"] == "uk"]
    assert uk["description"].str.startswith(("This ", "Discover the ")).all()


# ---------------------------------------------------------------- attribute distributions

def test_hidden_attribute_rates(catalog):
    null = catalog.isna().mean()
    assert 0.10 < null["color"] < 0.25 and 0.05 < null["size"] < 0.20 and 0.12 < null["material"] < 0.28
    assert 0.20 < null["weight_kg"] < 0.30 and 0.03 < null["price"] < 0.08
    assert 0.04 < catalog["hazardous"].mean() < 0.12
    assert catalog.groupby("product_group")["high_value"].mean().between(0.12, 0.28).all()
    assert catalog["item_type"].nunique() >= 100
    assert catalog.groupby("item_type")["subcategory"].nunique().eq(1).all()
    assert catalog.groupby("product_group")["subcategory"].nunique().between(4, 8).all()
    assert catalog.groupby("product_group")["browse_category"].nunique().between(20, 100).all()
    other = ~catalog["product_group"].isin(["apparel", "beauty", "toys"])  # unisex, or kids' versions
    assert set(catalog.loc[other, "target_gender"]) == {"unisex", "kids"}
    assert set(catalog.loc[catalog["product_group"] == "toys", "target_gender"]) == {"kids", "unisex"}
    assert set(catalog.loc[catalog["product_group"] == "apparel", "target_gender"]) == {"men", "women", "unisex", "kids"}
    assert catalog["view_count"].quantile(0.99) > 10 * catalog["view_count"].median()  # heavy tail
    sioc = catalog.groupby("ships_in_own_container")["weight_kg"].median()
    assert sioc[True] > 5 * sioc[False]
    assert catalog.loc[catalog["ingestible"], "product_group"].isin(["grocery", "beauty"]).all()


BINARY_TASKS = ["hazardous", "batteries", "high_value", "on_offer", "has_reviews"]
CLASS_TASKS = ["target_gender", "color", "size", "material", "subcategory", "item_type"]
REGRESSION_TASKS = ["weight_kg", "price", "view_count"]


@pytest.fixture(scope="module")
def catalog_20k() -> pd.DataFrame:
    return generate_rows(np.arange(20_000), 20_000, 7)


def test_every_task_has_labels_in_every_group_and_marketplace(catalog_20k):
    """The label builder keeps a task for a (marketplace, group) only with >= 50 labelled products
    and 2+ distinct values: at 20k rows every task must qualify everywhere, binary minorities too."""
    problems = []
    for (market, group), rows in catalog_20k.groupby(["marketplace", "product_group"]):
        for column in BINARY_TASKS:
            minority = min(int(rows[column].sum()), int((~rows[column]).sum()))
            if minority < 50:
                problems.append(f"{market}/{group} {column}: minority {minority}")
        for column in CLASS_TASKS:
            counts = rows[column].value_counts()
            if len(counts) < 2 or counts.sum() < 50:
                problems.append(f"{market}/{group} {column}: {counts.to_dict()}")
        for column in REGRESSION_TASKS:
            values = rows[column].dropna()
            if len(values) < 50 or not values.var() > 0:
                problems.append(f"{market}/{group} {column}: {len(values)} values, var {values.var()}")
    assert not problems, problems


def test_minority_labels_are_said_in_titles(catalog_20k):
    """Kids' versions, battery and hazardous items outside their usual groups show in the title."""
    frame = catalog_20k
    kids = frame[frame["product_group"].isin(["furniture", "electronics", "kitchen"])
                 & (frame["target_gender"] == "kids")]
    kid_words = r"(?i)\b(?:kids|children's|boys|girls|junior|enfant|garçon|fille)\b"
    assert kids["title"].str.contains(kid_words).mean() > 0.7
    assert frame.loc[frame["item_type"] == "baby_food", "target_gender"].eq("kids").all()
    apparel = frame[frame["product_group"] == "apparel"]
    assert set(apparel.loc[apparel["batteries"], "item_type"]) == {"light_up_trainers", "heated_gloves"}
    assert set(apparel.loc[apparel["hazardous"], "item_type"]) <= {"waterproofing_spray", "stain_remover", "heated_gloves"}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_labels_learnable_from_titles_and_gift_wrap_is_noise(catalog):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    train, test = catalog.iloc[:4000], catalog.iloc[4000:]
    vectorizer = TfidfVectorizer(sublinear_tf=True)
    x_train, x_test = vectorizer.fit_transform(train["title"]), vectorizer.transform(test["title"])
    fast = dict(solver="saga", max_iter=100, tol=1e-3)  # converged enough; lbfgs is 10x slower here

    def accuracy(column: str) -> tuple[float, float]:
        tr, te = train[column].notna().to_numpy(), test[column].notna().to_numpy()
        model = LogisticRegression(**fast).fit(x_train[tr], train[column][tr])
        truth = test[column][te]
        return (model.predict(x_test[te]) == truth).mean(), truth.value_counts(normalize=True).iloc[0]

    item_acc, item_majority = accuracy("item_type")
    assert item_acc > 0.6 > 0.1 > item_majority
    color_acc, color_majority = accuracy("color")
    assert color_acc > color_majority + 0.3
    assert color_acc < 0.95  # colour is said in only ~70% of titles: not copied verbatim

    model = LogisticRegression(**fast).fit(x_train, train["gift_wrap"])
    auc = roc_auc_score(test["gift_wrap"], model.predict_proba(x_test)[:, 1])
    assert abs(auc - 0.5) < 0.08


def test_view_count_is_learnable_from_titles(catalog_20k):
    """Popularity follows the brand, the item type and a bestseller/new badge said in the title,
    so a bag-of-words ridge explains a good share of log1p(view_count) in every uk group."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import Ridge
    from sklearn.metrics import r2_score

    scores = {}
    for group, rows in catalog_20k[catalog_20k["marketplace"] == "uk"].groupby("product_group"):
        target = np.log1p(rows["view_count"].to_numpy(dtype=np.float64))
        cut = int(0.7 * len(rows))
        vectorizer = TfidfVectorizer(sublinear_tf=True)
        x_train = vectorizer.fit_transform(rows["title"].iloc[:cut])
        model = Ridge(alpha=1.0).fit(x_train, target[:cut])
        scores[group] = r2_score(target[cut:], model.predict(vectorizer.transform(rows["title"].iloc[cut:])))
    assert len(scores) == len(PRODUCT_GROUPS)
    assert min(scores.values()) > 0.25, scores
    badge = catalog_20k["title"].str.contains(r"(?i)\bbest.?seller\b|\bmeilleure vente\b|\btop vente\b")
    assert 0.08 < badge.mean() < 0.25
    views = catalog_20k["view_count"]
    assert views[badge].median() > 2 * views[~badge].median()
    reviewed = catalog_20k.groupby("has_reviews")["view_count"].median()
    assert reviewed[True] > 3 * reviewed[False]  # reviews follow popularity


# ---------------------------------------------------------------- dirty rows

def test_dirty_rows_cover_every_kind_and_leave_the_rest_alone():
    ids = np.arange(2000)
    dirty = generate_rows(ids, 2000, 4, dirty_fraction=0.05)
    clean = generate_rows(ids, 2000, 4)
    title = dirty["title"]
    assert (title.str.strip() == "").any()
    assert dirty["product_id"].isna().any()
    assert title.str.contains("\x07", regex=False).any()
    assert (dirty["product_group"] == UNKNOWN_GROUP).any()
    assert (title.str.len() > 2000).any()
    ids_present = dirty.dropna(subset=["product_id"])
    assert ids_present.duplicated(["marketplace", "product_id"]).any()
    changed = (dirty[["title", "product_id", "product_group"]].fillna("<null>")
               != clean[["title", "product_id", "product_group"]]).any(axis=1)
    assert 0.03 < changed.mean() < 0.07
    rest = [c for c, _ in CATALOG_COLUMNS if c not in ("title", "product_id", "product_group")]
    pd.testing.assert_frame_equal(dirty[rest], clean[rest])


# ---------------------------------------------------------------- Spark

@pytest.mark.spark
def test_generate_catalog_on_spark_equals_local_rows(spark):
    frame = generate_catalog(spark, 3000, seed=1, partitions=3)
    assert frame.rdd.getNumPartitions() == 3
    assertSchemaEqual(frame.schema, SYNTHETIC_CATALOG)
    got = _by_product_id(frame.toPandas())
    want = _by_product_id(generate_rows(np.arange(3000), 3000, 1))
    pd.testing.assert_frame_equal(got, want)
