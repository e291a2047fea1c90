"""Side-by-side figures that survive a busy machine.

Two ways of doing the same work (Spark vs plain torch) are timed as interleaved repetitions
(a warm-up of each, then A B A B A B), so a change of load lands on both sides; each side reports
its min and median rows/s and the CPU seconds its processes used, the run the load average
before every repetition, and a flag when that load moved by more than 1 during the run.
"""
from __future__ import annotations

import os
import resource
import statistics
import time
from typing import Callable

import psutil

LOAD_TOLERANCE = 1.0


def process_tree_cpu_seconds() -> float:
    """User + system CPU seconds of this process, its live descendants (the JVM, Spark's Python
    workers, a process pool) and the descendants already reaped."""
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:
            pass
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    return total + reaped.ru_utime + reaped.ru_stime


def interleaved(sides: dict[str, Callable[[], int]], repetitions: int = 3, unit: str = "rows") -> dict:
    """Run each side once to warm up, then ``repetitions`` rounds of every side in turn; each
    side is a callable that does the work and returns how many ``unit`` (rows, samples) it did."""
    for run in sides.values():
        run()
    samples = {name: [] for name in sides}
    loads = []
    for _ in range(repetitions):
        for name, run in sides.items():
            loads.append(round(os.getloadavg()[0], 2))
            cpu, started = process_tree_cpu_seconds(), time.perf_counter()
            rows = run()
            seconds = time.perf_counter() - started
            samples[name].append((rows / seconds, process_tree_cpu_seconds() - cpu))
    out = {"repetitions": repetitions, "load_average_before_each": loads,
           "load_changed": max(loads) - min(loads) > LOAD_TOLERANCE}
    for name, values in samples.items():
        rates = [rate for rate, _ in values]
        out[f"{name}_{unit}_per_second_min"] = round(min(rates))
        out[f"{name}_{unit}_per_second_median"] = round(statistics.median(rates))
        out[f"{name}_cpu_seconds_median"] = round(statistics.median(c for _, c in values), 1)
    first, second = list(sides)
    out[f"ratio_{first}_to_{second}"] = round(
        out[f"{first}_{unit}_per_second_median"] / out[f"{second}_{unit}_per_second_median"], 3)
    return out


def python_workers() -> list[psutil.Process]:
    """Spark's Python workers in local mode: the ``pyspark.daemon`` processes under this driver
    (the workers that ran the tasks, not a fresh one)."""
    workers = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "pyspark.daemon" in " ".join(child.cmdline()):
                workers.append(child)
        except psutil.Error:
            pass
    return workers


def peak_rss_by_pid(processes: list[psutil.Process]) -> dict[int, float]:
    """Each process's peak resident set (VmHWM) in MB; processes gone meanwhile are left out."""
    peaks = {}
    for process in processes:
        try:
            with open(f"/proc/{process.pid}/status") as handle:
                line = next(line for line in handle if line.startswith("VmHWM"))
            peaks[process.pid] = int(line.split()[1]) / 1024
        except (OSError, StopIteration):
            pass
    return peaks


def peak_rss_mb(processes: list[psutil.Process]) -> float:
    """The largest peak resident set among ``processes``, in MB (0 when none)."""
    return round(max(peak_rss_by_pid(processes).values(), default=0.0), 1)


def reset_peak_rss(processes: list[psutil.Process]) -> None:
    """Start the peaks afresh (Linux: writing 5 to clear_refs resets VmHWM to the current RSS)."""
    for process in processes:
        try:
            with open(f"/proc/{process.pid}/clear_refs", "w") as handle:
                handle.write("5")
        except OSError:
            pass
