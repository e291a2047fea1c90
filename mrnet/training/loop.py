"""The training loop of one MRNet model (one product group).

Plain numpy/torch; no Spark. The Spark job runs :func:`train_group` once per (marketplace,
product group) inside a task and stores ``TrainResult.model.state_for_store()``. Model,
optimisers and batches live on ``settings.device``; sampling, checkpoints and metrics run on
the host.
"""

from __future__ import annotations

import hashlib
import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence

import numpy as np
import torch

from mrnet.configuration.schema import TrainSettings
from mrnet.model import WORD_ROWS, WORD_VALUES, MRNet, TaskSpec, exact_float32
from mrnet.training.checkpoint import LoopState, load_checkpoint, run_fingerprint, save_checkpoint
from mrnet.training.data import TaskData, validate_inputs
from mrnet.training.losses import loss_scales, mean_term_distribution
from mrnet.training.metrics import evaluate_tasks, validation_losses
from mrnet.training.samplers import AlternatingSampler, JointSampler, joint_index
from mrnet.training.steps import Meter, Run, take_step

_MODES = ("alternating", "joint")


@dataclass
class TrainResult:
    """Outcome of :func:`train_group`.

    ``model``: best weights (lowest mean normalised validation loss), eval mode, on CPU.
    ``steps``: last training step reached. ``seconds``: wall time of this call.
    ``samples_per_second``: training examples per second of training-step time in this call.
    ``metrics``: :func:`evaluate_tasks` on the validation data. ``history``: one dict per
    evaluation: step, train_loss {task: mean since the previous evaluation}, valid_loss
    {task: normalised}, valid_score, steps_per_second, samples_per_second.
    """

    model: MRNet
    steps: int
    seconds: float
    samples_per_second: float
    metrics: dict[str, dict]
    history: list[dict]
    best_step: int | None = None
    best_score: float | None = None
    stopped_early: bool = False
    resumed_from: int | None = None
    loss_scales: dict[str, float] = field(default_factory=dict)


class TrainingInterrupted(RuntimeError):
    """Raised by :func:`train_group` when ``stop_after_steps`` is reached (a simulated kill)."""


@torch.no_grad()
def init_heads_to_baseline(model: MRNet, tasks: Sequence[TaskSpec], train: Mapping[str, TaskData]) -> None:
    """Start every head at its trivial predictor: log class priors, the mean, the mean vector.

    Output weights start small, so at step 0 each head predicts its baseline and training only
    has to learn what the title adds. Without this, a 5,000-term decoding head or a rare binary
    head spends most of a short training run unlearning its random bias.
    """
    for spec in tasks:
        data = train.get(spec.name)
        if data is None or len(data) == 0:
            continue
        head = model.heads[spec.name]
        head.weight.mul_(0.1)
        if spec.kind in ("multiclass", "binary"):
            counts = np.bincount(np.asarray(data.target, dtype=np.int64), minlength=spec.dim)
            prior = (counts + 1.0) / (counts.sum() + spec.dim)
            head.bias.copy_(torch.from_numpy(np.log(prior).astype(np.float32)))
        elif spec.kind == "regression":
            head.bias.fill_(float(np.mean(np.asarray(data.target, dtype=np.float64))))
        elif spec.objective == "softmax":
            mean = mean_term_distribution(data.target)
            head.bias.copy_(torch.from_numpy(np.log(mean + 1e-6).astype(np.float32)))
        else:
            mean = np.asarray(data.target.mean(axis=0), dtype=np.float32).ravel()
            head.bias.copy_(torch.from_numpy(mean))


def train_group(
    tasks: list[TaskSpec],
    train: dict[str, TaskData],
    valid: dict[str, TaskData],
    word_vectors: np.ndarray,
    settings: TrainSettings,
    checkpoint_dir: Path,
    log: Callable[[str], None] = print,
    stop_after_steps: int | None = None,
    initial_weights: Mapping[str, torch.Tensor] | None = None,
) -> TrainResult:
    """Train one MRNet model (one product group) and return the best weights.

    ``tasks``: the heads; ``train`` / ``valid``: :class:`TaskData` per task name (a task may be
    missing or empty in either); ``word_vectors``: (V+1, D) float32, row 0 zeros;
    ``settings``: :class:`mrnet.configuration.schema.TrainSettings` (model and batches on
    ``settings.device``, ``settings.threads`` torch threads during the call).

    Optimisation (Adam, ``settings.lr``): one optimiser for the shared BiLSTM and one per head.
    *alternating* (default): step s draws (task, rows) from :class:`AlternatingSampler`; the
    normalised loss of that task is back-propagated and only the encoder's and that head's
    optimisers step, so the other heads (and their Adam moments) stay bit-identical.
    *joint*: step s draws a batch of products (:class:`JointSampler`), encodes them once and
    minimises (1/B) * sum over products of the sum of the normalised losses of the tasks that
    product has (masked sum; Equation 3 of the paper with missing labels masked out). Products
    of different tasks are matched by ``TaskData.product_index``.

    Every ``eval_every`` steps (and at the last step) the mean normalised validation loss over
    tasks (at most ``valid_max_per_task`` fixed random rows per task) is computed; the best
    weights are kept and training stops after ``patience`` evaluations without improvement.
    Progress is logged at each evaluation.

    Every ``checkpoint_every`` steps (and at the end) the state is written to ``checkpoint_dir``
    (see :mod:`mrnet.training.checkpoint`). If a checkpoint exists, training resumes from it;
    because batches are a pure function of (seed, step), a resumed run ends with exactly the
    weights of an uninterrupted one (deterministic CPU ops, same thread count). A checkpoint of
    a different run (other tasks, data sizes, word vectors or hyper-parameters) raises
    ``ValueError``. Checkpoints are never unpickled.

    ``stop_after_steps``: raise :class:`TrainingInterrupted` once that step is done (simulates a
    kill; for tests).

    ``initial_weights``: ``state_for_store`` weights to start from instead of the seeded ones
    (a shared encoder pre-trained on other groups): every tensor whose name and shape match the
    model's is copied (the BiLSTM, and heads of the same name and width); the rest start as usual.
    """
    t_call = time.perf_counter()
    tasks = list(tasks)
    word_vectors = np.asarray(word_vectors, dtype=np.float32)
    sizes = _check_inputs(tasks, train, valid, word_vectors, settings, log)
    with _torch_threads(settings.threads):
        run = _prepare(tasks, train, valid, word_vectors, settings, Path(checkpoint_dir), log, initial_weights)
        st, resumed_from = _resume_or_start(run)
        run.valid_rows = _valid_subset(tasks, valid, settings)
        _attach_sampler(run, sizes)
        meter = Meter()
        stopped = st.bad_evals >= settings.patience
        while st.step < settings.max_steps and not stopped:
            take_step(run, st, meter)
            stopped = _maybe_evaluate(run, st, meter)
            finishing = stopped or st.step >= settings.max_steps
            _maybe_checkpoint(run, st, finishing)
            _maybe_interrupt(st.step, stop_after_steps, finishing)
        stopped = _finish(run, st, meter) or stopped
        return _result(run, st, meter, stopped, resumed_from, t_call)


# ---------------------------------------------------------------------- setup
def _check_inputs(tasks, train, valid, word_vectors: np.ndarray, settings: TrainSettings, log) -> dict[str, int]:
    """Refuse bad settings or data (``ValueError``); training rows per task."""
    if settings.mode not in _MODES:
        raise ValueError(f"mode must be 'alternating' or 'joint', got {settings.mode!r}")
    sizes = validate_inputs(tasks, train, valid, word_vectors.shape[0])
    if not any(sizes.values()):
        raise ValueError("train_group: no task has training rows")
    for name, n in sizes.items():
        if n == 0:
            log(f"[train] task {name}: no training rows; its head stays untrained")
    return sizes


@contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    """torch intra-op threads set to ``n`` inside the block, restored after."""
    prev_threads = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(prev_threads)


def _prepare(tasks, train, valid, word_vectors, settings: TrainSettings, checkpoint_dir: Path, log,
             initial_weights=None) -> Run:
    """Seeded model with heads at their baselines (or ``initial_weights``), on
    ``settings.device``, and its optimisers."""
    torch.manual_seed(int(settings.seed))
    device = torch.device(exact_float32(settings.device))
    model = MRNet(word_vectors, tasks, hidden=settings.hidden, pooling=settings.pooling, dropout=settings.dropout,
                  tune_words=settings.tune_words)
    init_heads_to_baseline(model, tasks, train)
    started_from = _load_matching(model, initial_weights or {})
    model = model.to(device)
    model.train()
    opts: dict[str, torch.optim.Optimizer] = {"encoder": torch.optim.Adam(model.encoder_parameters(), lr=settings.lr)}
    if model.tune_words:  # only the rows of each batch's words move
        opts["words"] = torch.optim.SparseAdam(model.word_parameters(), lr=settings.lr)
    for t in tasks:
        opts["head." + t.name] = torch.optim.Adam(model.head_parameters(t.name), lr=settings.lr)
    return Run(
        tasks=tasks, specs={t.name: t for t in tasks}, train=train, valid=valid, settings=settings,
        checkpoint_dir=checkpoint_dir, log=log, device=device, model=model, opts=opts,
        enc_params=model.encoder_parameters(), scales=loss_scales(tasks, train),
        fingerprint={**run_fingerprint(tasks, train, word_vectors, settings),
                     **({"started_from": started_from} if started_from else {})},
    )


@torch.no_grad()
def _load_matching(model: MRNet, weights: Mapping[str, torch.Tensor]) -> str | None:
    """Copy the tensors of ``weights`` whose name and shape match ``model``'s; a digest of what
    was copied (part of the run's fingerprint), None when nothing was."""
    own, trainable = model.state_dict(), set(model.state_for_store_keys())
    copied = sorted(k for k, v in weights.items() if k in trainable and tuple(v.shape) == tuple(own[k].shape))
    if model.tune_words and WORD_ROWS in weights:
        model.load_word_rows(weights[WORD_ROWS], weights[WORD_VALUES])
        copied += [WORD_ROWS, WORD_VALUES]
    if not copied:
        return None
    digest = hashlib.sha1()
    for k in copied:
        if k in trainable:
            own[k].copy_(weights[k])
        digest.update(k.encode() + weights[k].detach().to("cpu", torch.float32).numpy().tobytes())
    return digest.hexdigest()


def _resume_or_start(run: Run) -> tuple[LoopState, int | None]:
    """(loop state, step resumed from or None): from the checkpoint if there is one."""
    st = load_checkpoint(run.checkpoint_dir, run.model, run.opts, run.fingerprint)
    if st is None:
        return LoopState(), None
    run.log(f"[train] resuming from checkpoint at step {st.step} in {run.checkpoint_dir}")
    return st, st.step


def _valid_subset(tasks, valid: Mapping[str, TaskData], settings: TrainSettings) -> dict[str, np.ndarray]:
    """Fixed sorted rows per task for the early-stopping score (at most ``valid_max_per_task``)."""
    vrng = np.random.default_rng([int(settings.seed), 0x5EED])
    rows: dict[str, np.ndarray] = {}
    cap = settings.valid_max_per_task
    for t in tasks:
        d = valid.get(t.name)
        if d is None or len(d) == 0:
            continue
        n = len(d)
        rows[t.name] = np.sort(vrng.permutation(n)[:cap]) if cap is not None and n > cap else np.arange(n)
    return rows


def _attach_sampler(run: Run, sizes: Mapping[str, int]) -> None:
    """The batch source of ``settings.mode`` (host side; a pure function of (seed, step))."""
    s = run.settings
    if s.mode == "alternating":
        run.sampler = AlternatingSampler(sizes, s.batch_size, s.seed)
    else:
        run.joint = joint_index(run.tasks, run.train)
        run.sampler = JointSampler(run.joint.products, s.batch_size, s.seed)


# ---------------------------------------------------------------------- evaluation / checkpoints
def _maybe_evaluate(run: Run, st: LoopState, meter: Meter) -> bool:
    """Evaluate every ``eval_every`` steps and at the last; True when patience is exhausted."""
    if st.step % run.settings.eval_every == 0 or st.step == run.settings.max_steps:
        return _evaluate(run, st, meter)
    return False


def _evaluate(run: Run, st: LoopState, meter: Meter) -> bool:
    """Score the validation subset, keep the best weights, record and log; True when patience is exhausted."""
    s = run.settings
    vl = validation_losses(run.model, run.tasks, run.valid, run.scales, run.valid_rows, s.eval_batch_size)
    score = float(np.mean(list(vl.values()))) if vl else None
    tl = {k: v[0] / v[1] for k, v in sorted(st.running.items()) if v[1]}
    sps, xps = meter.window_rates()
    improved = _record_score(run, st, score)
    st.history.append({
        "step": st.step,
        "train_loss": {k: _json_float(v) for k, v in tl.items()},
        "valid_loss": {k: _json_float(v) for k, v in vl.items()},
        "valid_score": _json_float(score),
        "steps_per_second": _json_float(sps),
        "samples_per_second": _json_float(xps),
        "skipped_steps": st.skipped,
    })
    st.running = {}
    st.last_eval_step = st.step
    progress = " *" if improved else f" (no improvement {st.bad_evals}/{s.patience})"
    run.log(
        f"[train] step {st.step}/{s.max_steps} {sps:.1f} steps/s {xps:.0f} samples/s | "
        f"train {_fmt_losses(tl)} | valid score {score if score is None else round(score, 4)}"
        f"{progress} | valid {_fmt_losses(vl)}"
    )
    meter.reset_window()
    if st.bad_evals < s.patience:
        return False
    run.log(f"[train] early stop at step {st.step}: best score {st.best_score:.4f} at step {st.best_step}")
    return True


def _record_score(run: Run, st: LoopState, score: float | None) -> bool:
    """Keep the weights when ``score`` improves (or there is no score); True when it improved."""
    improved = score is not None and math.isfinite(score) and (st.best_score is None or score < st.best_score)
    if improved or score is None:
        st.best_score, st.best_step = score, st.step
        st.best_weights = run.model.state_for_store()
        st.bad_evals = 0
    else:
        st.bad_evals += 1
    return improved


def _fmt_losses(losses: Mapping[str, float]) -> str:
    return " ".join(f"{k}={v:.3f}" for k, v in losses.items())


def _json_float(x):
    """float for JSON (strict: NaN/inf become None)."""
    return float(x) if x is not None and math.isfinite(x) else None


def _maybe_checkpoint(run: Run, st: LoopState, finishing: bool) -> None:
    """Checkpoint every ``checkpoint_every`` steps, except at the end (:func:`_finish` does)."""
    if st.step % run.settings.checkpoint_every == 0 and not finishing:
        save_checkpoint(run.checkpoint_dir, run.model, run.opts, st, run.fingerprint, finished=False)


def _maybe_interrupt(step: int, stop_after_steps: int | None, finishing: bool) -> None:
    if stop_after_steps is not None and step >= stop_after_steps and not finishing:
        raise TrainingInterrupted(f"stopped after step {step} (stop_after_steps={stop_after_steps})")


def _finish(run: Run, st: LoopState, meter: Meter) -> bool:
    """Evaluate the last step if not done yet, write the final checkpoint; True when that
    evaluation exhausted patience."""
    stopped = False
    if st.last_eval_step != st.step or st.best_weights is None:
        stopped = _evaluate(run, st, meter)
    save_checkpoint(run.checkpoint_dir, run.model, run.opts, st, run.fingerprint, finished=True)
    return stopped


def _result(run: Run, st: LoopState, meter: Meter, stopped: bool, resumed_from: int | None, t_call: float) -> TrainResult:
    """Best weights on the CPU in eval mode, their metrics on all validation rows, and the run's record."""
    model = run.model
    if st.best_weights is not None:
        model.load_store_state(st.best_weights)
    model = model.to("cpu").eval()
    metrics = evaluate_tasks(model, run.tasks, run.valid, run.train, run.settings.eval_batch_size)
    seconds = time.perf_counter() - t_call
    rate = meter.samples / meter.seconds if meter.seconds > 0 else 0.0
    run.log(
        f"[train] done: {st.step} steps ({meter.steps} in this run, {rate:.0f} "
        f"samples/s), best score {st.best_score} at step {st.best_step}, {seconds:.1f}s"
    )
    return TrainResult(
        model=model, steps=st.step, seconds=seconds, samples_per_second=rate, metrics=metrics,
        history=st.history, best_step=st.best_step, best_score=st.best_score, stopped_early=stopped,
        resumed_from=resumed_from, loss_scales=run.scales,
    )
