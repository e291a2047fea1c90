"""One optimisation step of :func:`mrnet.training.train_group`, and what it runs on.

Forward, backward and optimiser updates run on ``Run.device`` (CPU or GPU); batches are drawn
and padded on the host. Steps are deterministic given (seed, step), the torch RNG state and the
weights, which a checkpoint restores.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import torch

from mrnet.configuration.schema import TrainSettings
from mrnet.model import MRNet, TaskSpec, pad_batch
from mrnet.training.checkpoint import LoopState
from mrnet.training.data import TaskData, target_batch
from mrnet.training.losses import per_sample_loss, task_loss
from mrnet.training.samplers import AlternatingSampler, JointIndex, JointSampler


@dataclass
class Run:
    """What stays fixed during one call of :func:`train_group` (model and optimisers on ``device``)."""

    tasks: list[TaskSpec]
    specs: dict[str, TaskSpec]
    train: Mapping[str, TaskData]
    valid: Mapping[str, TaskData]
    settings: TrainSettings
    checkpoint_dir: Path
    log: Callable[[str], None]
    device: torch.device
    model: MRNet
    opts: dict[str, torch.optim.Optimizer]
    enc_params: list
    scales: dict[str, float]
    fingerprint: dict
    valid_rows: dict[str, np.ndarray] = field(default_factory=dict)  # early-stopping subset
    sampler: AlternatingSampler | JointSampler | None = None
    joint: JointIndex | None = None  # joint mode only


@dataclass
class Meter:
    """Training-step time and examples of this call (not checkpointed): totals, and the window
    since the last evaluation (for its log line)."""

    seconds: float = 0.0
    samples: int = 0
    steps: int = 0
    window_seconds: float = 0.0
    window_steps: int = 0
    window_samples: int = 0

    def add(self, seconds: float, samples: int) -> None:
        self.seconds += seconds
        self.samples += samples
        self.steps += 1
        self.window_seconds += seconds
        self.window_steps += 1
        self.window_samples += samples

    def window_rates(self) -> tuple[float, float]:
        """(steps/s, samples/s) of the window; NaN before any step."""
        if self.window_seconds <= 0:
            return float("nan"), float("nan")
        return self.window_steps / self.window_seconds, self.window_samples / self.window_seconds

    def reset_window(self) -> None:
        self.window_seconds, self.window_steps, self.window_samples = 0.0, 0, 0


def take_step(run: Run, st: LoopState, meter: Meter) -> None:
    """Optimisation step ``st.step + 1`` (on ``run.device``), timed into ``meter``."""
    t0 = time.perf_counter()
    step = st.step + 1
    for opt in run.opts.values():
        opt.zero_grad(set_to_none=True)
    n_batch = _alternating_step(run, st, step) if run.settings.mode == "alternating" else _joint_step(run, st, step)
    st.step = step
    meter.add(time.perf_counter() - t0, n_batch)


def _alternating_step(run: Run, st: LoopState, step: int) -> int:
    """One task's batch: update the encoder and that head only; returns the batch size."""
    name, idx = run.sampler.draw(step)
    spec, data = run.specs[name], run.train[name]
    tok, lens = pad_batch([data.tokens[i] for i in idx])
    out = run.model(tok.to(run.device), lens, name)
    loss = task_loss(spec, out, target_batch(spec, data.target, idx, run.device), run.scales[name])
    if _finite_or_skip(loss, step, st, run.log):
        loss.backward()
        _clip(run, run.enc_params + run.model.head_parameters(name))
        _step_encoder(run)
        run.opts["head." + name].step()
        _add_running(st, name, float(loss.detach()))
    return len(idx)


def _step_encoder(run: Run) -> None:
    """The shared parameters' update: the BiLSTM, and the word vectors when they are tuned
    (their sparse gradients are not clipped)."""
    run.opts["encoder"].step()
    if "words" in run.opts:
        run.opts["words"].step()


def _joint_step(run: Run, st: LoopState, step: int) -> int:
    """One batch of products: masked sum over their tasks; updates the encoder and the heads
    of the tasks present in the batch. Returns the batch size."""
    prods = run.sampler.draw(step)
    loss, stepped = _joint_loss(run, prods)
    if _finite_or_skip(loss, step, st, run.log):
        loss.backward()
        params = list(run.enc_params)
        for name, _ in stepped:
            params += run.model.head_parameters(name)
        _clip(run, params)
        _step_encoder(run)
        for name, task_mean in stepped:
            run.opts["head." + name].step()
            _add_running(st, name, task_mean)
    return len(prods)


def _joint_loss(run: Run, prods: np.ndarray) -> tuple[torch.Tensor, list[tuple[str, float]]]:
    """(scalar loss on ``run.device``, [(task, its mean normalised loss)] of the tasks present)."""
    tok, lens = pad_batch([run.joint.tokens[p] for p in prods])
    emb = run.model.encode(tok.to(run.device), lens)  # (B, 2 * hidden)
    total = emb.new_zeros(())
    stepped = []
    for name, rows_all in run.joint.row_of.items():
        rows = rows_all[prods]
        present = np.nonzero(rows >= 0)[0]
        if len(present) == 0:
            continue
        spec = run.specs[name]
        o = run.model.head(emb[torch.from_numpy(present).to(run.device)], name)
        y = target_batch(spec, run.train[name].target, rows[present], run.device)
        ps = per_sample_loss(spec, o, y, run.scales[name])
        total = total + ps.sum()
        stepped.append((name, float(ps.detach().mean())))
    return total / len(prods), stepped


def _finite_or_skip(loss: torch.Tensor, step: int, st: LoopState, log: Callable[[str], None]) -> bool:
    """True when the loss is finite; otherwise the step makes no update (so one bad batch cannot
    turn every weight and Adam moment into NaN), is counted and logged."""
    if bool(torch.isfinite(loss.detach())):
        return True
    st.skipped += 1
    log(f"[train] WARNING step {step}: non-finite loss {float(loss.detach())}; no update made ({st.skipped} so far)")
    return False


def _clip(run: Run, params: list) -> None:
    if run.settings.clip_norm and run.settings.clip_norm > 0:
        torch.nn.utils.clip_grad_norm_(params, run.settings.clip_norm)


def _add_running(st: LoopState, name: str, loss: float) -> None:
    r = st.running.setdefault(name, [0.0, 0])
    r[0] += loss
    r[1] += 1
