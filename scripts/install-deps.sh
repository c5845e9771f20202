#!/usr/bin/env bash
# Installs every Debian 12 package Brook's build, tests and benchmarks need.
# Idempotent and quiet when everything is already there. Needs root (or sudo).
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build ccache pkg-config python3
  libboost1.81-dev libspdlog-dev libfmt-dev libyaml-cpp-dev libcli11-dev nlohmann-json3-dev
  zlib1g-dev libzstd-dev liblz4-dev libsnappy-dev libssl-dev librdkafka-dev
  # tests: unit, fuzz, real clients
  libgtest-dev clang-14 libclang-rt-14-dev prometheus
  kcat python3-pytest python3-pytest-timeout python3-confluent-kafka python3-kafka
  python3-snappy python3-lz4 python3-zstandard python3-yaml
  # schema registry: schema types and the clients that test them
  libprotobuf-dev libprotoc-dev protobuf-compiler libvalijson-dev json-schema-test-suite
  python3-avro python3-protobuf python3-jsonschema python3-requests python3-cachetools
  # stream engine state, Postgres CDC (libpq; a Postgres 15 server the tests start themselves)
  librocksdb-dev libpq-dev postgresql-15 python3-psycopg2
  # power-loss tests: the FUSE file system in tests/powerloss (built only where libfuse3 is found)
  libfuse3-dev fuse3
)

# Node.js runs the kafkajs tests; newer machines may already have it outside apt.
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The JavaScript clients (kafkajs, @platformatic/kafka, @kafkajs/confluent-schema-registry),
# pinned by tests/js/package-lock.json (npm registry). Re-run when any package.json dependency
# is missing from node_modules or the lock file is newer than the last install.
js="$(dirname "$0")/../tests/js"
js_missing="$(cd "$js" && node -e '
  const fs = require("fs");
  const deps = Object.keys(require("./package.json").dependencies || {});
  console.log(deps.filter((d) => !fs.existsSync(`node_modules/${d}/package.json`)).join(" "));')"
if [ -n "$js_missing" ] || [ "$js/package-lock.json" -nt "$js/node_modules/.package-lock.json" ]; then
  echo "install-deps: npm ci in tests/js${js_missing:+ (missing: $js_missing)}"
  (cd "$js" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
