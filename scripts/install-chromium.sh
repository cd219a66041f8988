#!/usr/bin/env bash
# Installs Debian's chromium for the searchd end-to-end browser test
# (server/ui_e2e_test.go), plus wrk for the load benchmark. Idempotent:
# does nothing when both are already present. Needs root (or sudo).
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
if [ ${#need[@]} -eq 0 ]; then
	echo "install-chromium: chromium and wrk already installed"
	exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${need[@]}"
