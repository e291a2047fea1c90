"""The benchmark's side-by-side machinery: interleaved repetitions and the worker RSS probe."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from sidebyside import interleaved, peak_rss_by_pid, peak_rss_mb, python_workers, reset_peak_rss  # noqa: E402


def test_interleaved_repetitions_alternate_and_report_the_ratio_of_medians():
    order = []

    def side(name, seconds, rows):
        def run():
            order.append(name)
            time.sleep(seconds)
            return rows
        return run

    out = interleaved({"fast": side("fast", 0.02, 100), "slow": side("slow", 0.02, 50)}, repetitions=3)
    assert order == ["fast", "slow"] * 4                 # a warm-up of each, then A B A B A B
    assert len(out["load_average_before_each"]) == 6 and out["repetitions"] == 3
    assert out["fast_rows_per_second_median"] > out["slow_rows_per_second_median"]
    assert out["ratio_fast_to_slow"] == pytest.approx(2.0, rel=0.25)
    assert isinstance(out["load_changed"], bool)


@pytest.mark.spark
def test_the_rss_probe_sees_the_worker_that_allocated(spark):
    import pandas as pd

    def allocate(batches):
        import numpy as np

        for batch in batches:
            block = np.ones(400 * 2**20 // 8)         # 400 MB, every page touched
            yield pd.DataFrame({"n": [int(block[:1].sum()) + len(batch)]})
            del block

    reset_peak_rss(python_workers())
    before = peak_rss_by_pid(python_workers())
    spark.range(0, 1, numPartitions=1).mapInPandas(allocate, "n long").collect()
    workers = python_workers()
    assert workers, "no pyspark.daemon process under this driver"
    after = peak_rss_by_pid(workers)
    grown = {pid: after[pid] - before.get(pid, 0.0) for pid in after}
    allocator = max(grown, key=grown.get)
    assert grown[allocator] >= 390 and peak_rss_mb(workers) >= 400   # the worker that allocated
    reset_peak_rss(workers)
    assert peak_rss_by_pid(workers)[allocator] < after[allocator] - 300   # afresh from its RSS now


def test_scale_extrapolation_divides_row_stages_by_their_per_core_rate():
    from scale import PeakMemory, extrapolate

    figures = {"score": {"seconds": 20.0, "rows_per_second_per_core": 25_000},
               "train": {"seconds": 360.0, "rows_per_second_per_core": 1_389}}
    hours = extrapolate(figures, products=2e9, cores=200)
    assert hours["score"] == pytest.approx(2e9 / (25_000 * 200) / 3600, abs=1e-3)   # grows with rows
    assert hours["train"] == pytest.approx(0.1)                                       # capped budget
    assert hours["total"] == pytest.approx(hours["score"] + hours["train"], abs=0.01)
    memory = PeakMemory(every=0.01)
    memory.start()
    ballast = bytearray(200 * 2**20)                    # 200 MB the driver holds for a while
    time.sleep(0.1)
    del ballast
    first = memory.window()
    memory.done.set()
    assert first["driver"] > 200 and memory.window()["driver"] < first["driver"]


def test_a_resumed_scale_run_keeps_the_figures_of_the_stages_before_it(tmp_path):
    import json

    from scale import _progress

    stages = ["ingest", "corpus", "train", "score"]
    (tmp_path / "stages.json").write_text(json.dumps({"ingest": {"seconds": 1}, "corpus": {"seconds": 2},
                                                      "train": {"seconds": 3}}))
    _progress(tmp_path, stages, "train")
    assert json.loads((tmp_path / "stages.json").read_text()) == {"ingest": {"seconds": 1},
                                                                  "corpus": {"seconds": 2}}   # train reruns
    with pytest.raises(SystemExit, match="no figures for"):
        _progress(tmp_path, stages, "score")                  # train's figures are gone: rerun it first
    with pytest.raises(SystemExit, match="not a stage"):
        _progress(tmp_path, stages, "scoring")
    _progress(tmp_path, stages, None)
    assert json.loads((tmp_path / "stages.json").read_text()) == {}               # a new run starts afresh
