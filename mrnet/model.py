"""The MRNet network (paper section 3.1): word2vec inputs -> one BiLSTM layer -> task heads.

The word vectors are frozen (the paper) or tuned per group (``tune_words``): a group's model
then stores only the rows that training moved, beside the shared vectors it started from.

Pure torch/numpy: no Spark here, so the module is unit-tested on its own and reused unchanged
inside Spark tasks (training) and pandas UDFs (scoring).

Shapes used throughout (B = batch, T = longest title in the batch, V = vocabulary size without
padding, D = word-vector size, H = ``hidden`` units per LSTM direction)::

    word_vectors  (V+1, D) float32, row 0 = all-zero padding row (token id 0 is padding)
    tokens        (B, T)   int64, right-padded with 0
    lengths       (B,)     int64, every length >= 1
    embedding     (B, 2H)  float32 = [last forward state ; last backward state]  (pooling "last",
                           the paper's), or the mean (pooling "mean") or the element-wise
                           maximum (pooling "max") of the BiLSTM outputs over the real tokens
    head output   (B, dim) float32 (logits, a scalar, or the decoded TF-IDF vector)
"""

from __future__ import annotations

import contextlib

import keyword
import re
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

__all__ = [
    "TASK_KINDS",
    "TaskSpec",
    "MRNet",
    "pad_batch",
    "encode_numpy",
]

#: The four kinds of training task of the paper's Table 1.
TASK_KINDS = ("multiclass", "binary", "regression", "decoding")
#: How the BiLSTM states become the product embedding.
POOLINGS = ("last", "mean", "max")
#: What a decoding head is trained to reproduce: the TF-IDF vector itself (squared error, the
#: paper) or its weights as a distribution over the terms (softmax cross-entropy).
DECODING_OBJECTIVES = ("mse", "softmax")

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# prefix of the word-vector table in ``state_dict()``; never stored whole (see WORD_ROWS)
_EMBEDDING_PREFIX = "embedding."
#: Stored weights of a model with tuned word vectors: the ids of the rows that differ from the
#: shared vectors (int64, K) and those rows (float32, K x D).
WORD_ROWS, WORD_VALUES = "words.rows", "words.values"


@dataclass(frozen=True)
class TaskSpec:
    """One training task (one head of the network).

    ``kind`` is one of :data:`TASK_KINDS`; ``dim`` is the head's output width: the number of
    classes for ``multiclass`` (>= 2), 2 for ``binary`` (class 1 is the positive class), 1 for
    ``regression`` and the vocabulary size of the TF-IDF target (e.g. 5000) for ``decoding``.
    ``name`` is an identifier (letters, digits, ``_``); it keys the head in the state dict as
    ``heads.<name>.weight`` / ``heads.<name>.bias``. ``objective`` (decoding only, one of
    :data:`DECODING_OBJECTIVES`): the head outputs the TF-IDF vector (``mse``) or logits over
    the terms (``softmax``).
    """

    name: str
    kind: str
    dim: int
    objective: str = "mse"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME_RE.match(self.name) or keyword.iskeyword(self.name):
            raise ValueError(f"task name {self.name!r} must be an identifier (letters, digits, '_')")
        if self.kind not in TASK_KINDS:
            raise ValueError(f"task {self.name!r}: kind {self.kind!r} is not one of {TASK_KINDS}")
        if not isinstance(self.dim, (int, np.integer)) or isinstance(self.dim, bool) or self.dim < 1:
            raise ValueError(f"task {self.name!r}: dim must be a positive int, got {self.dim!r}")
        if self.kind == "multiclass" and self.dim < 2:
            raise ValueError(f"task {self.name!r}: a multiclass task needs dim >= 2, got {self.dim}")
        if self.kind == "binary" and self.dim != 2:
            raise ValueError(f"task {self.name!r}: a binary task has dim 2, got {self.dim}")
        if self.kind == "regression" and self.dim != 1:
            raise ValueError(f"task {self.name!r}: a regression task has dim 1, got {self.dim}")
        if self.objective not in DECODING_OBJECTIVES or (self.objective != "mse" and self.kind != "decoding"):
            raise ValueError(f"task {self.name!r}: objective {self.objective!r} is not one of "
                             f"{DECODING_OBJECTIVES} (and only a decoding task has another than mse)")

    def to_json(self) -> dict:
        out = {"name": self.name, "kind": self.kind, "dim": int(self.dim)}
        return out if self.objective == "mse" else {**out, "objective": self.objective}

    @classmethod
    def from_json(cls, d: Mapping) -> "TaskSpec":
        return cls(name=str(d["name"]), kind=str(d["kind"]), dim=int(d["dim"]),
                   objective=str(d.get("objective", "mse")))


def _as_word_vector_tensor(word_vectors: torch.Tensor | np.ndarray) -> torch.Tensor:
    wv = torch.as_tensor(np.asarray(word_vectors) if not isinstance(word_vectors, torch.Tensor) else word_vectors)
    wv = wv.detach().to(dtype=torch.float32, device="cpu").clone()
    if wv.dim() != 2 or wv.shape[0] < 2 or wv.shape[1] < 1:
        raise ValueError(f"word_vectors must have shape (V+1, D) with V >= 1, got {tuple(wv.shape)}")
    if not torch.all(wv[0] == 0):
        raise ValueError("word_vectors row 0 is the padding row and must be all zeros")
    if not torch.isfinite(wv).all():
        raise ValueError("word_vectors contain NaN or infinite values")
    return wv


class MRNet(nn.Module):
    """Multi-task BiLSTM over word vectors (paper Fig. 1(a)).

    ``word_vectors``: (V+1, D) array/tensor, row 0 all zeros (padding id 0); it is copied into an
    ``nn.Embedding`` (``padding_idx=0``): frozen (the paper), or with ``tune_words`` trained with
    sparse gradients (:meth:`word_parameters`; the padding row never moves).
    ``tasks``: one :class:`TaskSpec` per head. ``hidden``: LSTM units per direction (H); the
    product embedding has 2H dimensions.

    Submodules: ``embedding``, ``lstm`` (one bidirectional layer, batch_first),
    ``heads`` (``nn.ModuleDict`` of ``Linear(2H, dim)``, one per task name).
    """

    def __init__(self, word_vectors: torch.Tensor | np.ndarray, tasks: Sequence[TaskSpec], hidden: int = 64,
                 pooling: str = "last", dropout: float = 0.0, tune_words: bool = False):
        super().__init__()
        self.tune_words = bool(tune_words)
        # between the embedding and the heads, in training only: the vectors scored are unchanged
        self.dropout = nn.Dropout(float(dropout))
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        self.pooling = pooling
        wv = _as_word_vector_tensor(word_vectors)
        tasks = list(tasks)
        if not tasks:
            raise ValueError("MRNet needs at least one task")
        names = [t.name for t in tasks]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate task names: {names}")
        if int(hidden) < 1:
            raise ValueError(f"hidden must be >= 1, got {hidden}")
        self.hidden = int(hidden)
        self.tasks: dict[str, TaskSpec] = {t.name: t for t in tasks}
        self.embedding = nn.Embedding.from_pretrained(wv, freeze=not self.tune_words, padding_idx=0,
                                                      sparse=self.tune_words)
        if self.tune_words:  # what the stored rows are the difference from
            self.register_buffer("shared_words", wv.clone(), persistent=False)
        self.lstm = nn.LSTM(
            input_size=wv.shape[1], hidden_size=self.hidden, num_layers=1, batch_first=True, bidirectional=True
        )
        self.heads = nn.ModuleDict()
        for t in tasks:
            if t.name in self.heads or hasattr(self.heads, t.name):
                raise ValueError(f"task name {t.name!r} clashes with an nn.ModuleDict attribute; rename the task")
            self.heads[t.name] = nn.Linear(2 * self.hidden, int(t.dim))

    # ------------------------------------------------------------------ properties
    @property
    def embedding_dim(self) -> int:
        """Width of the product embedding, 2H."""
        return 2 * self.hidden

    @property
    def vocab_size(self) -> int:
        """Rows of the word-vector table, V+1 (including the padding row 0)."""
        return int(self.embedding.weight.shape[0])

    @property
    def device(self) -> torch.device:
        return self.embedding.weight.device

    def encoder_parameters(self) -> list[nn.Parameter]:
        """The shared dense trainable parameters (the BiLSTM); the word vectors are excluded."""
        return list(self.lstm.parameters())

    def word_parameters(self) -> list[nn.Parameter]:
        """The word-vector table when it is tuned (sparse gradients: ``torch.optim.SparseAdam``),
        else nothing."""
        return [self.embedding.weight] if self.tune_words else []

    def head_parameters(self, task: str) -> list[nn.Parameter]:
        """The parameters of one task head."""
        return list(self.heads[task].parameters())

    # ------------------------------------------------------------------ forward
    def encode(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Product embeddings.

        ``tokens``: LongTensor (B, T), right-padded with 0; ``lengths``: LongTensor (B,), each in
        [1, T] (empty titles are not allowed: callers filter them out beforehand).
        Returns float32 (B, 2H) = [forward state after the last real token ; backward state after
        reading back to the first token]. Sequences are packed (``enforce_sorted=False``), so
        padding never enters the recurrence: a title has the same embedding alone and inside a
        padded batch.
        """
        if tokens.dim() != 2:
            raise ValueError(f"tokens must be (B, T), got shape {tuple(tokens.shape)}")
        lengths_cpu = torch.as_tensor(lengths).to("cpu", torch.int64)
        if lengths_cpu.dim() != 1 or lengths_cpu.shape[0] != tokens.shape[0]:
            raise ValueError(f"lengths must be (B,) with B={tokens.shape[0]}, got {tuple(lengths_cpu.shape)}")
        if tokens.shape[0] == 0:
            return torch.zeros(0, self.embedding_dim, device=tokens.device)
        if int(lengths_cpu.min()) < 1 or int(lengths_cpu.max()) > tokens.shape[1]:
            raise ValueError("every length must be in [1, T]; filter out empty titles before encoding")
        x = self.embedding(tokens.to(self.device, torch.int64))  # (B, T, D)
        packed = pack_padded_sequence(x, lengths_cpu, batch_first=True, enforce_sorted=False)
        outputs, (h_n, _) = self.lstm(packed)  # h_n: (2, B, H), already back in input order
        if self.pooling == "last":
            return torch.cat([h_n[0], h_n[1]], dim=1)  # (B, 2H)
        if self.pooling == "max":  # padding never wins: positions past each length are -inf
            padded, _ = pad_packed_sequence(outputs, batch_first=True, padding_value=float("-inf"))
            return padded.max(dim=1).values
        padded, _ = pad_packed_sequence(outputs, batch_first=True)  # (B, T', 2H), zeros past each length
        return padded.sum(dim=1) / lengths_cpu.to(padded.device, padded.dtype).unsqueeze(1)

    def head(self, embedding: torch.Tensor, task: str) -> torch.Tensor:
        """Apply one task head to embeddings (B, 2H) -> (B, dim)."""
        return self.heads[task](self.dropout(embedding))

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor, task: str) -> torch.Tensor:
        """Head output of ``task`` for a batch: tokens (B, T), lengths (B,) -> (B, dim).

        Logits for classification (softmax is in the loss), (B, 1) for regression, the predicted
        TF-IDF vector (B, dim) for decoding.
        """
        if task not in self.heads:
            raise KeyError(f"unknown task {task!r}; the model has {sorted(self.heads)}")
        return self.head(self.encode(tokens, lengths), task)

    # ------------------------------------------------------------------ storage
    def state_for_store(self) -> dict[str, torch.Tensor]:
        """Trainable weights only (BiLSTM + heads), as contiguous CPU float32 tensors.

        The word-vector table is stored once, as the shared word vectors; a model with tuned words
        adds the rows that moved (:data:`WORD_ROWS`, :data:`WORD_VALUES`). The other keys are those
        of ``state_dict()`` (``lstm.weight_ih_l0``, ``heads.<task>.weight``, ...), ready for
        ``safetensors.torch.save_file``.
        """
        state = {
            k: v.detach().to("cpu").contiguous().clone()
            for k, v in self.state_dict().items()
            if not k.startswith(_EMBEDDING_PREFIX)
        }
        return {**state, **self._moved_words()} if self.tune_words else state

    @torch.no_grad()
    def _moved_words(self) -> dict[str, torch.Tensor]:
        weight = self.embedding.weight.detach()
        if self.shared_words is None:  # a scoring model: its rows are those it was loaded with
            rows = self._loaded_word_rows
        else:
            rows = torch.nonzero((weight != self.shared_words).any(dim=1)).flatten()
        return {WORD_ROWS: rows.to("cpu", torch.int64).contiguous(),
                WORD_VALUES: weight[rows].to("cpu", torch.float32).contiguous()}

    @torch.no_grad()
    def load_word_rows(self, rows: torch.Tensor, values: torch.Tensor) -> None:
        """The shared word vectors with ``rows`` replaced by ``values`` (a tuned model only)."""
        rows = rows.to(torch.int64)
        dim, vocab = self.embedding.weight.shape[1], self.vocab_size
        if rows.dim() != 1 or tuple(values.shape) != (len(rows), dim):
            raise ValueError(f"stored word rows {tuple(rows.shape)} and values {tuple(values.shape)} "
                             f"do not match word vectors of size {dim}")
        if len(rows) and (int(rows.min()) < 1 or int(rows.max()) >= vocab):
            raise ValueError(f"stored word rows must be in [1, {vocab}): the padding row never moves")
        if self.shared_words is None:
            raise ValueError("this model was loaded for scoring (MRNet.from_store) and keeps no copy of the shared "
                             "word vectors: build a new MRNet to load other word rows into")
        weight = self.embedding.weight
        weight.copy_(self.shared_words)
        weight[rows.to(weight.device)] = values.to(weight.device, weight.dtype)

    def load_store_state(self, state_dict: Mapping[str, torch.Tensor]) -> None:
        """Load weights produced by :meth:`state_for_store` (all of them, nothing else)."""
        state_dict = dict(state_dict)
        words = {k: state_dict.pop(k) for k in (WORD_ROWS, WORD_VALUES) if k in state_dict}
        if bool(words) != self.tune_words:
            raise ValueError(f"stored MRNet weights {'have' if words else 'lack'} tuned word rows, "
                             f"the model {'tunes' if self.tune_words else 'freezes'} its word vectors")
        expected = set(self.state_for_store_keys())
        got = set(state_dict)
        missing, unexpected = sorted(expected - got), sorted(got - expected)
        if missing or unexpected:
            raise ValueError(f"stored MRNet weights do not match the model: missing {missing}, unexpected {unexpected}")
        own = self.state_dict()
        for k in expected:
            if tuple(state_dict[k].shape) != tuple(own[k].shape):
                raise ValueError(f"stored weight {k} has shape {tuple(state_dict[k].shape)}, model has {tuple(own[k].shape)}")
        self.load_state_dict(state_dict, strict=False)
        if words:
            self.load_word_rows(words.get(WORD_ROWS, torch.zeros(0)), words.get(WORD_VALUES, torch.zeros(0)))

    def state_for_store_keys(self) -> list[str]:
        """The stored keys of fixed shape (all but the tuned word rows)."""
        return [k for k in self.state_dict() if not k.startswith(_EMBEDDING_PREFIX)]

    @classmethod
    def from_store(
        cls,
        word_vectors: torch.Tensor | np.ndarray,
        tasks: Sequence[TaskSpec],
        hidden: int,
        state_dict: Mapping[str, torch.Tensor],
        pooling: str = "last",
    ) -> "MRNet":
        """Rebuild a model from word vectors (V+1, D) and :meth:`state_for_store` weights (with
        the tuned word rows when they are there).

        Returns the model in eval mode on the CPU. A tuned model keeps the ids of its stored rows
        instead of a second copy of the word-vector table (V x D floats per loaded group model).
        """
        model = cls(word_vectors, tasks, hidden=hidden, pooling=pooling, tune_words=WORD_ROWS in state_dict)
        model.load_store_state(state_dict)
        if model.tune_words:
            model._loaded_word_rows = model._moved_words()[WORD_ROWS]
            model.shared_words = None
        return model.eval()


def pad_batch(seqs: Sequence[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad token sequences with 0.

    ``seqs``: B 1-d integer arrays, each of length >= 1. Returns ``tokens`` LongTensor (B, T),
    T = the longest length in the batch, and ``lengths`` LongTensor (B,).
    """
    b = len(seqs)
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=b)
    if b == 0:
        raise ValueError("pad_batch needs at least one sequence")
    if lengths.min() < 1:
        raise ValueError("empty token sequence in batch; filter out empty titles before encoding")
    out = np.zeros((b, int(lengths.max())), dtype=np.int64)
    # one vectorised copy in row-major order (a GPU batch is 16k titles: a Python loop over them
    # was a third of the time to score a title on one)
    out[np.arange(out.shape[1]) < lengths[:, None]] = np.concatenate(seqs)
    return torch.from_numpy(out), torch.from_numpy(lengths)


def exact_float32(device: str) -> str:
    """``device``, with cuDNN's TF32 matrix units turned off when it is a GPU. torch lets cuDNN's
    LSTMs use TF32 by default; on an H200 that moved a scored vector by up to 2.5e-3 from the
    CPU's (1.5e-6 without) at no measurable speed, and the on-demand Embedder runs on a CPU."""
    if device.startswith("cuda"):
        torch.backends.cudnn.allow_tf32 = False
    return device


def autocast(device: torch.device, amp: bool):
    """float16 autocast on a CUDA device when ``amp``; a no-op context otherwise (on a CPU the
    vectors are always float32)."""
    if amp and device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.float16)
    return contextlib.nullcontext()


def encode_numpy(model: MRNet, seqs: Sequence[np.ndarray], batch_size: int = 1024,
                 amp: bool = False) -> np.ndarray:
    """Embed many titles: returns float32 (N, 2H) in the order of ``seqs``.

    Runs in eval mode under ``torch.no_grad`` (the model's training flag is restored after), on
    the model's device (``amp``: float16 autocast there if it is a GPU); titles are sorted by
    length internally so that batches carry little padding.
    """
    n = len(seqs)
    out = np.zeros((n, model.embedding_dim), dtype=np.float32)
    if n == 0:
        return out
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=n)
    order = np.argsort(lengths, kind="stable")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), autocast(model.device, amp):
            for start in range(0, n, int(batch_size)):
                idx = order[start : start + int(batch_size)]
                tokens, lens = pad_batch([seqs[i] for i in idx])
                emb = model.encode(tokens.to(model.device), lens)
                out[idx] = emb.to("cpu", torch.float32).numpy()
    finally:
        model.train(was_training)
    return out
