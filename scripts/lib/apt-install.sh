#!/bin/sh
# apt_install PACKAGE: installs a Debian package for a test that needs a real program (the AWS
# CLI, Chromium), as root only; elsewhere it says what is missing and fails. Sourced by the
# ensure-*.sh scripts, which first check whether the program is already there.
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "$0: Debian's $1 is missing; install it as root (apt-get install $1)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$1" >/dev/null
}
