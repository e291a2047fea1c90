"""Dense baselines the evaluation puts beside MRNet (numpy only): the mean of a title's word
vectors. LSA-256 and TF-IDF are fitted per fold in :mod:`mrnet.evaluation.classifiers`."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from mrnet.text import tokenize_many
from mrnet.wordvectors import WordVectors


def mean_word_vectors(titles: Sequence[str], vectors: WordVectors) -> np.ndarray:
    """``(N, D)``: the mean vector of each title's known tokens (zeros when none is known)."""
    out = np.zeros((len(titles), vectors.dim), np.float32)
    table = vectors.embedding_matrix()
    for i, tokens in enumerate(tokenize_many(list(titles))):
        ids = vectors.ids(tokens)
        if len(ids):
            out[i] = table[ids].mean(axis=0)
    return out
