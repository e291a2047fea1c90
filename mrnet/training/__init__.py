"""Multi-task training of one MRNet model (one product group).

Plain numpy/scipy/torch; no Spark. The Spark job (:mod:`mrnet.train`) runs :func:`train_group`
once per (marketplace, product group) inside a task and stores
``TrainResult.model.state_for_store()``. Its settings are
:class:`mrnet.configuration.schema.TrainSettings`.

* :mod:`~mrnet.training.data`: :class:`TaskData` and its checks, :func:`target_batch`;
* :mod:`~mrnet.training.losses`: the normalised losses (every trivial predictor scores ~1.0);
* :mod:`~mrnet.training.samplers`: batches as a pure function of (seed, step);
* :mod:`~mrnet.training.metrics`: early-stopping score and per-task quality;
* :mod:`~mrnet.training.checkpoint`: safetensors + JSON checkpoints, exact resume;
* :mod:`~mrnet.training.steps`: one optimisation step (alternating or joint);
* :mod:`~mrnet.training.loop`: :func:`train_group`.
"""

from mrnet.training.checkpoint import CHECKPOINT_JSON
from mrnet.training.data import TaskData, target_batch
from mrnet.training.loop import TrainingInterrupted, TrainResult, init_heads_to_baseline, train_group
from mrnet.training.losses import decoding_total_variance, default_loss_scale, loss_scales, per_sample_loss, task_loss
from mrnet.training.metrics import evaluate_tasks, validation_losses
from mrnet.training.samplers import AlternatingSampler, JointSampler

__all__ = [
    "TaskData",
    "TrainResult",
    "TrainingInterrupted",
    "AlternatingSampler",
    "JointSampler",
    "default_loss_scale",
    "loss_scales",
    "decoding_total_variance",
    "per_sample_loss",
    "task_loss",
    "target_batch",
    "evaluate_tasks",
    "validation_losses",
    "init_heads_to_baseline",
    "train_group",
    "CHECKPOINT_JSON",
]
