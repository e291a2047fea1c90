"""The token corpus: every catalog row tokenized once with the project's one tokenizer."""
from __future__ import annotations

from typing import Callable, Iterator

import pandas as pd
from pyspark.sql import DataFrame

from mrnet.schemas import CORPUS



def make_tokenize_fn(include_description: bool) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """Runs on the driver; returns the mapInPandas function that runs on the executors."""

    def tokenize_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from mrnet.text import tokenize_many

        for batch in batches:
            title_tokens = tokenize_many(batch["title"])
            if include_description:
                description = tokenize_many(batch["description"])
                tokens = [t + d for t, d in zip(title_tokens, description)]
            else:
                tokens = title_tokens
            yield pd.DataFrame({
                "product_id": batch["product_id"], "marketplace": batch["marketplace"],
                "product_group": batch["product_group"],
                "title_tokens": title_tokens, "tokens": tokens,
            })

    return tokenize_batches


def build_corpus(catalog: DataFrame, include_description: bool = True) -> DataFrame:
    columns = ["product_id", "marketplace", "product_group", "title", "description"]
    return catalog.select(*columns).mapInPandas(make_tokenize_fn(include_description), CORPUS)
