#!/usr/bin/env bash
# Every test: the Maven build's unit, fixture and end-to-end tests (./mvnw -B verify), then the
# Node.js client streaming from a real server (examples/node, needs node + npm).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/jdk.sh
./mvnw -B verify
npm ci --prefix examples/node --no-audit --no-fund
examples/node/check-fixture.sh
