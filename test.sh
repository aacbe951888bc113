#!/usr/bin/env bash
# Runs every test: unit tests, the oracle parity tests (all case files in the oracle directory, full-size models
# included), and the mesh's end-to-end tests. ORACLE_DIR defaults to ../shared/oracle.
set -euo pipefail
cd "$(dirname "$0")"
oracle_dir="${ORACLE_DIR:-$(cd .. && pwd)/shared/oracle}"
# The official openai npm client that OpenAiClientTest drives (node and npm from the machine; .ci/run installs them).
openai=orchestrator/src/test/js/openai
if [ ! -d "$openai/node_modules/openai" ] && command -v npm >/dev/null; then
  npm ci --prefix "$openai" --no-audit --no-fund
fi
# -T 2: modules that do not need each other (proto beside shared-fluxion, then the four services) build and test side by
# side, using the second core while the other module waits on a JVM or Quarkus start or on a single-threaded step.
exec mvn -B -T 2 verify -Doracle.dir="$oracle_dir" "$@"
