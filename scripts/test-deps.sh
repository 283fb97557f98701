#!/bin/sh
# What the tests need beyond npm, set up before they run (npm test's pretest):
# - socat, which makes the pseudo-terminal pair that stands in for a serial sensor (test/io.test.ts);
# - rsync, used by tests that copy folders;
# - strace, which shows test/no-network.test.ts every socket the process opens;
# - onoff's native part (epoll), built here rather than at `npm ci`. package.json's allowScripts
#   denies epoll's install script: it runs node-gyp, which downloads Node's headers from nodejs.org
#   (a fresh machine offline from everything but the npm registry fails there) and needs a C++
#   toolchain. Here it is built against the headers that ship with the running Node
#   (<prefix>/include/node, part of the official tarball), so nothing is downloaded. It needs
#   make, g++ and python3.
# Missing Debian packages are installed with apt-get (as root, or with passwordless sudo);
# otherwise the tests stop here with the command to run.
set -e
cd "$(dirname "$0")/.."

epoll_missing() { [ -d node_modules/epoll ] && [ ! -f node_modules/epoll/build/Release/epoll.node ]; }

missing=""
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing ${2:-$1}"; }
need socat
need rsync
need strace
if epoll_missing; then need make; need g++; need python3; fi

if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "The tests need:$missing. Install with: sudo apt-get install$missing" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "The tests need:$missing (no apt-get here: install them with your package manager)" >&2
    exit 1
  fi
  echo "== installing$missing (apt-get)"
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086 # one word per package
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

if epoll_missing; then
  # The headers of the running Node: npm's nodedir if set, else <prefix>/include/node, used only
  # when node_version.h there names this very version (a mismatch would build a wrong ABI).
  nodedir=$(node -e '
    const fs = require("node:fs"), path = require("node:path");
    const dir = process.env.npm_config_nodedir || path.resolve(process.execPath, "../..");
    let h = "";
    try { h = fs.readFileSync(path.join(dir, "include/node/node_version.h"), "utf8"); } catch {}
    const v = ["MAJOR", "MINOR", "PATCH"].map((k) => (h.match(new RegExp(`#define NODE_${k}_VERSION (\\d+)`)) || [])[1]).join(".");
    if (`v${v}` !== process.version) {
      console.error(`No headers for Node ${process.version} in ${path.join(dir, "include/node")} (found ${h ? "v" + v : "none"}); set npm_config_nodedir to a folder holding include/node for this version`);
      process.exit(1);
    }
    console.log(dir);')
  gyp=${npm_config_node_gyp:-$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js}
  echo "== building epoll (onoff's GPIO interrupt watcher) against $nodedir/include/node"
  log=$(mktemp)
  if ! (cd node_modules/epoll && node "$gyp" rebuild --nodedir="$nodedir") >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "Building epoll failed (see above)" >&2
    exit 1
  fi
  rm -f "$log"
fi
