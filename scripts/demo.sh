#!/usr/bin/env bash
# A first call on a fresh machine: sets up .venv once, installs Prosody when missing (as root),
# then runs `meetroom demo` (an XMPP server, a room and a peer that answers; extra args go to it).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v prosody >/dev/null 2>&1 && [ ! -x /usr/bin/prosody ]; then
  if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends prosody >/dev/null
    # the demo runs its own Prosody in the foreground; the packaged system service is not needed
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
      systemctl disable --now prosody >/dev/null 2>&1 || true
    fi
  else
    echo "Prosody (the XMPP server) is missing: sudo apt-get install prosody, then run this again" >&2
    exit 2
  fi
fi
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/meetroom ]; then
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e .
fi
exec .venv/bin/meetroom demo "$@"
