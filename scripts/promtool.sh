#!/usr/bin/env bash
# Puts Prometheus' promtool in .tools/ (the metrics test checks /metrics with it). Taken from
# Debian 12's prometheus package without installing it: the package would also install and
# start a Prometheus server, and promtool is one static binary.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .tools/promtool ] && exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && apt-get download prometheus >/dev/null 2>&1); then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  (cd "$tmp" && apt-get download prometheus >/dev/null 2>&1)
fi
dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x"
mkdir -p .tools
cp "$tmp/x/usr/bin/promtool" .tools/promtool
.tools/promtool --version | head -1
