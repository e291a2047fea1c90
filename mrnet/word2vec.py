"""gensim Word2Vec per marketplace, streamed from the corpus Delta table."""
from __future__ import annotations

import logging
import time
import zlib
from typing import Iterator

import pyarrow.compute as pc

from mrnet.configuration.schema import Word2VecSettings
from mrnet.wordvectors import WordVectors

log = logging.getLogger("mrnet")


class StreamingSentences:
    """A re-iterable corpus for gensim: each pass streams the table a batch at a time.

    Driver memory holds one Arrow batch (``batch_size`` rows), whatever the corpus size.
    """

    def __init__(self, store, table: str, marketplace: str, batch_size: int = 20_000,
                 version: int | None = None):
        self.store, self.table, self.marketplace = store, table, marketplace
        self.batch_size, self.version = batch_size, version

    def __iter__(self) -> Iterator[list[str]]:
        batches = self.store.iter_batches(
            self.table, columns=["tokens"], batch_size=self.batch_size, version=self.version,
            filter=pc.field("marketplace") == self.marketplace)
        for batch in batches:
            yield from (tokens for tokens in batch.column(0).to_pylist() if tokens)


def stable_hash(text: str) -> int:
    """gensim seeds each word's initial vector with ``hashfxn(word + seed)``; Python's ``hash`` is
    salted per process, so without this two runs on the same corpus give different vectors."""
    return zlib.crc32(text.encode("utf-8"))


MAX_EPOCHS = 50


def epochs_for(settings: Word2VecSettings, corpus_words: int) -> int:
    """``epochs``, or more on a small corpus: enough passes to train ``min_trained_words`` words
    (5 passes over 10k short titles leave most word vectors close to their random start)."""
    if not settings.min_trained_words or corpus_words <= 0:
        return settings.epochs
    needed = -(-settings.min_trained_words // corpus_words)
    return max(settings.epochs, min(MAX_EPOCHS, needed))


def train_word2vec(sentences, settings: Word2VecSettings) -> tuple[WordVectors, dict]:
    """Build the vocabulary in one pass, then train; returns the vectors and training figures."""
    from gensim.models import Word2Vec

    model = Word2Vec(vector_size=settings.vector_size, min_count=settings.min_count,
                     window=settings.window, sg=settings.sg, workers=settings.workers,
                     seed=settings.seed, hashfxn=stable_hash)
    started = time.time()
    model.build_vocab(sentences)
    words = model.corpus_total_words
    epochs = epochs_for(settings, words)
    model.train(sentences, total_examples=model.corpus_count, total_words=words, epochs=epochs)
    seconds = time.time() - started
    vectors = WordVectors(list(model.wv.index_to_key), model.wv.vectors.copy())
    stats = {"sentences": model.corpus_count, "words": int(words), "vocab": len(vectors.vocab),
             "epochs": epochs, "seconds": round(seconds, 2),
             "words_per_second": round(words * (epochs + 1) / max(seconds, 1e-9))}
    return vectors, stats


def sample_corpus(store, marketplace: str, fraction: float, seed: int, metadata: dict) -> int:
    """Draw the word2vec sample on the executors into ``corpus_sample``; returns its version."""
    from pyspark.sql import functions as F

    sample = (store.read("corpus").filter(F.col("marketplace") == marketplace)
              .sample(fraction=min(fraction, 1.0), seed=seed))
    return store.write(sample, "corpus_sample", mode="overwrite_partitions",
                       partition_by=("marketplace",), replace={"marketplace": [marketplace]},
                       metadata=metadata)
