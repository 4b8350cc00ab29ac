#!/bin/sh
# Makes sure Debian's chromium is at /usr/bin/chromium, installing it when missing (as root).
# The load-test report's test opens report.html in it through playwright-core, which ships no
# browser of its own; the path is fixed so the test never picks up some other Chrome.
set -eu
. "$(dirname "$0")/lib/apt-install.sh"
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
apt_install chromium
"$CHROMIUM" --version
