"""The two autoencoders of MRNet-Product2Vec (paper 3.2 and 5; the pipeline's ``agnostic`` and
``align`` stages).

* :mod:`~mrnet.autoencoders.sparse` -- :class:`BlockSparseAutoencoder`, Ng's sparse autoencoder
  that maps the G per-product-group embeddings (block ``g`` of a G*block_dim block-one-hot
  input) to one PG-agnostic space, with its objective, training and evaluation.
* :mod:`~mrnet.autoencoders.multimodal` -- :class:`MultimodalAutoencoder`, the bimodal
  autoencoder that aligns two marketplaces' (languages') embedding spaces, and its training.
* :mod:`~mrnet.autoencoders.contrastive` -- :class:`ContrastiveAligner`, the default aligner
  (``align.method: contrastive``): two encoders (MRNet vector + hashed title tokens) into one
  space, trained to retrieve each product's counterpart; the multimodal autoencoder is the
  paper preset (``align.method: mmae``).
* :mod:`~mrnet.autoencoders.io` -- both models serialise as a safetensors state dict plus a
  JSON-able config (:meth:`config` / :meth:`from_config`; :func:`save_autoencoder` /
  :func:`load_autoencoder` write one ``.safetensors`` file whose metadata carries the config).
  Nothing is pickled.

The training functions take their settings as the configuration's own types,
:class:`mrnet.configuration.schema.AgnosticSettings` and
:class:`mrnet.configuration.schema.AlignSettings`; what is not a setting is an argument (the
sparse autoencoder's ``block_dim``, the multimodal autoencoder's side ``names``).

Everything here takes numpy / torch inputs only; the Spark jobs that stream batches from Delta
tables call these functions with a callable returning a fresh batch iterator per epoch.
"""

from mrnet.autoencoders.contrastive import ContrastiveAligner, token_bags, train_contrastive_aligner
from mrnet.autoencoders.io import (autoencoder_bytes, autoencoder_from_bytes, load_autoencoder,
                                   model_from_config, save_autoencoder)
from mrnet.autoencoders.multimodal import (
    MultimodalAutoencoder,
    multimodal_loss,
    train_multimodal_ae,
)
from mrnet.autoencoders.sparse import (
    BlockSparseAutoencoder,
    evaluate_sparse_ae,
    kl_sparsity,
    sparse_ae_loss,
    train_sparse_ae,
)

__all__ = [
    "BlockSparseAutoencoder",
    "sparse_ae_loss",
    "kl_sparsity",
    "train_sparse_ae",
    "evaluate_sparse_ae",
    "ContrastiveAligner",
    "token_bags",
    "train_contrastive_aligner",
    "MultimodalAutoencoder",
    "multimodal_loss",
    "train_multimodal_ae",
    "autoencoder_bytes",
    "autoencoder_from_bytes",
    "save_autoencoder",
    "load_autoencoder",
    "model_from_config",
]
