#!/usr/bin/env bash
# promtool for tests/unit/test_monitoring_files.py (check config, check rules, test rules on
# deploy/monitoring): Debian's prometheus package (2.42 on bookworm, the version the stand-in image runs),
# installed when missing. Only the tool is used: no server is started.
set -euo pipefail
if command -v promtool >/dev/null; then
  exit 0
fi
echo "promtool: installing Debian's prometheus package" >&2
apt-get update -qq >/dev/null
# policy-rc.d 101: the package's maintainer scripts must not start a server on this machine. One that is
# already there (container images ship one) is left as it is; ours is removed afterwards.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
command -v promtool >/dev/null
