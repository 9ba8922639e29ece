#!/usr/bin/env bash
# Sets up meetroom in .venv (first time only) and runs a room; extra arguments go to `meetroom run`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/meetroom ]; then
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e .
fi
exec .venv/bin/meetroom run "$@"
