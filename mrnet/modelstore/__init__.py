"""The versioned model store: every artifact's path, file names, manifest, atomic write,
verified read and the current-version pointers. No other module spells a file name of it.

Loading never unpickles anything, checks each file against its manifest's SHA-256, and refuses
word vectors other than a model's own. The layout is in :mod:`mrnet.modelstore.layout`.
"""
from mrnet.modelstore.artifacts import (ChecksumMismatch, UnsupportedFormat, has_artifact,
                                        read_manifest, write_artifact)
from mrnet.modelstore.atomic import to_jsonable, write_atomic, write_json_atomic
from mrnet.modelstore.autoencoders import (agnostic_model, aligner_for, load_autoencoder_model,
                                           save_autoencoder_model)
from mrnet.modelstore.groups import group_manifests, load_group_model, save_group_model
from mrnet.modelstore.layout import FORMAT_VERSION
from mrnet.modelstore.pointers import (candidate_model_version, current_model_version, propose_model_version,
                                      publications, publish_model_version, withdraw_candidate)
from mrnet.modelstore.stable import has_stable_maps, load_stable_maps, save_stable_maps
from mrnet.modelstore.runs import RunRecord, last_success, record_success, write_version_files
from mrnet.modelstore.vectors import (current_word_vectors, load_word_vectors, publish_word_vectors,
                                      save_word_vectors)

__all__ = [
    "FORMAT_VERSION", "ChecksumMismatch", "RunRecord", "UnsupportedFormat", "agnostic_model",
    "aligner_for", "candidate_model_version", "has_stable_maps", "load_stable_maps", "save_stable_maps", "current_model_version", "current_word_vectors", "group_manifests", "has_artifact",
    "last_success", "load_autoencoder_model", "load_group_model", "load_word_vectors",
    "propose_model_version", "publications", "publish_model_version", "publish_word_vectors", "read_manifest", "record_success",
    "save_autoencoder_model", "save_group_model", "save_word_vectors", "to_jsonable",
    "withdraw_candidate", "write_artifact", "write_atomic", "write_json_atomic", "write_version_files",
]
