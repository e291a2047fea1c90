"""Out-of-vocabulary words mapped onto the vocabulary word spelt most like them.

A title word word2vec did not keep (rarer than ``min_count``, a misspelling, a new brand, a
plural) would otherwise be dropped, and a title of only such words would get no vector. Instead
it borrows the id of the known word whose character trigrams (of ``<word>``) are most similar
(Jaccard similarity of the two sets, at least ``min_similarity``; a tie goes to the more frequent
word): ``blutooth`` -> ``bluetooth``, ``legos`` -> ``lego``. It is built from the vocabulary
alone, so every worker that loads the same vectors builds the same map; lookups are cached.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

MIN_SIMILARITY = 0.3
MAX_POSTINGS = 20_000   # a trigram shared by more words than this says little about spelling
CACHE_LIMIT = 500_000   # distinct unknown words remembered per process (then forgotten at once)


def trigrams(word: str) -> set[str]:
    padded = f"<{word}>"
    return {padded[i:i + 3] for i in range(max(1, len(padded) - 2))}


class SpellingNeighbours:
    """``id_of(word)``: the 1-based id of the vocabulary word spelt most like ``word`` (0: none)."""

    def __init__(self, vocab: list[str]):
        postings = defaultdict(list)
        sizes = np.zeros(len(vocab) + 1, np.int32)
        for i, word in enumerate(vocab, start=1):   # gensim's vocabulary: most frequent first
            grams = trigrams(word)
            sizes[i] = len(grams)
            for gram in grams:
                postings[gram].append(i)
        self._postings = {g: np.asarray(ids, np.int32) for g, ids in postings.items()}
        self._sizes = sizes
        self._cache: dict[tuple[str, float], int] = {}

    def id_of(self, word: str, min_similarity: float = MIN_SIMILARITY) -> int:
        key = (word, min_similarity)
        if key not in self._cache:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = self._search(word, min_similarity)
        return self._cache[key]

    def _search(self, word: str, min_similarity: float) -> int:
        grams = trigrams(word)
        lists = [self._postings[g] for g in grams if g in self._postings]
        specific = [ids for ids in lists if len(ids) <= MAX_POSTINGS]
        lists = specific or lists
        if not lists:
            return 0
        candidates, shared = np.unique(np.concatenate(lists), return_counts=True)
        similarity = shared / (len(grams) + self._sizes[candidates] - shared)
        best = int(np.argmax(similarity))   # the first maximum: the most frequent such word
        return int(candidates[best]) if similarity[best] >= min_similarity else 0
