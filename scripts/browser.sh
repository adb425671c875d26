#!/usr/bin/env bash
# A browser for tests/web/test_browser.py: Debian's chromium, installed when missing. Playwright (PyPI) drives
# it through executable_path=/usr/bin/chromium and never downloads a browser of its own
# (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 in .ci/run). fonts-dejavu-core: Cyrillic glyphs in the screenshots.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
echo "browser: installing chromium fonts-dejavu-core" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version >&2
