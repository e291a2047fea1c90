"""The nightly chain on a real Spark standalone cluster (a master and a worker on loopback).

``spark-submit --master spark://…`` ships only what ``./build.sh wheel`` makes (the wheel and
``jobs.zip``, through ``--py-files``), from a working directory outside the repository; the driver
reads ``conf/`` through ``MRNET_CONF_DIR``. Driver and executors run an interpreter that has every
dependency but *not* this checkout's editable install of ``mrnet`` (the project venv's
``__editable__`` finder would otherwise import ``mrnet`` from the source tree on the executors and
hide a broken deployment), so ``import mrnet`` can only come from the shipped files. The test
proves that no stage depends on the source tree, on the working directory, or on state that
``local[*]`` shares between driver and executors by accident.

``MRNET_TEST_WHEEL_AS_ZIP=1`` also ships a copy of the wheel named ``.zip``: PySpark puts only
``.zip``/``.egg``/``.jar`` ``--py-files`` on the executors' ``sys.path`` (``SparkContext.
PACKAGE_EXTENSIONS``), never a ``.whl``, so this checks the rest of the chain while that stands.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROWS = 3000
# Stages the summary must show run (not skipped), in this order; later stages (evaluate) may follow.
STAGES = ("ingest", "corpus", "word2vec", "labels", "train", "agnostic", "align", "gate", "score", "neighbours")
WHEEL_SOURCES = ("mrnet", "setup.cfg", "setup.py", "README.md", "MANIFEST.in", "pyproject.toml")

pytestmark = [pytest.mark.slow, pytest.mark.cluster]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _spark_home() -> Path:
    """The pyspark package folder: the wheel's SPARK_HOME (jars/, bin/)."""
    import pyspark

    return Path(pyspark.__file__).parent


def _spark_bin(name: str) -> Path:
    """``spark-class`` / ``spark-submit`` of the pyspark wheel."""
    for path in (_spark_home() / "bin" / name, Path(sys.executable).parent / name):
        if path.is_file() and os.access(path, os.X_OK):
            return path
    pytest.skip(f"{name} not found in the pyspark wheel")


def _base_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    for key in ("PYSPARK_DRIVER_PYTHON", "PYSPARK_PYTHON", "PYTHONPATH",
                "MRNET_WAREHOUSE", "SPARK_CONF_DIR", "SPARK_WORKER_DIR", "SPARK_LOG_DIR"):
        env.pop(key, None)
    # SPARK_HOME set: the launch scripts otherwise look for it with `python3` from PATH.
    env.update(SPARK_HOME=str(_spark_home()), SPARK_LOCAL_IP="127.0.0.1",
               SPARK_LOCAL_HOSTNAME="localhost", SPARK_PID_DIR=str(tmp / "pids"))
    return env


def _build_artifacts(tmp: Path) -> tuple[Path, Path]:
    """The wheel, built from a copy of the sources (the checkout is left alone), and jobs.zip."""
    src = tmp / "src"
    src.mkdir()
    for name in WHEEL_SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif path.is_file():
            shutil.copy2(path, src / name)
    dist = tmp / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), "."],
        cwd=src, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, f"wheel build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    wheels = sorted(dist.glob("mrnet-*.whl"))
    assert len(wheels) == 1, f"expected one wheel in {dist}: {list(dist.iterdir())}"
    jobs_zip = Path(shutil.make_archive(str(dist / "jobs"), "zip", str(ROOT / "jobs")))
    return wheels[0], jobs_zip


def _py_files(wheel: Path, jobs_zip: Path) -> list[Path]:
    files = [wheel, jobs_zip]
    if os.environ.get("MRNET_TEST_WHEEL_AS_ZIP"):
        as_zip = wheel.with_suffix(".zip")
        shutil.copy2(wheel, as_zip)
        files.insert(0, as_zip)
    return files


def _isolated_python(tmp: Path) -> Path:
    """A venv whose site-packages is this venv's, *without* its .pth files (so no editable mrnet).

    A path listed in a .pth file is added to sys.path, but .pth files inside it are not run:
    torch, pyspark, gensim… import as usual, ``import mrnet`` only from ``--py-files``.
    """
    import sysconfig

    env_dir = tmp / "pyenv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import site; print(site.getsitepackages()[0])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "mrnet_cluster_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    probe = subprocess.run(
        [str(python), "-c", "import torch, pyspark, gensim, deltalake, yaml\n"
                            "try:\n import mrnet\nexcept ImportError:\n print('isolated')\n"
                            "else:\n print('LEAK', mrnet.__file__)"],
        capture_output=True, text=True, cwd=tmp, env={k: v for k, v in os.environ.items()
                                                      if k != "PYTHONPATH"})
    assert probe.returncode == 0, f"isolated interpreter cannot import the dependencies:\n{probe.stderr}"
    assert probe.stdout.strip() == "isolated", f"mrnet importable without the wheel: {probe.stdout}"
    return python


def _kill_group(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _master_state(webui_port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{webui_port}/json/", timeout=5) as response:
            return json.loads(response.read().decode())
    except (OSError, ValueError):
        return None


def _tail(path: Path, chars: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return f"<{path} unreadable>"


# ---------------------------------------------------------------------------------------------
# the cluster
# ---------------------------------------------------------------------------------------------

class StandaloneCluster:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.port = _free_port()
        self.master_webui = _free_port()
        self.worker_webui = _free_port()
        self.work_dir = tmp / "work"
        self.url = f"spark://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def _launch(self, name: str, args: list[str]) -> subprocess.Popen:
        log = self.tmp / f"{name}.log"
        self.logs.append(log)
        with open(log, "wb") as out:
            proc = subprocess.Popen([str(_spark_bin("spark-class")), *args], stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=self.tmp, env=_base_env(self.tmp), start_new_session=True)
        self.procs.append(proc)
        return proc

    def start(self, timeout: float = 120) -> None:
        self.work_dir.mkdir()
        (self.tmp / "pids").mkdir(exist_ok=True)
        self._launch("master", ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                                "--port", str(self.port), "--webui-port", str(self.master_webui)])
        self._launch("worker", ["org.apache.spark.deploy.worker.Worker", self.url,
                                "--host", "127.0.0.1", "--cores", "2", "--memory", "2g",
                                "--webui-port", str(self.worker_webui),
                                "--work-dir", str(self.work_dir)])
        deadline = time.time() + timeout
        while time.time() < deadline:
            for proc, log in zip(self.procs, self.logs):
                if proc.poll() is not None:
                    raise AssertionError(f"{log.stem} exited with {proc.returncode}:\n{_tail(log)}")
            state = _master_state(self.master_webui)
            if state and state.get("aliveworkers", 0) >= 1 and state.get("status") == "ALIVE":
                self.state = state
                return
            time.sleep(1)
        raise AssertionError(f"no worker registered within {timeout}s:\n"
                             + "\n".join(f"--- {log.name}\n{_tail(log)}" for log in self.logs))

    def stop(self) -> None:
        for proc in reversed(self.procs):
            _kill_group(proc)


@pytest.fixture
def cluster(tmp_path):
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime")
    spark_cluster = StandaloneCluster(tmp_path)
    try:
        spark_cluster.start()
        yield spark_cluster
    finally:
        spark_cluster.stop()


# ---------------------------------------------------------------------------------------------
# the test
# ---------------------------------------------------------------------------------------------

def test_nightly_chain_on_standalone_cluster(tmp_path, cluster):
    started = time.time()
    wheel, jobs_zip = _build_artifacts(tmp_path)
    python = _isolated_python(tmp_path)
    run_dir = tmp_path / "cwd"          # the job's working directory: outside the repository
    run_dir.mkdir()
    warehouse = tmp_path / "warehouse"

    env = _base_env(tmp_path)
    env.update(PYSPARK_PYTHON=str(python), PYSPARK_DRIVER_PYTHON=str(python),
               MRNET_CONF_DIR=str(ROOT / "conf"))
    overrides = {
        "spark.master": "",             # empty: the master comes from spark-submit (session.py)
        "storage.root": str(warehouse),
        "synthetic.rows": ROWS,
        "train.max_steps": 200, "train.eval_every": 100, "train.checkpoint_every": 100,
        # the plumbing is under test, not quality: no budgets that grow on a small catalog, no
        # retraining of groups whose undertrained tasks miss their baselines
        "train.drop_failing_tasks": False, "publish.min_beating_baseline": 0.0,
        "word2vec.min_count": 3, "word2vec.min_trained_words": 0,
        "labels.min_labelled": 10,
        "agnostic.epochs": 5, "align.epochs": 5, "agnostic.min_steps": 0, "align.min_steps": 0,
        # evaluate is driver-side scikit-learn: keep its samples and folds small
        "evaluate.sample": 1000, "evaluate.folds": 2, "evaluate.projection_points": 500,
        "spark.conf.spark.executor.memory": "1g",
        "spark.conf.spark.sql.shuffle.partitions": "4",
    }
    command = [str(_spark_bin("spark-submit")), "--master", cluster.url,
               "--deploy-mode", "client", "--driver-memory", "2g",
               "--py-files", ",".join(map(str, _py_files(wheel, jobs_zip))),
               "--conf", f"spark.pyspark.python={python}",
               "--conf", f"spark.pyspark.driver.python={python}",
               "--conf", "spark.executor.memory=1g",
               "--conf", "spark.cores.max=2",
               str(ROOT / "jobs" / "nightly.py"), "--conf-env", "local"]
    for key, value in overrides.items():
        command += ["--set", f"{key}={value}"]

    submit_log = tmp_path / "spark-submit.log"
    with open(submit_log, "wb") as out:
        submit = subprocess.Popen(command, cwd=run_dir, env=env, stdout=out,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  start_new_session=True)
        try:
            returncode = submit.wait(timeout=600)
        finally:
            _kill_group(submit)     # the driver's Python and JVM too, on a timeout or an error
    output = submit_log.read_text(errors="replace")
    print(f"\n[cluster] spark-submit exit {returncode} after {time.time() - started:.0f}s "
          f"(incl. wheel build); log {submit_log}")
    if returncode != 0:
        hint = ""
        if "No module named 'mrnet'" in output:
            hint = ("\nHINT: the executors cannot import mrnet from the shipped --py-files. PySpark adds "
                    "only .zip/.egg/.jar py-files to the executors' sys.path (SparkContext."
                    "PACKAGE_EXTENSIONS), not a .whl; the driver imports it only because spark-submit "
                    "puts every --py-files entry on its PYTHONPATH.\n")
        executor_logs = "\n".join(f"--- {p}\n{_tail(p, 3000)}"
                                   for p in sorted(cluster.work_dir.glob("app-*/*/stderr")))
        pytest.fail(f"spark-submit failed ({returncode}):{hint}\n{output[-12000:]}\n{executor_logs}",
                    pytrace=False)

    # 1. the nightly summary shows every stage run (none skipped: the warehouse was empty), in order
    assert "nightly run summary" in output, output[-6000:]
    summary = output.split("nightly run summary", 1)[1]
    rows = {m.group(1): m.group(2) for m in
            re.finditer(r"^(\w+)\s+\d+\.\d+s\s+\S+\s+(.*)$", summary, re.MULTILINE)}
    seen = list(rows)
    assert seen[:len(STAGES)] == list(STAGES), f"stages in the summary: {seen}\n{summary[:3000]}"
    skipped = [name for name, rest in rows.items() if "skipped" in rest]
    assert not skipped, f"stages skipped on a fresh warehouse: {skipped}\n{summary[:3000]}"

    # 2. one embeddings row per catalog row, vectors where they should be
    from deltalake import DeltaTable

    tables = warehouse / "tables"
    catalog = DeltaTable(str(tables / "catalog")).to_pandas(columns=["product_id", "marketplace"])
    embeddings = DeltaTable(str(tables / "embeddings")).to_pandas(
        columns=["product_id", "marketplace", "product_group", "status", "embedding_pg"])
    assert 0.9 * ROWS <= len(catalog) <= ROWS, f"catalog rows: {len(catalog)}"
    assert len(embeddings) == len(catalog)
    keys = ["marketplace", "product_id"]
    assert not embeddings.duplicated(keys).any()
    assert set(map(tuple, embeddings[keys].values)) == set(map(tuple, catalog[keys].values))
    ok = embeddings[embeddings.status == "ok"]
    assert len(ok) >= 0.9 * len(embeddings), embeddings.status.value_counts().to_dict()
    assert ok.embedding_pg.map(len).eq(256).all()   # 2 x train.hidden

    # 3. the job ran against the standalone master, and its executors on the standalone worker
    state = _master_state(cluster.master_webui) or {}
    apps = state.get("completedapps", []) + state.get("activeapps", [])
    assert any(app.get("name") == "mrnet-nightly" for app in apps), \
        f"no mrnet-nightly application on the master: {[a.get('name') for a in apps]}"
    app_dirs = sorted(cluster.work_dir.glob("app-*"))
    assert app_dirs, f"no application folder under the worker's {cluster.work_dir}"
    executor_stderr = sorted(p for app in app_dirs for p in app.glob("*/stderr"))
    assert executor_stderr, f"no executor stderr under {app_dirs}"
    finished = sum(_tail(p, 10**8).count("Finished task") for p in executor_stderr)
    assert finished > 0, f"no task finished on the worker's executors: {executor_stderr}"
    shipped = {p.name for app in app_dirs for p in app.glob("*/*") if p.suffix in (".whl", ".zip")}
    assert wheel.name in shipped and jobs_zip.name in shipped, \
        f"--py-files not fetched by the executors: {shipped}"

    # 4. nothing was written into the repository or the working directory by the run
    assert not (ROOT / "jobs" / "warehouse").exists()
    assert not any(p.name == "warehouse" for p in run_dir.iterdir())
    print(f"[cluster] {len(embeddings):,} embeddings, status "
          f"{embeddings.status.value_counts().to_dict()}; {finished} tasks finished on the worker; "
          f"total {time.time() - started:.0f}s")
