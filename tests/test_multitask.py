"""Unit tests of mrnet.training: normalised losses, sampler, alternating/joint training,
early stopping, checkpoint/resume."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from mrnet.configuration.schema import TrainSettings
from mrnet.model import WORD_ROWS, MRNet, TaskSpec, pad_batch
from mrnet.training import (
    CHECKPOINT_JSON,
    AlternatingSampler,
    JointSampler,
    TaskData,
    TrainingInterrupted,
    decoding_total_variance,
    evaluate_tasks,
    init_heads_to_baseline,
    loss_scales,
    per_sample_loss,
    target_batch,
    task_loss,
    train_group,
)

V, D, H = 50, 16, 8
DEC_DIM = V + 1  # decoding target: normalised bag of words over the vocabulary

TASKS = [
    TaskSpec("color", "multiclass", 3),
    TaskSpec("hazardous", "binary", 2),
    TaskSpec("price", "regression", 1),
    TaskSpec("tfidf", "decoding", DEC_DIM),
]

CLASS_TOKENS = np.array([1, 2, 3])  # color class c <=> token 1+c in the title
CLASS_P = np.array([0.5, 0.3, 0.2])  # majority baseline 0.5
PRICE_TOKENS = np.array([5, 6, 7, 8])  # price determined by which of these appears
PRICE_VALUES = np.array([-2.0, -0.5, 0.5, 2.0])
HAZ_TOKENS = np.array([10, 11])  # hazardous = 1 <=> token 11


def _word_vectors(seed: int = 0) -> np.ndarray:
    wv = np.random.default_rng(seed).normal(size=(V + 1, D)).astype(np.float32)
    wv[0] = 0.0
    return wv


def _products(n: int, seed: int):
    """n toy products: noise tokens 20..50 plus one class, one price and one hazard token at
    random positions. Returns tokens and every task's target (row i = product i)."""
    rng = np.random.default_rng(seed)
    color = rng.choice(3, size=n, p=CLASS_P)
    price_k = rng.integers(0, 4, size=n)
    haz = (rng.random(n) < 0.3).astype(np.int64)
    tokens = []
    for i in range(n):
        noise = list(rng.integers(20, V + 1, size=int(rng.integers(2, 8))))
        for tok in (CLASS_TOKENS[color[i]], PRICE_TOKENS[price_k[i]], HAZ_TOKENS[haz[i]]):
            noise.insert(int(rng.integers(0, len(noise) + 1)), int(tok))
        tokens.append(np.array(noise, dtype=np.int32))
    price = PRICE_VALUES[price_k] + rng.normal(scale=0.3, size=n)
    rows, cols, vals = [], [], []
    for i, t in enumerate(tokens):
        u, c = np.unique(t, return_counts=True)
        w = c / np.linalg.norm(c)
        rows += [i] * len(u)
        cols += list(u)
        vals += list(w)
    tfidf = sp.csr_matrix((np.array(vals, dtype=np.float32), (rows, cols)), shape=(n, DEC_DIM))
    return tokens, {"color": color.astype(np.int64), "hazardous": haz, "price": price, "tfidf": tfidf}


def _split(n_train: int = 1200, n_valid: int = 300, seed: int = 0):
    tok, tg = _products(n_train + n_valid, seed)
    mu, sd = tg["price"][:n_train].mean(), tg["price"][:n_train].std()
    tg["price"] = ((tg["price"] - mu) / sd).astype(np.float32)

    def part(sl):
        return {name: TaskData(tokens=tok[sl], target=tg[name][sl]) for name in tg}

    return part(slice(0, n_train)), part(slice(n_train, None))


def _quiet(_msg: str) -> None:
    pass


def _weights_equal(a: dict, b: dict) -> bool:
    return set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)


# ---------------------------------------------------------------------------- losses
def test_normalised_losses_of_trivial_predictors_are_one():
    rng = np.random.default_rng(0)
    for spec in (TaskSpec("m", "multiclass", 7), TaskSpec("b", "binary", 2)):
        y = torch.from_numpy(rng.integers(0, spec.dim, size=100))
        logits = torch.zeros(100, spec.dim) + 3.0  # uniform
        assert task_loss(spec, logits, y).item() == pytest.approx(1.0, abs=1e-6)
    y = rng.normal(3.0, 2.0, size=500)
    y = (y - y.mean()) / y.std()
    spec = TaskSpec("r", "regression", 1)
    assert task_loss(spec, torch.zeros(500, 1), torch.from_numpy(y).float()).item() == pytest.approx(1.0, abs=1e-5)
    # unstandardised regression: the scale from loss_scales makes the mean predictor score 1
    raw = rng.normal(50.0, 10.0, size=400).astype(np.float32)
    s = loss_scales([spec], {"r": TaskData([np.array([1])] * 400, raw)})["r"]
    mean_pred = torch.full((400, 1), float(raw.mean()))
    assert task_loss(spec, mean_pred, torch.from_numpy(raw), s).item() == pytest.approx(1.0, abs=1e-4)

    train, _ = _split(400, 10)
    dspec = TASKS[3]
    target = train["tfidf"].target
    scale = decoding_total_variance(target)
    dense = target.toarray().astype(np.float64)
    assert scale == pytest.approx(((dense - dense.mean(0)) ** 2).sum(1).mean(), rel=1e-6)
    assert loss_scales(TASKS, train)["tfidf"] == pytest.approx(scale)
    means = torch.from_numpy(dense.mean(0)).float().expand(len(dense), -1)
    y = target_batch(dspec, target, np.arange(len(dense)))
    assert task_loss(dspec, means, y, scale).item() == pytest.approx(1.0, abs=1e-4)
    # the per-sample loss averages to the batch loss, and a perfect predictor scores 0
    assert per_sample_loss(dspec, means, y, scale).mean().item() == pytest.approx(task_loss(dspec, means, y, scale).item())
    assert task_loss(dspec, y, y, scale).item() == 0.0
    with pytest.raises(ValueError):
        task_loss(dspec, means, y)  # decoding needs its data-dependent scale


def test_softmax_decoding_scores_one_at_the_mean_distribution_and_learns(tmp_path):
    train, valid = _split(1200, 300)
    spec = TaskSpec("tfidf", "decoding", DEC_DIM, objective="softmax")
    target = train["tfidf"].target
    dense = target.toarray().astype(np.float64)
    dist = dense / dense.sum(1, keepdims=True)
    mean = dist.mean(0)
    # the scale is the cross-entropy of the mean distribution, computed by hand
    scale = loss_scales([spec], train)["tfidf"]
    assert scale == pytest.approx(-(dist * np.log(np.where(mean > 0, mean, 1))).sum(1).mean(), rel=1e-6)
    logits = torch.from_numpy(np.log(mean + 1e-12)).float().expand(len(dense), -1)
    y = target_batch(spec, target, np.arange(len(dense)))
    assert task_loss(spec, logits, y, scale).item() == pytest.approx(1.0, abs=1e-4)
    assert TaskSpec.from_json(spec.to_json()) == spec and "objective" not in TASKS[3].to_json()
    with pytest.raises(ValueError, match="objective"):
        TaskSpec("price", "regression", 1, objective="softmax")
    # trained, the head puts more mass on each title's own words than the mean distribution
    tasks = [*TASKS[:3], spec]
    st = TrainSettings(hidden=H, batch_size=64, lr=1e-2, max_steps=400, eval_every=100, seed=0)
    res = train_group(tasks, train, valid, _word_vectors(), st, tmp_path / "ck", log=_quiet)
    m = res.metrics["tfidf"]
    assert m["cross_entropy"] < 0.95 * m["baseline_cross_entropy"], m


def test_initial_weights_start_the_encoder_and_matching_heads(tmp_path):
    train, valid = _split(300, 100)
    wv = _word_vectors()
    st = TrainSettings(hidden=H, batch_size=32, lr=1e-2, max_steps=200, eval_every=100, seed=0)
    first = train_group(TASKS, train, valid, wv, st, tmp_path / "a", log=_quiet).model.state_for_store()
    # zero steps: the model is the initial weights where names and shapes match, seeded elsewhere
    wider = {**first, "heads.color.weight": torch.zeros(5, 2 * H)}
    zero = replace(st, max_steps=0)
    started = train_group(TASKS, train, valid, wv, zero, tmp_path / "b", log=_quiet,
                          initial_weights=wider).model.state_for_store()
    fresh = train_group(TASKS, train, valid, wv, zero, tmp_path / "c", log=_quiet).model.state_for_store()
    assert all(torch.equal(started[k], first[k]) for k in first if k != "heads.color.weight")
    assert torch.equal(started["heads.color.weight"], fresh["heads.color.weight"])
    assert not torch.equal(started["lstm.weight_ih_l0"], fresh["lstm.weight_ih_l0"])
    # a checkpoint of the seeded run is not resumed by a run that starts elsewhere
    with pytest.raises(ValueError):
        train_group(TASKS, train, valid, wv, zero, tmp_path / "c", log=_quiet, initial_weights=first)


# ---------------------------------------------------------------------------- samplers
def test_sampler_uniform_in_range_deterministic():
    sizes = {"a": 10_000, "b": 300, "c": 50, "empty": 0}
    s = AlternatingSampler(sizes, batch_size=128, seed=7)
    counts = {"a": 0, "b": 0, "c": 0}
    for step in range(1, 6001):
        name, idx = s.draw(step)
        counts[name] += 1
        assert idx.dtype == np.int64
        assert len(idx) == min(128, sizes[name])
        assert idx.min() >= 0 and idx.max() < sizes[name]
        assert len(np.unique(idx)) == len(idx)
    for name, c in counts.items():
        assert abs(c - 2000) <= 0.15 * 2000, counts
    # a pure function of (seed, step): another instance / dict order gives the same stream
    s2 = AlternatingSampler(dict(reversed(list(sizes.items()))), batch_size=128, seed=7)
    for step in (1, 17, 600, 5999):
        n1, i1 = s.draw(step)
        n2, i2 = s2.draw(step)
        assert n1 == n2 and np.array_equal(i1, i2)
    s3 = AlternatingSampler(sizes, batch_size=128, seed=8)
    assert any(not np.array_equal(s.draw(k)[1], s3.draw(k)[1]) for k in range(1, 20))

    j = JointSampler(np.array([5, 3, 3, 9, 100]), batch_size=3, seed=1)
    a = j.draw(4)
    assert len(a) == 3 and set(a) <= {3, 5, 9, 100} and np.array_equal(a, j.draw(4))


# ---------------------------------------------------------------------------- alternating
def _find_seed(pred, tasks_sizes, batch_size=32):
    for seed in range(200):
        s = AlternatingSampler(tasks_sizes, batch_size, seed)
        if pred(s):
            return seed
    raise AssertionError("no seed found")


def test_alternating_step_touches_only_drawn_head(tmp_path):
    train, valid = _split(200, 40)
    wv = _word_vectors()
    sizes = {k: len(v) for k, v in train.items()}
    # a seed whose first two steps draw different tasks
    seed = _find_seed(lambda s: s.draw(1)[0] != s.draw(2)[0], sizes)
    first, second = AlternatingSampler(sizes, 32, seed).draw(1)[0], AlternatingSampler(sizes, 32, seed).draw(2)[0]

    torch.manual_seed(seed)
    init_model = MRNet(wv, TASKS, hidden=H)
    init_heads_to_baseline(init_model, TASKS, train)
    init = init_model.state_for_store()

    def run(steps, d):
        st = TrainSettings(hidden=H, batch_size=32, lr=1e-2, max_steps=steps, eval_every=1000, checkpoint_every=1000,
                           seed=seed, tune_words=False)
        return train_group(TASKS, train, valid, wv, st, tmp_path / d, log=_quiet)

    r1 = run(1, "one").model
    w1 = r1.state_for_store()
    for spec in TASKS:
        keys = [k for k in w1 if k.startswith(f"heads.{spec.name}.")]
        same = all(torch.equal(w1[k], init[k]) for k in keys)
        assert same == (spec.name != first), spec.name
    assert not torch.equal(w1["lstm.weight_ih_l0"], init["lstm.weight_ih_l0"])
    assert not torch.equal(w1["lstm.weight_hh_l0_reverse"], init["lstm.weight_hh_l0_reverse"])
    torch.testing.assert_close(r1.embedding.weight, torch.from_numpy(wv), rtol=0, atol=0)

    # step 2 draws another task: Adam must not move the head of step 1 (momentum) any further
    w2 = run(2, "two").model.state_for_store()
    for spec in TASKS:
        keys = [k for k in w2 if k.startswith(f"heads.{spec.name}.")]
        moved_at_2 = not all(torch.equal(w2[k], w1[k]) for k in keys)
        assert moved_at_2 == (spec.name == second), spec.name


def test_tuned_words_move_only_the_words_of_the_batches(tmp_path):
    train, valid = _split(200, 40)
    wv = _word_vectors()
    st = TrainSettings(hidden=H, batch_size=32, lr=1e-2, max_steps=1, eval_every=1000, checkpoint_every=1000,
                       seed=4, tune_words=True)
    model = train_group(TASKS, train, valid, wv, st, tmp_path / "one", log=_quiet).model
    name, idx = AlternatingSampler({k: len(v) for k, v in train.items()}, 32, 4).draw(1)
    in_batch = set(np.concatenate([train[name].tokens[i] for i in idx]).tolist())
    moved = set(model.state_for_store()[WORD_ROWS].tolist())
    assert moved and moved == in_batch
    assert torch.equal(model.embedding.weight[0], torch.zeros(D))


def test_learning_toy_problem(tmp_path):
    train, valid = _split(1200, 300)
    wv = _word_vectors()
    st = TrainSettings(hidden=H, batch_size=64, lr=1e-2, max_steps=600, eval_every=100, patience=3, checkpoint_every=300, seed=0)
    logs: list[str] = []
    res = train_group(TASKS, train, valid, wv, st, tmp_path / "ck", log=logs.append)
    m = res.metrics
    assert m["color"]["accuracy"] > m["color"]["baseline_accuracy"] + 0.2, m["color"]
    assert m["hazardous"]["accuracy"] > m["hazardous"]["baseline_accuracy"] + 0.2, m["hazardous"]
    assert m["hazardous"]["auc"] > 0.9
    assert m["price"]["r2"] > 0.5 and abs(m["price"]["baseline_r2"]) < 0.1, m["price"]
    assert m["tfidf"]["mse"] < m["tfidf"]["baseline_mse"], m["tfidf"]
    assert all(m[t.name]["n"] == 300 for t in TASKS)
    # tuned word vectors (the default) keep the padding row; model returned in eval mode
    assert torch.equal(res.model.embedding.weight[0], torch.zeros(D))
    assert len(res.model.state_for_store()[WORD_ROWS]) > 0
    assert not res.model.training
    # history / logging
    assert [h["step"] for h in res.history] == [100, 200, 300, 400, 500, 600][: len(res.history)]
    assert set(res.history[0]["valid_loss"]) == {t.name for t in TASKS}
    assert res.history[-1]["valid_score"] < res.history[0]["valid_score"] < 1.2
    assert res.best_score == min(h["valid_score"] for h in res.history)
    assert res.samples_per_second > 0 and res.steps == res.history[-1]["step"]
    assert any("samples/s" in line and "color=" in line for line in logs)
    # metrics of the returned model = the best evaluation's weights
    again = evaluate_tasks(res.model, TASKS, valid, train)
    assert again["color"]["accuracy"] == m["color"]["accuracy"]


def test_early_stopping_keeps_best_weights(tmp_path):
    train, valid = _split(300, 100)
    wv = _word_vectors()
    # lr far too high: the score quickly stops improving
    st = TrainSettings(hidden=H, batch_size=32, lr=0.5, max_steps=400, eval_every=10, patience=2, checkpoint_every=1000, seed=3, clip_norm=0)
    res = train_group(TASKS, train, valid, wv, st, tmp_path / "ck", log=_quiet)
    assert res.stopped_early and res.steps < 400
    scores = [h["valid_score"] for h in res.history]
    assert res.best_score == min(scores)
    assert res.best_step == res.history[int(np.argmin(scores))]["step"]
    assert scores[-1] > res.best_score and scores[-2] > res.best_score  # patience 2 exhausted
    mean_loss = np.mean([res.metrics[t.name]["loss"] for t in TASKS])
    assert mean_loss == pytest.approx(res.best_score, rel=1e-4)  # returned weights = best ones


# ---------------------------------------------------------------------------- checkpoints
def _ck_settings(**kw):
    base = dict(hidden=H, batch_size=32, lr=1e-2, max_steps=60, eval_every=15, patience=10, checkpoint_every=20, seed=5)
    base.update(kw)
    return TrainSettings(**base)


def _strip_timing(history):
    return [{k: v for k, v in h.items() if k not in ("steps_per_second", "samples_per_second")} for h in history]


def test_kill_and_resume_gives_identical_weights(tmp_path):
    train, valid = _split(200, 50)
    wv = _word_vectors()
    full = train_group(TASKS, train, valid, wv, _ck_settings(), tmp_path / "full", log=_quiet)

    ck = tmp_path / "killed"
    with pytest.raises(TrainingInterrupted):
        train_group(TASKS, train, valid, wv, _ck_settings(), ck, log=_quiet, stop_after_steps=50)
    meta = json.loads((ck / CHECKPOINT_JSON).read_text())
    assert meta["step"] == 40 and meta["finished"] is False
    assert [h["step"] for h in meta["history"]] == [15, 30]

    # the checkpoint is safetensors + JSON only, readable without pickle
    files = sorted(p.name for p in ck.iterdir())
    assert files == [CHECKPOINT_JSON, meta["file"]], files
    tensors = load_file(str(ck / meta["file"]))
    with safe_open(str(ck / meta["file"]), framework="pt") as f:
        assert f.metadata()["step"] == "40"
    assert "model.lstm.weight_ih_l0" in tensors and "rng.torch" in tensors
    assert any(k.startswith("optim.encoder.") and k.endswith(".exp_avg_sq") for k in tensors)
    assert any(k.startswith("optim.head.color.") for k in tensors)
    assert not any("embedding" in k for k in tensors)

    logs: list[str] = []
    resumed = train_group(TASKS, train, valid, wv, _ck_settings(), ck, log=logs.append)
    assert resumed.resumed_from == 40 and any("resuming" in line for line in logs)
    assert resumed.steps == full.steps == 60
    assert _weights_equal(resumed.model.state_for_store(), full.model.state_for_store())
    assert _strip_timing(resumed.history) == _strip_timing(full.history)
    assert resumed.best_step == full.best_step and resumed.best_score == full.best_score

    # running a finished run again does no more steps and returns the same model
    again = train_group(TASKS, train, valid, wv, _ck_settings(), ck, log=_quiet)
    assert again.steps == 60 and _weights_equal(again.model.state_for_store(), full.model.state_for_store())


def test_kill_from_log_and_resume(tmp_path):
    """A crash inside an evaluation (here: the logger raising at step 45) resumes from step 40."""
    train, valid = _split(200, 50)
    wv = _word_vectors()
    s = _ck_settings(max_steps=50)
    full = train_group(TASKS, train, valid, wv, s, tmp_path / "full", log=_quiet)

    def dying_log(msg):
        if msg.startswith("[train] step 45/"):
            raise KeyboardInterrupt("killed")

    ck = tmp_path / "ck"
    with pytest.raises(KeyboardInterrupt):
        train_group(TASKS, train, valid, wv, s, ck, log=dying_log)
    resumed = train_group(TASKS, train, valid, wv, s, ck, log=_quiet)
    assert resumed.resumed_from == 40
    assert _weights_equal(resumed.model.state_for_store(), full.model.state_for_store())


def test_checkpoint_of_other_run_is_refused(tmp_path):
    train, valid = _split(100, 20)
    wv = _word_vectors()
    train_group(TASKS, train, valid, wv, _ck_settings(max_steps=20), tmp_path / "ck", log=_quiet)
    with pytest.raises(ValueError, match="different training run"):
        train_group(TASKS, train, valid, wv, _ck_settings(max_steps=20, lr=3e-3), tmp_path / "ck", log=_quiet)


# ---------------------------------------------------------------------------- joint
def test_joint_mode_fully_labelled_trains(tmp_path):
    train, valid = _split(600, 150)
    wv = _word_vectors()
    st = TrainSettings(hidden=H, batch_size=64, lr=1e-2, max_steps=200, eval_every=40, patience=5, checkpoint_every=100, seed=1, mode="joint")
    res = train_group(TASKS, train, valid, wv, st, tmp_path / "ck", log=_quiet)
    first, last = res.history[0], res.history[-1]
    assert last["valid_score"] < first["valid_score"]
    assert res.best_score < 0.7
    for t in TASKS:  # every head learnt something
        assert last["train_loss"][t.name] < 0.95, last["train_loss"]
    assert res.metrics["color"]["accuracy"] > res.metrics["color"]["baseline_accuracy"] + 0.2


def test_joint_mode_with_partial_labels(tmp_path):
    """Tasks label different subsets of the products; product_index matches them."""
    full_train, valid = _split(600, 150)
    rng = np.random.default_rng(4)
    train = {}
    for name, d in full_train.items():
        keep = np.sort(rng.choice(600, size=420, replace=False))
        tgt = d.target[keep] if sp.issparse(d.target) else np.asarray(d.target)[keep]
        train[name] = TaskData([d.tokens[i] for i in keep], tgt, product_index=keep)
    wv = _word_vectors()
    st = TrainSettings(hidden=H, batch_size=64, lr=1e-2, max_steps=160, eval_every=40, patience=5, checkpoint_every=1000, seed=2, mode="joint")
    res = train_group(TASKS, train, valid, wv, st, tmp_path / "ck", log=_quiet)
    assert res.history[-1]["valid_score"] < res.history[0]["valid_score"]
    assert res.history[-1]["valid_score"] < 0.9
    assert res.metrics["price"]["r2"] > 0.3


# ---------------------------------------------------------------------------- input checks
def test_bad_inputs_are_refused(tmp_path):
    train, valid = _split(60, 20)
    wv = _word_vectors()
    s = _ck_settings(max_steps=2)
    bad = dict(train)
    bad["color"] = TaskData(train["color"].tokens[:-1] + [np.array([V + 1], dtype=np.int32)], train["color"].target)
    with pytest.raises(ValueError, match="token ids"):
        train_group(TASKS, bad, valid, wv, s, tmp_path / "a", log=_quiet)
    bad["color"] = TaskData(train["color"].tokens, np.full(60, 3, dtype=np.int64))
    with pytest.raises(ValueError, match="class indices"):
        train_group(TASKS, bad, valid, wv, s, tmp_path / "b", log=_quiet)
    bad["color"] = TaskData(train["color"].tokens[:-1], train["color"].target)
    with pytest.raises(ValueError, match="target rows"):
        train_group(TASKS, bad, valid, wv, s, tmp_path / "c", log=_quiet)


def test_non_finite_loss_skips_the_update(tmp_path):
    train, valid = _split(100, 20)
    huge = np.where(np.arange(100) % 2, 3e38, -3e38).astype(np.float32)   # squares overflow
    train["price"] = TaskData(train["price"].tokens, huge)
    logs: list[str] = []
    res = train_group(TASKS, train, valid, _word_vectors(), _ck_settings(max_steps=30), tmp_path / "ck", log=logs.append)
    assert res.history[-1]["skipped_steps"] > 0 and any("non-finite" in line for line in logs)
    assert all(torch.isfinite(v).all() for v in res.model.state_for_store().values())
    json.loads((tmp_path / "ck" / CHECKPOINT_JSON).read_text())  # strict JSON still written


def test_validation_encodes_each_title_once_and_equals_per_task_forward_passes():
    """validation_losses / evaluate_tasks encode each distinct title once for all tasks; the
    losses equal those of a forward pass of each task's own rows (tasks on different products)."""
    from mrnet.training import validation_losses

    torch.manual_seed(0)
    train, valid = _split(n_train=200, n_valid=120, seed=3)
    valid["price"] = TaskData(valid["price"].tokens[40:], valid["price"].target[40:])   # other rows
    model = MRNet(_word_vectors(), TASKS, hidden=H).eval()
    scales = loss_scales(TASKS, train)
    calls = []
    encode = model.encode
    model.encode = lambda tok, lens: calls.append(len(lens)) or encode(tok, lens)
    got = validation_losses(model, TASKS, valid, scales, rows={"color": np.arange(0, 120, 2)}, batch_size=32)
    assert sum(calls) == 120                  # 120 distinct titles, once each, for four tasks
    for spec in TASKS:
        data = valid[spec.name]
        rows = np.arange(0, 120, 2) if spec.name == "color" else np.arange(len(data))
        tok, lens = pad_batch([data.tokens[i] for i in rows])
        with torch.no_grad():
            out = model.heads[spec.name](encode(tok, lens))
        want = per_sample_loss(spec, out, target_batch(spec, data.target, rows), scales[spec.name]).mean()
        assert got[spec.name] == pytest.approx(float(want), rel=1e-5)
    metrics = evaluate_tasks(model, TASKS, valid, train, batch_size=32)
    assert metrics["price"]["n"] == 80 and metrics["color"]["loss"] > 0
