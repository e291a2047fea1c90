"""MRNet-Product2Vec product embeddings on Apache Spark. ``mrnet.Embedder`` embeds titles on
demand (see mrnet/ondemand.py)."""
import importlib


def __getattr__(name: str):
    # Resolved on first use, so importing any mrnet module (the numeric core on a worker, a job's
    # --help) does not load torch and the model store.
    if name == "Embedder":
        return importlib.import_module("mrnet.ondemand").Embedder
    raise AttributeError(f"module 'mrnet' has no attribute {name!r}")
