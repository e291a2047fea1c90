"""Train one gensim Word2Vec per marketplace, streamed from the `corpus` table, into the model
store (safetensors vectors + vocabulary JSON + checksum).

    spark-submit jobs/word2vec.py [--set word2vec.min_count=5] [--set word2vec.max_sentences=5000000]
"""
from mrnet.cli import main
from mrnet.stages import train_word_vectors

if __name__ == "__main__":
    main("word2vec", __doc__, train_word_vectors, sections=("word2vec",))
