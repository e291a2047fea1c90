"""Corpus table, streamed word2vec, and the word-vector store."""
from __future__ import annotations

import json

import numpy as np
import pytest

from mrnet.configuration.schema import Word2VecSettings
from mrnet.corpus import build_corpus
from mrnet.schemas import CORPUS_PARTITIONS
from mrnet.synthetic import generate_rows
from mrnet.text import tokenize
from mrnet.word2vec import StreamingSentences, train_word2vec
from mrnet.modelstore import ChecksumMismatch, read_manifest
from mrnet.modelstore.layout import VOCAB
from mrnet.wordvectors import WordVectors


@pytest.fixture(scope="module")
def catalog_pdf():
    return generate_rows(np.arange(4000), 4000, seed=5)


@pytest.mark.spark
def test_corpus_tokens_equal_the_tokenizer(spark, catalog_pdf):
    rows = build_corpus(spark.createDataFrame(catalog_pdf.head(200))).toPandas()
    expected = catalog_pdf.head(200)
    assert len(rows) == 200
    for got, (_, row) in zip(rows.sort_values("product_id").itertuples(),
                             expected.sort_values("product_id").iterrows()):
        assert list(got.title_tokens) == tokenize(row.title)
        assert list(got.tokens) == tokenize(row.title) + tokenize(row.description)


@pytest.mark.spark
def test_streamed_word2vec_per_marketplace(spark, store, catalog_pdf):
    store.write(build_corpus(spark.createDataFrame(catalog_pdf)), "corpus",
                partition_by=CORPUS_PARTITIONS)
    sentences = StreamingSentences(store, "corpus", "fr", batch_size=500)
    first, second = list(sentences), list(sentences)           # re-iterable
    assert first == second and len(first) == (catalog_pdf.marketplace == "fr").sum()
    settings = Word2VecSettings(vector_size=32, min_count=5, epochs=3, workers=1)
    vectors, stats = train_word2vec(sentences, settings)
    assert vectors.vectors.shape == (len(vectors.vocab), 32)
    assert stats["sentences"] == len(first)
    assert "chaise" in vectors.vocab or "table" in vectors.vocab
    assert not {"the", "and"} <= set(vectors.vocab)             # a French-only model
    counts = {}
    for sentence in first:
        for token in sentence:
            counts[token] = counts.get(token, 0) + 1
    assert set(vectors.vocab) == {t for t, c in counts.items() if c >= 5}


def test_word_vectors_round_trip_and_checksum(tmp_path):
    vectors = WordVectors(["a", "b", "c"], np.arange(6, dtype=np.float32).reshape(3, 2))
    checksum = vectors.save(tmp_path / "v1")
    loaded = WordVectors.load(tmp_path / "v1", expected_checksum=checksum)
    assert loaded.vocab == ["a", "b", "c"] and np.array_equal(loaded.vectors, vectors.vectors)
    assert loaded.ids(["c", "zzz", "a"]).tolist() == [3, 1]
    matrix = loaded.embedding_matrix()
    assert matrix.shape == (4, 2) and not matrix[0].any()
    assert read_manifest(tmp_path / "v1")["checksum"] == checksum
    with pytest.raises(ChecksumMismatch, match="trained with"):
        WordVectors.load(tmp_path / "v1", expected_checksum="0" * 32)
    (tmp_path / "v1" / VOCAB).write_text(json.dumps(["a", "b", "x"]))
    with pytest.raises(ChecksumMismatch, match="corrupt"):
        WordVectors.load(tmp_path / "v1")


def test_word2vec_is_reproducible_with_one_worker():
    sentences = [["red", "chair", "wood"], ["blue", "chair", "metal"], ["red", "table", "wood"]] * 30
    settings = Word2VecSettings(vector_size=8, min_count=1, epochs=2, workers=1)
    first, _ = train_word2vec(sentences, settings)
    second, _ = train_word2vec(sentences, settings)
    assert first.checksum() == second.checksum()
