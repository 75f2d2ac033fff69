#!/bin/sh
# The browser for the dashboard's end-to-end test: playwright-core drives it but brings none of its own.
# The test runs $CHROMIUM_PATH, else /usr/bin/chromium. When that is not there and this runs as root on a
# machine with apt-get (Debian, Ubuntu, CI), it runs `apt-get update` and installs Debian's `chromium`;
# anywhere else (no root, no apt-get, macOS, or a CHROMIUM_PATH that does not exist) it stops the test
# run and says what to install. A warm run finds the binary and does nothing. Only `npm test` runs this;
# `npm run demo` needs no browser.
set -eu
browser=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ ! -x "$browser" ]; then
  if [ -z "${CHROMIUM_PATH:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing chromium (apt-get) for the dashboard's browser test" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: the dashboard's browser test needs Chromium at $browser: install it (apt-get install chromium)," \
      "or set CHROMIUM_PATH to a Chromium or Chrome binary" >&2
    exit 1
  fi
fi
