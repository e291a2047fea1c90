"""Serialisation of both autoencoders: one ``.safetensors`` file holding the state dict, with
the model's JSON config (:meth:`config`) in the file's metadata, so that loading rebuilds the
right model (:func:`model_from_config`) without pickling anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import torch

from mrnet.autoencoders.common import _CONTRASTIVE_KIND, _MULTIMODAL_KIND, _SPARSE_KIND
from mrnet.autoencoders.contrastive import ContrastiveAligner
from mrnet.autoencoders.multimodal import MultimodalAutoencoder
from mrnet.autoencoders.sparse import BlockSparseAutoencoder

__all__ = ["autoencoder_bytes", "autoencoder_from_bytes", "save_autoencoder", "load_autoencoder",
           "model_from_config"]


def model_from_config(config: Mapping[str, Any], state_dict: Mapping[str, torch.Tensor]):
    """Build any of the models (both autoencoders, the contrastive aligner) from its ``config()`` and state dict."""
    kind = config.get("kind")
    if kind == _SPARSE_KIND:
        return BlockSparseAutoencoder.from_config(config, state_dict)
    if kind == _MULTIMODAL_KIND:
        return MultimodalAutoencoder.from_config(config, state_dict)
    if kind == _CONTRASTIVE_KIND:
        return ContrastiveAligner.from_config(config, state_dict)
    raise ValueError(f"unknown autoencoder kind {kind!r}")


def autoencoder_bytes(model: BlockSparseAutoencoder | MultimodalAutoencoder,
                      extra: Mapping[str, Any] | None = None) -> bytes:
    """``model``'s state dict as safetensors bytes; the metadata holds the JSON config (key
    ``config``) and, optionally, JSON ``extra`` (metrics, input versions, ...)."""
    from safetensors.torch import save

    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    meta = {"config": json.dumps(model.config(), sort_keys=True)}
    if extra is not None:
        meta["extra"] = json.dumps(extra, sort_keys=True)
    return save(state, metadata=meta)


def autoencoder_from_bytes(data: bytes, where: str = "autoencoder") -> BlockSparseAutoencoder | MultimodalAutoencoder:
    """Inverse of :func:`autoencoder_bytes` (eval mode; nothing is unpickled)."""
    from safetensors.torch import load

    meta = _safetensors_metadata(data)
    if "config" not in meta:
        raise ValueError(f"{where}: no autoencoder config in the safetensors metadata")
    return model_from_config(json.loads(meta["config"]), load(data)).eval()


def _safetensors_metadata(data: bytes) -> dict:
    """The ``__metadata__`` of a safetensors buffer: an 8-byte little-endian header size, then
    the JSON header."""
    size = int.from_bytes(data[:8], "little")
    return json.loads(data[8:8 + size]).get("__metadata__") or {}


def save_autoencoder(model: BlockSparseAutoencoder | MultimodalAutoencoder, path: str | Path,
                     extra: Mapping[str, Any] | None = None) -> Path:
    """One safetensors file (atomically); the model store's folders use the same bytes."""
    from mrnet.modelstore.atomic import write_atomic

    write_atomic(path, autoencoder_bytes(model, extra))
    return Path(path)


def load_autoencoder(path: str | Path) -> BlockSparseAutoencoder | MultimodalAutoencoder:
    return autoencoder_from_bytes(Path(path).read_bytes(), str(path))
