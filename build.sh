#!/usr/bin/env bash
# Set-up, demo, tests, benchmarks and the spark-submit artefacts of mrnet.
#   ./build.sh setup           create .venv from setup.cfg's pins (and Java 17 if missing)
#   ./build.sh demo [--rows N] run the nightly chain on a generated catalog (local[*])
#   ./build.sh test [pytest args]
#   ./build.sh bench [--rows N]
#   ./build.sh wheel           dist/mrnet-*.whl + dist/jobs.zip for spark-submit --py-files
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

log() { echo "[build] $*" >&2; }

ensure_java() {
  if command -v java >/dev/null 2>&1; then return; fi
  log "java not found: installing openjdk-17-jre-headless"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq openjdk-17-jre-headless >/dev/null
}

ensure_venv() {
  local stamp="$VENV/.mrnet-setup-stamp"
  local want; want=$(cat setup.cfg setup.py | sha256sum | cut -c1-16)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  log "creating $VENV from setup.cfg (about 2 minutes the first time)"
  [ -x "$PY" ] || python3 -m venv "$VENV"
  local pip_log="$VENV/pip.log"
  {
    # torch first and pinned: the CPU build comes from local disk, never the multi-GB CUDA one.
    "$PY" -m pip install "torch==2.13.0"
    "$PY" -m pip install -e ".[dev]"
    "$PY" -m ipykernel install --sys-prefix --name python3
  } >"$pip_log" 2>&1 || { tail -40 "$pip_log" >&2; log "pip install failed (log: $pip_log)"; exit 1; }
  echo "$want" > "$stamp"
}

export_env() {
  export PYSPARK_PYTHON="$PY" PYSPARK_DRIVER_PYTHON="$PY"
  export SPARK_LOCAL_IP=127.0.0.1
  export PATH="$VENV/bin:$PATH"
}

setup() { ensure_java; ensure_venv; export_env; }

cmd=${1:-help}; shift || true
case "$cmd" in
  setup) setup; log "ready: $VENV" ;;
  demo)
    setup
    args=()
    while [ $# -gt 0 ]; do
      case "$1" in
        --rows) args+=(--set "synthetic.rows=$2"); shift 2 ;;
        *) args+=("$1"); shift ;;
      esac
    done
    exec "$PY" jobs/nightly.py "${args[@]}" ;;
  test)  setup; exec "$PY" -m pytest "$@" ;;
  bench) setup; exec "$PY" bench/run.py "$@" ;;
  wheel)
    setup
    rm -rf dist build
    "$PY" -m build --wheel --no-isolation --outdir dist . >/dev/null
    "$PY" -c "import shutil; shutil.make_archive('dist/jobs', 'zip', 'jobs')"
    ls -l dist ;;
  *) sed -n '2,7p' "$0"; exit 2 ;;
esac
