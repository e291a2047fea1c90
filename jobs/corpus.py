"""Tokenize every catalog row (title + description) into the `corpus` Delta table.

    spark-submit jobs/corpus.py [--catalog NAME] [--conf-env cluster] [--set key=value ...]
"""
from mrnet.cli import main
from mrnet.stages import tokenize_corpus

if __name__ == "__main__":
    main("corpus", __doc__, tokenize_corpus, sections=("corpus",))
