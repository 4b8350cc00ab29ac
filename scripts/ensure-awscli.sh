#!/bin/sh
# Makes sure the AWS CLI v2 from Debian's `awscli` package is at /usr/bin/aws, installing it
# when missing (as root). The e2e tests of the local cloud drop uploads in with the real CLI,
# because the CLI uploads differently from the SDK (multipart above 8 MB, its own checksum
# headers). `aws` on PATH may be a Python shim of CLI v1 here, so the path is fixed.
set -eu
. "$(dirname "$0")/lib/apt-install.sh"
AWS=/usr/bin/aws
if [ -x "$AWS" ] && "$AWS" --version 2>/dev/null | grep -q '^aws-cli/2'; then
  exit 0
fi
apt_install awscli
"$AWS" --version
