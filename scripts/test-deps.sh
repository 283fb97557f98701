#!/bin/sh
# What the tests need beyond npm: socat, which makes the pseudo-terminal pair that stands in for a
# serial sensor in test/io.test.ts. Installed from Debian's packages when missing (as root, or
# with passwordless sudo); otherwise the tests stop here with the command to run.
set -e
if command -v socat >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
  echo "The tests need socat: sudo apt-get install socat" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "The tests need socat (no apt-get here: install it with your package manager)" >&2
  exit 1
fi
echo "== installing socat (apt-get)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq socat >/dev/null
