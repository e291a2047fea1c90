"""The file names of the model store, spelled here once.

Every artifact is a folder: its files plus ``manifest.json`` (a format version, what the
artifact is, a SHA-256 per file) and, where a run made it, the run's resolved ``config.yaml``.

    models/<model_version>/groups/<marketplace>/<group>/   MRNet weights of one group
    models/<model_version>/agnostic/<marketplace>/         sparse autoencoder
    models/<model_version>/align/<a>-<b>/                  multimodal autoencoder
    models/<model_version>/stable/<marketplace>/           maps into the previous version's space
    models/<model_version>/{summary.json,quality.md,config.yaml}
    models/current.json                                    the published model version
    models/candidate.json                                  trained, not yet through the gate
    models/published.json                                  every publication, oldest first
    models/<model_version>/{gate.md,gate.json}             the quality gate's verdict
    models/word2vec/<marketplace>/<version>/               word vectors; current.json beside
    runs/<job>/<run_id>/{config.yaml,summary.json}         one record per job run
    runs/<stage>/last_success.json                         the nightly chain's skip marker
"""
from __future__ import annotations

FORMAT_VERSION = 2          # 1: no per-file checksums in manifests (still readable)

MANIFEST = "manifest.json"
WEIGHTS = "model.safetensors"
MAPS = "maps.safetensors"
CONFIG = "config.yaml"
CURRENT = "current.json"
CANDIDATE = "candidate.json"
PUBLISHED = "published.json"
GATE_MD, GATE_JSON = "gate.md", "gate.json"
SUMMARY = "summary.json"
QUALITY = "quality.md"
VECTORS = "vectors.safetensors"
VOCAB = "vocab.json"
LAST_SUCCESS = "last_success.json"
