#!/usr/bin/env bash
# Debian packages the tests need besides npm and Maven (npm run test:all runs this first):
# - python3-prometheus-client: the Prometheus project's own parser of the text format reads /metrics
#   (test/facade/operations.test.ts);
# - postgresql: two live engine nodes share one database in the cluster test (test/facade/cluster.test.ts,
#   which starts its own server in a temporary folder; the package's system service is not used).
# Without root or apt, the tests that need them skip saying so (CI has both).
set -uo pipefail
missing=()
/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null || missing+=(python3-prometheus-client)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "test-deps: ${missing[*]} missing and cannot be installed here (needs root and apt); the tests that need them will skip"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# A container has no init system: the postgresql package must not try to start its service.
made_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
fi
apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }
status=$?
[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
exit $status
