"""Unit tests of mrnet.evaluation (the protocols and the plots) on small synthetic data, checked
against plain sklearn / numpy / python computations of the same thing (no Spark)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import hypergeom
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mrnet.evaluation import classifiers, importance, neighbours, plots, table2, unseen
from mrnet.text import tokenize

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _task(n=500, d=16, n_classes=2, signal=1.5, word_rate=0.5, seed=0):
    """Titles of random common words plus, with probability ``word_rate``, one word that only
    the hidden class uses; vectors = class centre * signal + unit noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    common = np.array([f"word{i}" for i in range(200)])
    marks = [[f"cls{c}mark{j}" for j in range(4)] for c in range(n_classes)]
    titles = []
    for c in y:
        words = list(rng.choice(common, size=rng.integers(3, 8)))
        if rng.random() < word_rate:
            words.insert(rng.integers(0, len(words) + 1), marks[c][rng.integers(0, 4)])
        titles.append(" ".join(words))
    centres = rng.normal(size=(n_classes, d))
    vectors = centres[y] * signal / np.sqrt(d) + rng.normal(size=(n, d))
    return vectors, titles, y


def _cv(estimator, x, y, scoring, seed=0):
    return cross_val_score(estimator, x, y, cv=StratifiedKFold(5, shuffle=True, random_state=seed),
                           scoring=scoring)


@pytest.fixture(scope="module")
def binary_result():
    v, t, y = _task()
    return (v, t, y), classifiers.compare_on_task(v, t, y, "binary", folds=5, seed=0, n_estimators=30)


# ----------------------------------------------------------------------------- compare_on_task


def test_compare_equals_direct_sklearn_cross_validation(binary_result):
    (v, t, y), res = binary_result
    lr = LogisticRegression(C=1.0, max_iter=1000, random_state=0)
    want = _cv(make_pipeline(StandardScaler(), lr), v, y, "roc_auc")
    assert res["scores"]["mrnet_logreg"]["mean"] == pytest.approx(want.mean(), abs=1e-9)
    np.testing.assert_allclose(res["scores"]["mrnet_logreg"]["folds"], want, atol=1e-9)
    assert res["scores"]["mrnet_logreg"]["std"] == pytest.approx(want.std(), abs=1e-9)
    rf = RandomForestClassifier(n_estimators=30, max_features="sqrt", random_state=0, n_jobs=1)
    assert res["scores"]["mrnet_forest"]["mean"] == pytest.approx(_cv(rf, v, y, "roc_auc").mean(), abs=1e-9)
    # TF-IDF fitted inside each training fold, with the project tokenizer on the raw titles
    tfidf = TfidfVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None, min_df=1)
    want_tfidf = _cv(make_pipeline(tfidf, lr), np.array(t, dtype=object), y, "roc_auc")
    np.testing.assert_allclose(res["scores"]["tfidf_logreg"]["folds"], want_tfidf, atol=1e-9)
    assert res["metric"] == "roc_auc" and res["n"] == len(y) and res["folds"] == 5
    assert res["dims"]["mrnet"] == 16 and 150 < res["dims"]["tfidf"] <= 208


def test_compare_multiclass_accuracy_equals_sklearn():
    v, t, y = _task(n=400, n_classes=4, seed=3)
    res = classifiers.compare_on_task(v, t, y, "multiclass", classifiers=("logreg",))
    lr = LogisticRegression(C=1.0, max_iter=1000, random_state=0)
    want = _cv(make_pipeline(StandardScaler(), lr), v, y, "accuracy")
    assert res["metric"] == "accuracy"
    assert res["scores"]["mrnet_logreg"]["mean"] == pytest.approx(want.mean(), abs=1e-9)
    want_f1 = _cv(make_pipeline(StandardScaler(), lr), v, y, "f1_macro")
    assert res["scores"]["mrnet_logreg"]["macro_f1_mean"] == pytest.approx(want_f1.mean(), abs=1e-9)
    assert set(res["scores"]) == {"mrnet_logreg", "tfidf_logreg"}


def test_signal_free_vectors_score_chance_and_informative_ones_do_not(binary_result):
    (v, t, y), res = binary_result
    noise = np.random.default_rng(7).normal(size=v.shape)
    null = classifiers.compare_on_task(noise, t, y, "binary", classifiers=("logreg",))
    assert abs(null["scores"]["mrnet_logreg"]["mean"] - 0.5) < 0.1
    assert res["scores"]["mrnet_logreg"]["mean"] > 0.8
    assert res["scores"]["mrnet_forest"]["mean"] > 0.8


def test_relative_change_is_against_tfidf_logreg(binary_result):
    _, res = binary_result
    base = res["scores"]["tfidf_logreg"]["mean"]
    assert res["relative_change_pct"]["tfidf_logreg"] == 0.0
    for key, entry in res["scores"].items():
        assert res["relative_change_pct"][key] == pytest.approx((entry["mean"] - base) / base * 100)


def test_rare_classes_and_unlabelled_rows_are_dropped_with_a_note():
    v, t, y = _task(n=300, n_classes=3, seed=1)
    y = y.astype(object)
    y[:3] = "rare"  # 3 < 5 folds
    y[3:10] = None
    res = classifiers.compare_on_task(v, t, y, "multiclass", classifiers=("logreg",))
    assert res["dropped_classes"] == {"rare": 3}
    assert res["n"] == 290 and "rare" not in res["classes"]
    assert any("unlabelled" in n for n in res["notes"]) and any("fewer than 5" in n for n in res["notes"])
    with pytest.raises(ValueError):
        classifiers.compare_on_task(v, t, np.where(np.arange(300) < 3, 1, 0), "binary")  # one class left


def test_table2_markdown_has_one_row_per_task(binary_result):
    _, res = binary_result
    md = table2.table2_markdown({"plugs": res, "sioc (unseen)": {**res, "folds": 1}})
    lines = md.splitlines()
    assert lines[0].startswith("| Task | Metric | N | Dims") and "MRNet RF vs TF-IDF LR" in lines[0]
    assert lines[2].startswith("| plugs | roc_auc (5-fold CV) | 500 | 16 / ")
    rel = res["relative_change_pct"]["mrnet_logreg"]
    assert f"{rel:+.2f}%" in lines[2] and "±" in lines[2] and "±" not in lines[3]


def test_small_training_data_curves():
    v, t, y = _task(n=500, signal=2.0, seed=2)
    res = classifiers.small_training_data(v, t, y, "binary", n_train=(20, 60, 5000), repeats=3)
    assert res["n_test"] == 150 and res["n_pool"] == 350
    assert any("5000 skipped" in n for n in res["notes"])
    for key in ("mrnet_logreg", "tfidf_logreg"):
        assert res["curves"][key]["n"] == [20, 60] and res["curves"][key]["repeats"] == [3, 3]
        assert all(0 <= m <= 1 for m in res["curves"][key]["mean"])
    runs = pd.DataFrame(res["runs"])
    assert len(runs) == 2 * 3 * 2
    mean60 = runs[(runs.n == 60) & (runs.key == "mrnet_logreg")].score.mean()
    assert res["curves"]["mrnet_logreg"]["mean"][1] == pytest.approx(mean60)
    assert res["curves"]["mrnet_logreg"]["mean"][0] > 0.8  # dense vectors learn from 20 products


def test_folds_in_parallel_give_the_figures_of_sequential_folds():
    v, t, y = _task(n=300, d=8, seed=4)
    y = np.where(np.arange(300) < 2, None, y)           # two unlabelled rows: a note either way
    runs = {jobs: classifiers.compare_on_task(v, t, y, "binary", folds=4, n_estimators=10, n_jobs=jobs,
                                              text=("tfidf", "lsa")) for jobs in (1, 2)}
    one, two = runs[1]["scores"], runs[2]["scores"]
    assert set(one) == set(two) == {"mrnet_logreg", "mrnet_forest", "tfidf_logreg", "tfidf_forest", "lsa_logreg"}
    assert all(one[k]["folds"] == pytest.approx(two[k]["folds"], abs=1e-12) for k in one)
    assert runs[1]["notes"] == runs[2]["notes"] and runs[1]["notes"]
    curves = {jobs: classifiers.small_training_data(v, t, y, "binary", n_train=(20, 60), repeats=2, n_jobs=jobs)
              for jobs in (1, 2)}
    assert curves[1]["runs"] == curves[2]["runs"]


@pytest.mark.parametrize("scope, forest_on, lr_only", [("all", "mrnet", "mrnet_pg"), ("group", "mrnet_pg", "mrnet")])
def test_a_task_puts_a_forest_on_its_own_vector_only(scope, forest_on, lr_only):
    """The stage's run_task: a forest on the task scope's MRNet column and on TF-IDF, logistic
    regression on every representation, each figure the one compare_on_task gives alone."""
    from mrnet.configuration.schema import EvalTaskConf, EvaluateSettings
    from mrnet.evaluation.report import run_task

    v, t, y = _task(n=300, d=8, seed=5)
    noise = np.random.default_rng(2).normal(size=v.shape)
    data = pd.DataFrame({"marketplace": "uk", "title": t, "y": y,
                         "embedding": list(v if scope == "all" else noise),
                         "embedding_pg": list(noise if scope == "all" else v)})
    settings = EvaluateSettings(folds=3, forest_trees=10, jobs=1, baselines=[])
    res = run_task("t", EvalTaskConf(column="y", scope=scope, group="toys" if scope == "group" else ""),
                   data, settings)
    assert set(res["scores"]) == {"mrnet_logreg", "mrnet_pg_logreg", f"{forest_on}_forest", "tfidf_logreg",
                                  "tfidf_forest"}
    alone = classifiers.compare_on_task({forest_on: v}, t, data["y"].astype(str), "binary", folds=3,
                                        n_estimators=10)
    for key in (f"{forest_on}_logreg", f"{forest_on}_forest", "tfidf_forest"):
        assert res["scores"][key]["folds"] == pytest.approx(alone["scores"][key]["folds"], abs=1e-12)
    assert res["scores"][f"{forest_on}_logreg"]["mean"] > res["scores"][f"{lr_only}_logreg"]["mean"] + 0.2


def test_stratified_sample_keeps_every_class():
    rng = np.random.default_rng(0)
    y = np.array([0] * 90 + [1] * 8 + [2] * 2)
    pool = np.arange(100)
    for n in (3, 10, 50, 100):
        s = classifiers._stratified_sample(pool, y, n, rng)
        assert len(s) == n == len(set(s)) and set(y[s]) == {0, 1, 2}


# ----------------------------------------------------------------------------- unseen population


def _brute_overlap(test_titles, train_titles):
    out = []
    for t in test_titles:
        a = set(tokenize(t))
        out.append(max((len(a & set(tokenize(s))) / len(a) for s in train_titles), default=0.0) if a else 0.0)
    return np.array(out)


def test_max_title_overlap_equals_brute_force():
    _, titles, _ = _task(n=160, seed=4)
    titles[3], titles[5] = "", "word1 word1 WORD1 word2"  # empty; repeated tokens count once
    test, train = titles[:60], titles[60:]
    want = _brute_overlap(test, train)
    for max_bytes in (1, 10_000, 2**27):  # one row per chunk ... everything at once
        got, n_tok = unseen.max_title_overlap(test, train, max_bytes=max_bytes)
        np.testing.assert_array_equal(got, want)
    assert n_tok[3] == 0 and n_tok[5] == 2
    counts, _ = unseen.max_title_overlap(test, train, measure="count")
    np.testing.assert_array_equal(counts, [max(len(set(tokenize(a)) & set(tokenize(b))) for b in train)
                                           for a in test])


def test_unseen_population_split_filters_by_overlap():
    _, titles, y = _task(n=400, seed=5)
    kept = {}
    for theta in (0.2, 0.5, 0.8, 1.0):
        train, test, info = unseen.unseen_population_split(titles, y, test_fraction=0.3, theta=theta, seed=1)
        assert len(np.intersect1d(train, test)) == 0 and len(train) == 280
        if len(test):
            overlap = _brute_overlap([titles[i] for i in test], [titles[i] for i in train])
            assert overlap.max() <= theta
        kept[theta] = len(test)
        assert info["n_test_kept"] == len(test)
        assert {r["theta"]: r["n_test"] for r in info["survival"]}[theta] == len(test)
    assert kept[0.2] < kept[0.5] < kept[0.8] <= kept[1.0] == 120
    survival = [r["n_test"] for r in info["survival"]]
    assert survival == sorted(survival)  # more candidates survive a looser threshold


def test_compare_on_split_matches_a_direct_fit():
    v, t, y = _task(n=400, seed=6)
    train, test, _ = unseen.unseen_population_split(t, y, theta=0.8, seed=0)
    res = classifiers.compare_on_split(v, t, y, train, test, "binary", n_estimators=20)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000, random_state=0))
    model.fit(v[train], y[train])
    want = roc_auc_score(y[test], model.decision_function(v[test]))
    assert res["scores"]["mrnet_logreg"]["mean"] == pytest.approx(want, abs=1e-12)
    assert res["n_train"] == len(train) and res["n_test"] == len(test) and res["folds"] == 1
    assert set(res["relative_change_pct"]) == {"mrnet_logreg", "mrnet_forest", "tfidf_logreg", "tfidf_forest"}


def test_lsa_and_several_dense_representations_match_direct_fits():
    """LSA-256 is a TruncatedSVD of the training part's TF-IDF; every dense representation passed
    in is scored like the MRNet one (standardised, then logistic regression)."""
    from sklearn.decomposition import TruncatedSVD

    v, t, y = _task(n=400, seed=7)
    noise = np.random.default_rng(1).normal(size=v.shape)
    train, test = np.arange(300), np.arange(300, 400)
    res = classifiers.compare_on_split({"mrnet": v, "w2v_mean": noise}, t, y, train, test, "binary",
                                       classifiers=("logreg",), text=("lsa",))
    assert set(res["scores"]) == {"mrnet_logreg", "w2v_mean_logreg", "tfidf_logreg", "lsa_logreg"}
    tokens = [tokenize(x) for x in t]
    tfidf = TfidfVectorizer(analyzer=lambda x: x, min_df=1)
    xtr = tfidf.fit_transform([tokens[i] for i in train])
    svd = TruncatedSVD(n_components=min(256, xtr.shape[1] - 1, len(train) - 1), random_state=0)
    ztr, zte = svd.fit_transform(xtr), svd.transform(tfidf.transform([tokens[i] for i in test]))
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000, random_state=0))
    model.fit(ztr, y[train])
    want = roc_auc_score(y[test], model.decision_function(zte))
    assert res["scores"]["lsa_logreg"]["mean"] == pytest.approx(want, abs=1e-9)
    assert res["dims"]["lsa"] == svd.n_components and res["dims"]["w2v_mean"] == v.shape[1]
    assert res["scores"]["mrnet_logreg"]["mean"] > res["scores"]["w2v_mean_logreg"]["mean"] + 0.2
    table = table2.table2_markdown({"task": res})
    assert "LSA-256 LR" in table and "w2v mean LR" in table and "MRNet LR vs TF-IDF LR" in table
    with pytest.raises(ValueError, match="text representations"):
        classifiers.compare_on_split(v, t, y, train, test, "binary", text=("bert",))


def test_mean_word_vectors_is_the_mean_of_known_tokens():
    from mrnet.evaluation.baselines import mean_word_vectors
    from mrnet.wordvectors import WordVectors

    vectors = WordVectors(["red", "chair"], np.array([[1.0, 0.0], [0.0, 3.0]], np.float32))
    out = mean_word_vectors(["Red chair", "red unknown", "nothing known"], vectors)
    np.testing.assert_allclose(out, [[0.5, 1.5], [1.0, 0.0], [0.0, 0.0]])


# ----------------------------------------------------------------------------- neighbours


def test_neighbour_table_equals_brute_force_and_excludes_self():
    rng = np.random.default_rng(8)
    v = rng.normal(size=(60, 5))
    v[10] = v[11]  # an exact duplicate is still a neighbour, the query itself is not
    titles = [f"title {i}" for i in range(60)]
    groups = np.array(["a", "b", "c"])[np.arange(60) % 3]
    sample = [0, 10, 59]
    table = neighbours.neighbour_table(v, titles, groups, sample, k=4)
    assert list(table.columns[:2]) == ["query_index", "query_title"]
    assert {"rank", "neighbour_title", "distance", "same_group"} <= set(table.columns)
    for q in sample:
        d = np.linalg.norm(v - v[q], axis=1)
        d[q] = np.inf
        want = np.argsort(d, kind="stable")[:4]
        part = table[table.query_index == q]
        np.testing.assert_array_equal(part.neighbour_index, want)
        np.testing.assert_allclose(part.distance, d[want], atol=1e-12)
        assert list(part["rank"]) == [1, 2, 3, 4] and q not in set(part.neighbour_index)
        assert list(part.same_group) == list(groups[want] == groups[q])
        assert list(part.neighbour_title) == [titles[i] for i in want]
    assert table[table.query_index == 10].neighbour_index.iloc[0] == 11
    md = neighbours.neighbour_markdown(table)
    assert md.count("### title") == 3 and "| rank | neighbour | distance |" in md


def test_cross_language_neighbours_and_alignment():
    rng = np.random.default_rng(9)
    uk = rng.normal(size=(80, 6))
    fr_projected = uk + 0.05 * rng.normal(size=uk.shape)
    frame = neighbours.cross_language_neighbours(fr_projected, [f"fr {i}" for i in range(80)], uk,
                                                 [f"uk {i}" for i in range(80)], k=3, sample=10,
                                                 counterpart=np.arange(80))
    assert len(frame) == 30 and frame.query_index.nunique() == 10
    top = frame[frame["rank"] == 1]
    assert top.is_counterpart.all()
    assert (top.neighbour_title == top.query_title.str.replace("fr", "uk")).all()
    out = neighbours.alignment_precision(fr_projected, uk, ks=(1, 5), unaligned=rng.normal(size=uk.shape))
    assert out["p@1"] == 1.0 and out["random"]["p@1"] == 1 / 80 and out["unaligned"]["p@5"] < 0.5


# ----------------------------------------------------------------------------- 4.3 importances


def _driven(n, d, drivers, seed, weights):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    return x, (x[:, drivers] @ weights + 0.3 * rng.normal(size=n) > 0).astype(int)


def test_importance_overlap_finds_shared_drivers():
    rng = np.random.default_rng(10)
    x, y_train = _driven(800, 40, [0, 1, 2, 3, 4], 10, np.ones(5))
    y_down = (x[:, :5] @ np.array([1.0, -1, 1, 0.8, -0.7]) + 0.3 * rng.normal(size=800) > 0).astype(int)
    res = importance.importance_overlap(x, y_train, y_down, "binary", "binary", n_models=4, n_estimators=40)
    assert res["top_k"] == 10 and res["n_features"] == 40
    assert {0, 1, 2, 3, 4} <= set(res["train_features"]) and {0, 1, 2, 3, 4} <= set(res["overlap"])
    a, b, o = len(res["train_features"]), len(res["downstream_features"]), res["n_overlap"]
    assert res["expected_overlap"] == pytest.approx(a * b / 40) == pytest.approx(hypergeom.mean(40, a, b))
    assert o > 3 * res["expected_overlap"] and res["p_value"] < 1e-3
    assert res["p_value"] == pytest.approx(hypergeom.sf(o - 1, 40, a, b))
    # chance level by simulation: two random subsets of sizes a and b of 40 features
    sims = [len(set(rng.choice(40, a, replace=False)) & set(rng.choice(40, b, replace=False)))
            for _ in range(4000)]
    assert np.mean(sims) == pytest.approx(res["expected_overlap"], abs=0.1)


def test_importance_overlap_unrelated_tasks_and_missing_labels():
    x, y_train = _driven(800, 40, [0, 1, 2, 3, 4], 11, np.ones(5))
    y_down = (x[:, 20:25].sum(1) > 0).astype(object)
    y_down[::4] = None  # sparse labels: unlabelled products are skipped
    res = importance.importance_overlap(x, y_train, y_down, "binary", "binary", n_models=4, n_estimators=40)
    assert not set(res["overlap"]) & {0, 1, 2, 3, 4, 20, 21, 22, 23, 24}
    assert {20, 21, 22, 23, 24} <= set(res["downstream_features"])
    assert res["p_value"] > 0.01


# ----------------------------------------------------------------------------- plots


def _is_png(path):
    with open(path, "rb") as fh:
        head = fh.read(8)
    return head == PNG_MAGIC


def test_plots_write_pngs(tmp_path, binary_result):
    _, res = binary_result
    v, _, y = _task(n=300, n_classes=3, seed=12)
    history = [{"step": s, "valid_score": 1.0 / (s + 1) if s != 20 else None,
                "train_loss": {"color": 1.0 / (s + 1), "size": 2.0 / (s + 1)},
                "valid_loss": {"color": 1.1 / (s + 1), "size": 2.1 / (s + 1)}} for s in range(0, 50, 10)]
    small = classifiers.small_training_data(*_task(n=200, seed=13), "binary", n_train=(20, 40), repeats=2)
    written = [
        plots.table2_bars({"plugs": res, "sioc": res}, tmp_path / "t2.png"),
        plots.projection(v, np.array(["toy", "book", "furniture"])[y], tmp_path / "p.png", "PG-agnostic",
                         max_points=200),
        plots.projection(v, [f"g{i}" for i in range(300)], tmp_path / "many.png", "many groups"),
        plots.training_curves({"uk/toy": history, "uk/book": history[:3]}, tmp_path / "deep" / "c.png"),
        plots.small_data_curve(small, tmp_path / "s.png"),
    ]
    for path in written:
        assert _is_png(path), path
        assert (tmp_path / path).stat().st_size > 1000
    assert written[3].endswith("deep/c.png")


def test_projection_tsne_small(tmp_path):
    v, _, y = _task(n=60, seed=14)
    assert _is_png(plots.projection(v, y, tmp_path / "tsne.png", "t-SNE", method="tsne"))
