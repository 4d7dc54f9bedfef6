#!/usr/bin/env bash
# Installs what the admin-portal browser tests need: Debian's Chromium and ChromeDriver
# (/usr/bin/chromium, /usr/bin/chromedriver). Nothing downloads a browser from elsewhere.
# Idempotent: does nothing when both are there.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  /usr/bin/chromium --version 2>/dev/null || true
  /usr/bin/chromedriver --version 2>/dev/null || true
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "install-browser: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null \
  || { echo "install-browser: apt-get install chromium chromium-driver failed" >&2; exit 1; }
/usr/bin/chromium --version
/usr/bin/chromedriver --version
