"""Which rows each training step uses: a pure function of (seed, step), so nothing to checkpoint.

Plain numpy on the host; the chosen rows are padded and moved to the model's device by the
training loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from mrnet.model import TaskSpec
from mrnet.training.data import TaskData


class AlternatingSampler:
    """Alternating optimisation (paper 3.1): each step picks a task uniformly at random, then a
    batch of that task's products (without replacement within the batch).

    ``task_sizes``: number of training rows per task (tasks with 0 rows are never drawn).
    The randomness of step ``s`` comes from ``np.random.default_rng([seed, s])`` only, so the
    stream is a pure function of (seed, step): a resumed run continues with exactly the batches
    an uninterrupted run would have drawn, and there is no sampler state to checkpoint.
    """

    def __init__(self, task_sizes: Mapping[str, int], batch_size: int, seed: int):
        self.task_sizes = {k: int(v) for k, v in sorted(task_sizes.items()) if int(v) > 0}
        if not self.task_sizes:
            raise ValueError("AlternatingSampler needs at least one task with training rows")
        if int(batch_size) < 1:
            raise ValueError("batch_size must be >= 1")
        self.names = list(self.task_sizes)  # sorted: stable across dict orders
        self.batch_size = int(batch_size)
        self.seed = int(seed)

    def draw(self, step: int) -> tuple[str, np.ndarray]:
        """(task name, int64 row indices of that task) for training step ``step``."""
        rng = np.random.default_rng([self.seed, int(step)])
        name = self.names[int(rng.integers(len(self.names)))]
        n = self.task_sizes[name]
        idx = rng.choice(n, size=min(self.batch_size, n), replace=False)
        return name, np.asarray(idx, dtype=np.int64)


class JointSampler:
    """Joint optimisation: each step draws a batch of products (group-level product numbers)
    from ``products`` (the union of the products that have at least one training label);
    deterministic per (seed, step) like :class:`AlternatingSampler`."""

    def __init__(self, products: np.ndarray, batch_size: int, seed: int):
        self.products = np.unique(np.asarray(products, dtype=np.int64))
        if len(self.products) == 0:
            raise ValueError("JointSampler needs at least one product")
        self.batch_size = int(batch_size)
        self.seed = int(seed)

    def draw(self, step: int) -> np.ndarray:
        """int64 (B,) product numbers for training step ``step``."""
        rng = np.random.default_rng([self.seed, int(step)])
        n = len(self.products)
        return self.products[rng.choice(n, size=min(self.batch_size, n), replace=False)]


@dataclass
class JointIndex:
    """Lookup tables of joint optimisation over P = max product number + 1 products.

    ``products``: sorted int64 product numbers that have at least one training label.
    ``row_of``: per task, int64 (P,) training row of each product (-1 = no label in that task).
    ``tokens``: per product number, its token array (taken from the first task that has it;
    None for numbers no task uses).
    """

    products: np.ndarray
    row_of: dict[str, np.ndarray]
    tokens: list


def joint_index(tasks: Sequence[TaskSpec], train: Mapping[str, TaskData]) -> JointIndex:
    """Match the training rows of all tasks by ``TaskData.product_index`` (see :class:`JointIndex`)."""
    prods = {t.name: train[t.name].products() for t in tasks if t.name in train and len(train[t.name])}
    if not prods:
        raise ValueError("no training data")
    n_products = int(max(p.max() for p in prods.values())) + 1
    row_of: dict[str, np.ndarray] = {}
    prod_tokens: list = [None] * n_products
    for name, p in prods.items():
        if p.min() < 0:
            raise ValueError(f"task {name!r}: negative product_index")
        if len(np.unique(p)) != len(p):
            raise ValueError(f"task {name!r}: product_index has duplicates")
        r = np.full(n_products, -1, dtype=np.int64)
        r[p] = np.arange(len(p))
        row_of[name] = r
        toks = train[name].tokens
        for row, prod in enumerate(p):
            if prod_tokens[prod] is None:
                prod_tokens[prod] = toks[row]
    universe = np.unique(np.concatenate(list(prods.values())))
    return JointIndex(universe, row_of, prod_tokens)
