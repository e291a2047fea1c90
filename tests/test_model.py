"""Unit tests of mrnet.model: shapes, padding invariance, frozen inputs, storage round trip."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from mrnet.model import WORD_ROWS, WORD_VALUES, MRNet, TaskSpec, encode_numpy, pad_batch

V, D, H = 50, 16, 8

TASKS = [
    TaskSpec("color", "multiclass", 5),
    TaskSpec("hazardous", "binary", 2),
    TaskSpec("price", "regression", 1),
    TaskSpec("tfidf", "decoding", 40),
]


def _word_vectors(seed: int = 0) -> np.ndarray:
    wv = np.random.default_rng(seed).normal(size=(V + 1, D)).astype(np.float32)
    wv[0] = 0.0
    return wv


def _titles(n: int, seed: int = 1, lo: int = 1, hi: int = 12) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(1, V + 1, size=int(rng.integers(lo, hi + 1))).astype(np.int32) for _ in range(n)]


@pytest.fixture()
def model() -> MRNet:
    torch.manual_seed(0)
    return MRNet(_word_vectors(), TASKS, hidden=H).eval()


def test_shapes_all_kinds(model):
    tokens, lengths = pad_batch(_titles(7))
    assert tokens.dtype == torch.int64 and lengths.dtype == torch.int64
    assert tokens.shape == (7, int(lengths.max()))
    emb = model.encode(tokens, lengths)
    assert emb.shape == (7, 2 * H) and emb.dtype == torch.float32
    assert model.embedding_dim == 2 * H
    for spec in TASKS:
        out = model(tokens, lengths, spec.name)
        assert out.shape == (7, spec.dim), spec


def test_pad_batch_contents():
    seqs = [np.array([3, 4], dtype=np.int32), np.array([5], dtype=np.int32), np.array([1, 2, 9], dtype=np.int32)]
    tokens, lengths = pad_batch(seqs)
    assert lengths.tolist() == [2, 1, 3]
    assert tokens.tolist() == [[3, 4, 0], [5, 0, 0], [1, 2, 9]]
    with pytest.raises(ValueError):
        pad_batch([np.array([], dtype=np.int32)])


def test_padding_invariance(model):
    title = np.array([7, 3, 12], dtype=np.int32)
    alone = model.encode(*pad_batch([title]))
    others = _titles(9, seed=5, lo=6, hi=15)  # longer titles: `title` is heavily padded in the batch
    for pos in (0, 4, 9):
        batch = others[:pos] + [title] + others[pos:]
        emb = model.encode(*pad_batch(batch))
        torch.testing.assert_close(emb[pos : pos + 1], alone, rtol=0, atol=1e-6)
    # the padding actually matters for a naive unpacked LSTM, so the test is meaningful
    x = model.embedding(pad_batch([title, others[0]])[0])
    out, _ = model.lstm(x)
    naive_backward = out[0, 0, H:]
    assert not torch.allclose(naive_backward, alone[0, H:], atol=1e-4)


def test_embedding_halves_are_last_forward_and_backward_states(model):
    title = np.array([4, 8, 15, 16], dtype=np.int32)
    tokens, lengths = pad_batch([title])
    out, _ = model.lstm(model.embedding(tokens))  # (1, T, 2H), no padding here
    emb = model.encode(tokens, lengths)
    torch.testing.assert_close(emb[0, :H], out[0, -1, :H])
    torch.testing.assert_close(emb[0, H:], out[0, 0, H:])


@pytest.mark.parametrize("pooling, reduce", [("mean", lambda o: o.mean(dim=0)),
                                             ("max", lambda o: o.max(dim=0).values)])
def test_mean_and_max_pooling_reduce_the_outputs_and_are_padding_invariant(pooling, reduce):
    torch.manual_seed(0)
    pooled_model = MRNet(_word_vectors(), TASKS, hidden=H, pooling=pooling).eval()
    title = np.array([4, 8, 15, 16], dtype=np.int32)
    tokens, lengths = pad_batch([title])
    out, _ = pooled_model.lstm(pooled_model.embedding(tokens))        # (1, T, 2H), no padding
    alone = pooled_model.encode(tokens, lengths)
    torch.testing.assert_close(alone[0], reduce(out[0]))
    batch = _titles(5, seed=3, lo=6, hi=12) + [title]                  # heavily padded in the batch
    torch.testing.assert_close(pooled_model.encode(*pad_batch(batch))[-1:], alone, rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="pooling"):
        MRNet(_word_vectors(), TASKS, hidden=H, pooling="sum")


def test_dropout_acts_in_training_only():
    torch.manual_seed(0)
    dropped = MRNet(_word_vectors(), TASKS, hidden=H, dropout=0.5)
    tokens, lengths = pad_batch(_titles(4, seed=1))
    emb = dropped.encode(tokens, lengths)
    dropped.eval()
    torch.testing.assert_close(dropped(tokens, lengths, "color"), dropped.heads["color"](emb))
    dropped.train()
    assert not torch.allclose(dropped(tokens, lengths, "color"), dropped.heads["color"](emb))


def test_encode_rejects_empty_lengths(model):
    tokens = torch.tensor([[1, 2], [0, 0]])
    with pytest.raises(ValueError):
        model.encode(tokens, torch.tensor([2, 0]))


def test_word_vectors_validation():
    wv = _word_vectors()
    wv[0, 3] = 1.0
    with pytest.raises(ValueError, match="padding"):
        MRNet(wv, TASKS, hidden=H)
    with pytest.raises(ValueError):
        MRNet(_word_vectors(), [TASKS[0], TASKS[0]], hidden=H)
    with pytest.raises(ValueError):
        TaskSpec("x", "binary", 3)
    with pytest.raises(ValueError):
        TaskSpec("x", "ranking", 3)
    with pytest.raises(ValueError):
        TaskSpec("a.b", "regression", 1)
    with pytest.raises(ValueError):
        MRNet(_word_vectors(), [TaskSpec("type", "regression", 1)], hidden=H)


def test_frozen_embedding(model):
    assert model.embedding.weight.requires_grad is False
    assert model.embedding.padding_idx == 0
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert not any(n.startswith("embedding") for n in trainable)
    store = model.state_for_store()
    assert not any(k.startswith("embedding") for k in store)
    assert set(store) == trainable
    assert "heads.tfidf.weight" in store and store["heads.tfidf.weight"].shape == (40, 2 * H)
    torch.testing.assert_close(model.embedding.weight, torch.from_numpy(_word_vectors()), rtol=0, atol=0)


def test_store_round_trip(model, tmp_path):
    path = tmp_path / "w.safetensors"
    save_file(model.state_for_store(), str(path))
    loaded = MRNet.from_store(_word_vectors(), TASKS, H, load_file(str(path)))
    assert not loaded.training
    tokens, lengths = pad_batch(_titles(11, seed=3))
    with torch.no_grad():
        for spec in TASKS:
            torch.testing.assert_close(loaded(tokens, lengths, spec.name), model(tokens, lengths, spec.name), rtol=0, atol=0)
    bad = dict(load_file(str(path)))
    bad.pop("heads.price.bias")
    with pytest.raises(ValueError, match="missing"):
        MRNet.from_store(_word_vectors(), TASKS, H, bad)


def _tensor_bytes(model: MRNet) -> int:
    return sum(t.numel() * t.element_size() for t in [*model.parameters(), *model.buffers()])


def test_tuned_words_store_only_the_rows_that_moved(tmp_path):
    tuned = MRNet(_word_vectors(), TASKS, hidden=H, tune_words=True)
    assert tuned.word_parameters() == [tuned.embedding.weight] and tuned.embedding.sparse
    assert tuned.state_for_store()[WORD_ROWS].numel() == 0  # nothing moved yet
    with torch.no_grad():
        tuned.embedding.weight[[3, 7]] += 0.5
    store = tuned.state_for_store()
    assert store[WORD_ROWS].tolist() == [3, 7]
    torch.testing.assert_close(store[WORD_VALUES], torch.from_numpy(_word_vectors()[[3, 7]]) + 0.5)
    path = tmp_path / "w.safetensors"
    save_file(store, str(path))
    loaded = MRNet.from_store(_word_vectors(), TASKS, H, load_file(str(path)))
    assert loaded.tune_words
    torch.testing.assert_close(loaded.embedding.weight, tuned.embedding.weight, rtol=0, atol=0)
    tokens, lengths = pad_batch(_titles(11, seed=3))
    torch.testing.assert_close(encode_numpy(loaded, _titles(11, seed=3)), encode_numpy(tuned, _titles(11, seed=3)))
    frozen = MRNet(_word_vectors(), TASKS, hidden=H)
    # a scoring model holds one word-vector table, as a frozen one does, and still stores the same rows
    assert _tensor_bytes(loaded) == _tensor_bytes(frozen)
    for key, value in loaded.state_for_store().items():
        torch.testing.assert_close(value, store[key], rtol=0, atol=0)
    with pytest.raises(ValueError, match="loaded for scoring"):
        loaded.load_store_state(store)
    with pytest.raises(ValueError, match="tuned word rows"):
        frozen.load_store_state(store)
    with pytest.raises(ValueError, match="padding row"):
        tuned.load_store_state({**store, WORD_ROWS: torch.tensor([0, 7])})


def test_encode_numpy_order_and_mode(model):
    seqs = _titles(37, seed=9)
    model.train()
    got = encode_numpy(model, seqs, batch_size=8)
    assert model.training  # mode restored
    assert got.shape == (37, 2 * H) and got.dtype == np.float32
    with torch.no_grad():
        for i in (0, 5, 36):
            ref = model.encode(*pad_batch([seqs[i]])).numpy()[0]
            np.testing.assert_allclose(got[i], ref, rtol=0, atol=1e-6)
    assert encode_numpy(model, []).shape == (0, 2 * H)
