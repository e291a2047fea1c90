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


VOCAB_WORDS = ["lego", "train", "bluetooth", "speaker", "headphones", "wooden", "set"]


def spelling_vectors(oov: str = "spelling") -> WordVectors:
    rng = np.random.default_rng(0)
    return WordVectors(VOCAB_WORDS, rng.normal(size=(len(VOCAB_WORDS), 8)).astype(np.float32),
                       {"settings": {"oov": oov}})


def test_an_unknown_word_borrows_the_id_of_the_word_spelt_most_like_it():
    vectors = spelling_vectors()
    ids = lambda tokens: [VOCAB_WORDS[i - 1] for i in vectors.ids(tokens)]
    assert ids(["legos", "blutooth", "speakers", "headphnes"]) == ["lego", "bluetooth", "speaker", "headphones"]
    assert ids(["wooden", "spkr", "train"]) == ["wooden", "train"]        # spelt too far: dropped ...
    assert ids(["spkr"]) == ["speaker"]     # ... unless the title has no other word: the closest
    assert ids(["zzz"]) == []               # no shared trigram at all: the title has no vector
    assert spelling_vectors("drop").ids(["legos", "train"]).tolist() == [2]   # the paper: dropped


def test_the_oov_mode_is_part_of_the_vectors_checksum(tmp_path):
    """Models trained with one mode must not load vectors of the other; old vectors keep theirs."""
    spelling, dropping = spelling_vectors(), spelling_vectors("drop")
    legacy = WordVectors(dropping.vocab, dropping.vectors)           # written before the setting
    assert legacy.oov == "drop" and legacy.checksum() == dropping.checksum() != spelling.checksum()
    checksum = spelling.save(tmp_path / "v")
    loaded = WordVectors.load(tmp_path / "v", expected_checksum=checksum)
    assert loaded.oov == "spelling" and loaded.ids(["legos"]).tolist() == [1]


def test_a_small_corpus_gets_more_passes():
    from mrnet.word2vec import MAX_EPOCHS, epochs_for

    settings = Word2VecSettings(epochs=5, min_trained_words=5_000_000)
    assert epochs_for(settings, 20_000_000) == 5            # a big corpus: the set minimum
    assert epochs_for(settings, 250_000) == 20               # 10k titles of ~25 words
    assert epochs_for(settings, 1_000) == MAX_EPOCHS == 50
    assert epochs_for(Word2VecSettings(epochs=5, min_trained_words=0), 1_000) == 5
