"""Cross-language retrieval (paper 5) the way users need it: for every held-out product of one
language, is its counterpart in the other language the nearest (P@1) or among the ten nearest
(P@10), both directions, for the aligned space beside baselines fitted on the same training
pairs: orthogonal Procrustes on LSA-256 of each language's titles, on the mean word vectors, on
the group vectors and on the PG-agnostic vectors, and random. Ties count against the query
(:func:`mrnet.retrieval.precision_at_k`). Numpy and scikit-learn only.

A pair set is a dict of same-length columns, row i being one product on both sides:
``title_a``, ``title_b`` (lists of str) and ``pg_a``, ``pg_b``, ``agn_a``, ``agn_b`` ((N, d)
arrays); :func:`mrnet.align.read_pairs` returns one.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from mrnet.evaluation.markdown import markdown_table
from mrnet.retrieval import precision_at_k, procrustes_fit, random_baseline

KS = (1, 10)
PROCRUSTES_ON = {"group": "pg", "agnostic": "agn"}   # baseline name -> pair-set column prefix


def both_directions(a: np.ndarray, b: np.ndarray, ks: Sequence[int] = KS) -> dict:
    """{"a_to_b": P@k of each a row finding its b row, "b_to_a": the reverse} (Euclidean)."""
    return {"a_to_b": _p_at(precision_at_k(a, b, ks), ks), "b_to_a": _p_at(precision_at_k(b, a, ks), ks)}


def procrustes_both_ways(train_a, train_b, test_a, test_b, ks: Sequence[int] = KS) -> dict:
    """Orthogonal Procrustes fitted on the training pairs, each direction its own map."""
    to_b, to_a = procrustes_fit(train_a, train_b), procrustes_fit(train_b, train_a)
    return {"a_to_b": _p_at(precision_at_k(to_b(test_a), test_b, ks), ks),
            "b_to_a": _p_at(precision_at_k(to_a(test_b), test_a, ks), ks)}


def lsa_features(train_titles: Sequence[str], titles: Sequence[str], dim: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """LSA of one language: TF-IDF (the evaluation's tokenizer) and a TruncatedSVD fitted on the
    training titles; returns (train features, ``titles`` features)."""
    from sklearn.decomposition import TruncatedSVD

    from mrnet.evaluation.classifiers import make_tfidf
    from mrnet.text import tokenize_many

    tfidf = make_tfidf()
    x_train = tfidf.fit_transform(tokenize_many(list(train_titles)))
    svd = TruncatedSVD(max(1, min(dim, x_train.shape[1] - 1, x_train.shape[0] - 1)), random_state=0)
    return svd.fit_transform(x_train), svd.transform(tfidf.transform(tokenize_many(list(titles))))


def retrieval_comparison(train: Mapping, test: Mapping, aligned: tuple[np.ndarray, np.ndarray] | None,
                         word_vectors: Mapping | None = None, ks: Sequence[int] = KS) -> dict:
    """{representation: {"a_to_b": {"p@1", "p@10"}, "b_to_a": {...}}} on the ``test`` pairs;
    ``aligned`` is (side a's codes, side b's codes) of the test pairs in the shared space, and
    ``word_vectors`` (side a's, side b's WordVectors) adds the mean-word-vector baseline."""
    n = len(test["title_a"])
    out = {}
    if aligned is not None:
        out["aligned"] = both_directions(aligned[0], aligned[1], ks)
    for name, column in PROCRUSTES_ON.items():
        out[f"{name}+procrustes"] = procrustes_both_ways(train[f"{column}_a"], train[f"{column}_b"],
                                                         test[f"{column}_a"], test[f"{column}_b"], ks)
    lsa_a, lsa_b = (lsa_features(train[f"title_{s}"], list(train[f"title_{s}"]) + list(test[f"title_{s}"]))[1]
                    for s in ("a", "b"))
    m = len(train["title_a"])
    out["lsa+procrustes"] = procrustes_both_ways(lsa_a[:m], lsa_b[:m], lsa_a[m:], lsa_b[m:], ks)
    if word_vectors is not None:
        from mrnet.evaluation.baselines import mean_word_vectors

        w = [mean_word_vectors(list(part[f"title_{s}"]), word_vectors[i])
             for part in (train, test) for i, s in enumerate(("a", "b"))]
        out["w2v_mean+procrustes"] = procrustes_both_ways(w[0], w[1], w[2], w[3], ks)
    chance = _p_at(random_baseline(n, ks), ks)
    out["random"] = {"a_to_b": chance, "b_to_a": dict(chance)}
    return out


def withheld_reasons(metrics: Mapping, fed: str, below_random: float, below_procrustes: bool) -> list[str]:
    """Why the aligned vectors of a pair should not be published ([]: publish): a held-out P@1
    (either direction) under ``below_random`` x random, or under Procrustes on the vectors the
    aligner is fed (``fed``: "group" or "agnostic")."""
    reasons = []
    aligned, chance = metrics["aligned"], metrics["random"]["a_to_b"]["p@1"]
    for direction in ("a_to_b", "b_to_a"):
        p1 = aligned[direction]["p@1"]
        if below_random and p1 < below_random * chance:
            reasons.append(f"{direction} P@1 {p1:.3f} < {below_random:g} x random ({chance:.4f})")
        baseline = metrics[f"{fed}+procrustes"][direction]["p@1"]
        if below_procrustes and p1 < baseline:
            reasons.append(f"{direction} P@1 {p1:.3f} < Procrustes on the {fed} vectors ({baseline:.3f})")
    return reasons


def retrieval_markdown(metrics: Mapping, names: tuple[str, str]) -> str:
    """The comparison as one table: a row per representation, P@1 / P@10 both directions."""
    a, b = names
    head = ["representation", f"P@1 {a}→{b}", f"P@1 {b}→{a}", f"P@10 {a}→{b}", f"P@10 {b}→{a}"]
    rows = [[name, *(f"{m[d][k]:.3f}" for k in ("p@1", "p@10") for d in ("a_to_b", "b_to_a"))]
            for name, m in metrics.items()]
    return markdown_table(head, rows, right_aligned=range(1, 5))


def _p_at(result: Mapping, ks: Sequence[int]) -> dict:
    return {f"p@{k}": float(result[f"p@{k}"]) for k in ks}
