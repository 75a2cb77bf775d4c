#!/usr/bin/env bash
# Debian packages the tests judge the product's output with (npm run test:all runs this first):
# python3-prometheus-client, the Prometheus project's own parser of the text format, reads /metrics
# (test/facade/operations.test.ts). Without root or apt, the tests that need it skip saying so (CI has both).
set -uo pipefail
if /usr/bin/python3 -c 'import prometheus_client' 2>/dev/null; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "test-deps: python3-prometheus-client is missing and cannot be installed here (needs root and apt); the metrics parse test will skip"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq python3-prometheus-client >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq python3-prometheus-client >/dev/null; }
