#!/usr/bin/env bash
# Create .venv and install the project with pinned dependencies.
#   scripts/setup.sh          the service
#   scripts/setup.sh --test   the service, the test tools, the benchmark's chart (matplotlib, the
#                             "bench" extra), and the system packages the tests drive
#                             (Debian's chromium for browser tests, nginx for the scale-out test,
#                             redis-server for the shared rate limit and cache tests, wrk for the
#                             benchmark's load phase, npm for the pinned axe-core of
#                             the accessibility tests, prometheus for promtool and the
#                             real Prometheus server of the metrics tests)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
"$PYTHON" - <<'PY' || { echo "Python 3.11 or newer is needed (set PYTHON=...)." >&2; exit 1; }
import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
extras=""
[ "${1:-}" = "--test" ] && extras="[test,bench]"
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".${extras}"

if [ "${1:-}" = "--test" ]; then
  need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
  [ -n "$(fc-list :lang=zh 2>/dev/null)" ] || need+=(fonts-noto-cjk)
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
  command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || need+=(redis-server)
  command -v npm >/dev/null 2>&1 || need+=(npm)
  { command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; } || need+=(prometheus)
  if [ ${#need[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "Installing Debian packages for the tests: ${need[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  # axe-core for the accessibility tests, at the version pinned in tests/axe/package-lock.json
  (cd tests/axe && npm ci --no-audit --no-fund --silent)
fi
