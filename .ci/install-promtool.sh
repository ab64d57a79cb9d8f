#!/usr/bin/env bash
# Installs promtool (Debian's prometheus package) for the alert rule tests.
# Idempotent and quiet: does nothing when promtool is already on PATH.
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# --no-install-recommends: the rule checker, not a Prometheus server to run.
apt-get install -y -qq --no-install-recommends prometheus >/dev/null
command -v promtool >/dev/null
