#!/bin/sh
# Chromium for the dashboard's browser test (driven by playwright-core, which downloads no browser of its
# own): Debian's package, installed only when /usr/bin/chromium is missing, so a warm run does nothing.
# Only the test suite needs it; `npm run demo` does not.
set -eu
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing chromium (apt-get) for the dashboard's browser test" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: /usr/bin/chromium is required by the dashboard's browser test: sudo apt-get install chromium" >&2
    exit 1
  fi
fi
