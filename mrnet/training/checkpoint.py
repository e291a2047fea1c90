"""Checkpoints of :func:`mrnet.training.train_group`: safetensors + JSON, never pickle.

A checkpoint folder holds ``state-<step>.safetensors`` (model, best weights, flattened Adam
state, torch RNG state; all tensors on the CPU) and ``checkpoint.json`` (step, best score,
patience counter, history, the run's fingerprint). Each file is written atomically with
:func:`mrnet.modelstore.atomic.write_atomic`; the JSON, written last, is the commit point.
Runs on the host wherever training runs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import torch
from safetensors.torch import load_file as _st_load_file
from safetensors.torch import save as _st_save

from mrnet.configuration.schema import TrainSettings
from mrnet.model import MRNet, TaskSpec
from mrnet.modelstore.atomic import write_atomic
from mrnet.training.data import TaskData

CHECKPOINT_JSON = "checkpoint.json"
_CHECKPOINT_FORMAT = "mrnet-train-checkpoint/1"


@dataclass
class LoopState:
    """What a resumed run needs besides the tensors: the training loop's progress."""

    step: int = 0
    best_score: float | None = None
    best_step: int | None = None
    bad_evals: int = 0
    last_eval_step: int = 0
    history: list = field(default_factory=list)
    running: dict = field(default_factory=dict)  # task -> [loss sum, count] since last eval
    best_weights: dict | None = None
    skipped: int = 0  # steps whose loss was not finite (no update made)


def run_fingerprint(tasks: Sequence[TaskSpec], train: Mapping[str, TaskData], word_vectors: np.ndarray, s: TrainSettings) -> dict:
    """What identifies a training run: a checkpoint with another fingerprint is refused."""
    wv = np.ascontiguousarray(word_vectors, dtype=np.float32)
    return {
        "tasks": [t.to_json() for t in tasks],
        "train_rows": {t.name: len(train[t.name]) if t.name in train else 0 for t in tasks},
        "word_vectors_shape": list(wv.shape),
        "word_vectors_sha1": hashlib.sha1(wv.tobytes()).hexdigest(),
        "hidden": int(s.hidden),
        "batch_size": int(s.batch_size),
        "lr": float(s.lr),
        "seed": int(s.seed),
        "mode": s.mode,
        "clip_norm": float(s.clip_norm),
        **({"tune_words": True} if s.tune_words else {}),
    }


def _flatten_optimizer(prefix: str, opt: torch.optim.Optimizer, tensors: dict, scalars: dict) -> None:
    """Add ``opt``'s per-parameter state as ``<prefix>.<param id>.<key>``: tensors (copied to
    the CPU) to ``tensors``, plain numbers to ``scalars``."""
    for pid, st in opt.state_dict()["state"].items():
        for k, v in st.items():
            key = f"{prefix}.{pid}.{k}"
            if isinstance(v, torch.Tensor):
                tensors[key] = v.detach().to("cpu").contiguous().clone()
            else:
                scalars[key] = v


def _unflatten_optimizer(prefix: str, opt: torch.optim.Optimizer, tensors: Mapping, scalars: Mapping) -> None:
    """Inverse of :func:`_flatten_optimizer` (``load_state_dict`` moves tensors to the params' device)."""
    sd = opt.state_dict()
    state: dict[int, dict] = {}
    pre = prefix + "."
    for src in (tensors, scalars):
        for key, v in src.items():
            if key.startswith(pre):
                pid, k = key[len(pre) :].split(".", 1)
                state.setdefault(int(pid), {})[k] = v
    sd["state"] = state
    opt.load_state_dict(sd)


def _state_tensors(model: MRNet, opts: Mapping[str, torch.optim.Optimizer], st: LoopState) -> tuple[dict, dict]:
    """(CPU tensors by name, optimizer scalars by name) of one checkpoint."""
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict = {}
    for k, v in model.state_for_store().items():
        tensors["model." + k] = v
    if st.best_weights is not None:
        for k, v in st.best_weights.items():
            tensors["best." + k] = v.detach().to("cpu").contiguous().clone()
    for name, opt in opts.items():
        _flatten_optimizer("optim." + name, opt, tensors, scalars)
    tensors["rng.torch"] = torch.get_rng_state().clone()
    return tensors, scalars


def save_checkpoint(
    ckpt_dir: Path,
    model: MRNet,
    opts: Mapping[str, torch.optim.Optimizer],
    st: LoopState,
    fingerprint: dict,
    finished: bool,
) -> None:
    """Write the state of step ``st.step`` to ``ckpt_dir`` (created if missing) and delete older
    state files. Each write is temp file, fsync, rename, fsync of the folder."""
    tensors, scalars = _state_tensors(model, opts, st)
    fname = f"state-{st.step:09d}.safetensors"
    write_atomic(ckpt_dir / fname, _st_save(tensors, metadata={"format": _CHECKPOINT_FORMAT, "step": str(st.step)}))
    meta = {
        "format": _CHECKPOINT_FORMAT,
        "file": fname,
        "step": st.step,
        "best_score": st.best_score,
        "best_step": st.best_step,
        "bad_evals": st.bad_evals,
        "last_eval_step": st.last_eval_step,
        "finished": bool(finished),
        "history": st.history,
        "running": st.running,
        "skipped_steps": st.skipped,
        "optimizer_scalars": scalars,
        "fingerprint": fingerprint,
    }
    # the JSON is the commit point: it names the safetensors file that belongs to it
    write_atomic(ckpt_dir / CHECKPOINT_JSON, json.dumps(meta, indent=1, sort_keys=True, allow_nan=False).encode())
    for p in ckpt_dir.glob("state-*.safetensors"):
        if p.name != fname:
            try:
                p.unlink()
            except OSError:
                pass


def load_checkpoint(
    ckpt_dir: Path,
    model: MRNet,
    opts: Mapping[str, torch.optim.Optimizer],
    fingerprint: dict,
) -> LoopState | None:
    """Restore model, optimizers and torch RNG from ``ckpt_dir`` and return the loop state;
    None when there is no checkpoint. ``ValueError`` when it belongs to another run."""
    meta_path = ckpt_dir / CHECKPOINT_JSON
    if not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text())
    _check_meta(meta, meta_path, fingerprint)
    tensors = _st_load_file(str(ckpt_dir / meta["file"]))  # safetensors only, never pickle
    model.load_store_state({k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")})
    for name, opt in opts.items():
        _unflatten_optimizer("optim." + name, opt, tensors, meta.get("optimizer_scalars", {}))
    torch.set_rng_state(tensors["rng.torch"])
    best = {k[len("best.") :]: v for k, v in tensors.items() if k.startswith("best.")}
    return LoopState(
        step=int(meta["step"]),
        best_score=meta["best_score"],
        best_step=meta["best_step"],
        bad_evals=int(meta["bad_evals"]),
        last_eval_step=int(meta["last_eval_step"]),
        history=list(meta["history"]),
        skipped=int(meta.get("skipped_steps", 0)),
        running={k: list(v) for k, v in meta["running"].items()},
        best_weights=best or None,
    )


def _check_meta(meta: dict, meta_path: Path, fingerprint: dict) -> None:
    if meta.get("format") != _CHECKPOINT_FORMAT:
        raise ValueError(f"{meta_path}: unknown checkpoint format {meta.get('format')!r}")
    if meta["fingerprint"] != fingerprint:
        theirs = meta["fingerprint"]
        diff = sorted(k for k in set(fingerprint) | set(theirs) if fingerprint.get(k) != theirs.get(k))
        raise ValueError(
            f"checkpoint in {meta_path.parent} belongs to a different training run (differs in {diff}); "
            "delete it or use another checkpoint_dir"
        )
