"""MRNet-Product2Vec product embeddings on Apache Spark. ``mrnet.Embedder`` embeds titles on
demand (imported lazily: the jobs that do not need torch do not pay for it)."""


def __getattr__(name: str):
    if name == "Embedder":
        from mrnet.ondemand import Embedder

        return Embedder
    raise AttributeError(f"module 'mrnet' has no attribute {name!r}")
