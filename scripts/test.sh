#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what is missing, lints, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v prosody >/dev/null 2>&1 || need_apt+=(prosody)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v tc >/dev/null 2>&1 || need_apt+=(iproute2)
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)  # tests/test_service.py verifies the unit
command -v Xvfb >/dev/null 2>&1 || need_apt+=(xvfb)  # content sharing from an X display (tests/test_meeting_content.py)
command -v xwininfo >/dev/null 2>&1 || need_apt+=(x11-utils)  # the display's windows (getHardware DSCaptureList)
python3 -c "import tkinter" >/dev/null 2>&1 || need_apt+=(python3-tk)  # the test's pattern window
command -v npm >/dev/null 2>&1 || need_apt+=(npm)  # @asyncapi/specs (tests/test_asyncapi.py), StanzaJS (tests/support/stanzajs.py)
command -v dbus-daemon >/dev/null 2>&1 || need_apt+=(dbus)  # NDI tests: a bus of their own in their namespace
command -v avahi-daemon >/dev/null 2>&1 || need_apt+=(avahi-daemon)  # the NDI runtime's mDNS (tests/support/netns.py)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # no service may start in the machine's own namespace (avahi would announce on the LAN)
    no_start=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && no_start=1
    fi
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
    if [ -n "$no_start" ]; then rm -f /usr/sbin/policy-rc.d; fi
  else
    echo "missing Debian packages: ${need_apt[*]} (run: sudo apt-get install ${need_apt[*]})" >&2
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test]'
# the selfie-segmentation model file only (media/segmentation.py); mediapipe's code is never imported
.venv/bin/python -m pip install -q --no-deps 'mediapipe==0.10.14'

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports  # the import contracts in pyproject.toml
exec .venv/bin/python -m pytest "$@"
