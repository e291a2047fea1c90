"""Score every catalog title into the `embeddings` Delta table: PG-specific (2 x train.hidden),
PG-agnostic (256) and language-aligned (256) vectors, one row per catalog row with a `status`.

    spark-submit jobs/score.py [--incremental] [--model-version mv-...]
"""
from mrnet.cli import Flag, main
from mrnet.stages import score_embeddings

FLAGS = [
    Flag("--incremental", "score.incremental",
         "rescore only new or changed titles (and all of them for a new model version)", boolean=True),
    Flag("--model-version", "score.model_version",
         "model version to score with (default: models/current.json)"),
]

if __name__ == "__main__":
    main("score", __doc__, score_embeddings, sections=("score",), flags=FLAGS)
