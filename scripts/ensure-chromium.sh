#!/bin/sh
# Makes sure Debian's chromium is at /usr/bin/chromium, installing it when missing (as root).
# The load-test report's test opens report.html in it through playwright-core, which ships no
# browser of its own; the path is fixed so the test never picks up some other Chrome.
set -eu
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "ensure-chromium: $CHROMIUM is missing; install Debian's chromium as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
"$CHROMIUM" --version
