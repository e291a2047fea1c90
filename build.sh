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
  "$PY" -m pip install -q --upgrade pip setuptools >/dev/null
  # torch first and pinned: the CPU build comes from local disk, never the multi-GB CUDA one.
  "$PY" -m pip install -q "torch==2.13.0"
  "$PY" -m pip install -q -e ".[dev]"
  "$PY" -m ipykernel install --sys-prefix --name python3 >/dev/null
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
  demo)  setup; exec "$PY" -m mrnet.cli.demo "$@" ;;
  test)  setup; exec "$PY" -m pytest "$@" ;;
  bench) setup; exec "$PY" -m mrnet.cli.bench "$@" ;;
  wheel)
    setup
    rm -rf dist build
    "$PY" -m build --wheel --no-isolation --outdir dist . >/dev/null
    (cd jobs && zip -qr ../dist/jobs.zip . -x '__pycache__/*')
    ls -l dist ;;
  *) sed -n '2,7p' "$0"; exit 2 ;;
esac
