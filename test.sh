#!/usr/bin/env bash
# Runs every test: unit tests, the oracle parity tests (all case files in the oracle directory, full-size models
# included), and the mesh's end-to-end tests. ORACLE_DIR defaults to ../shared/oracle.
set -euo pipefail
cd "$(dirname "$0")"
oracle_dir="${ORACLE_DIR:-$(cd .. && pwd)/shared/oracle}"
exec mvn -B verify -Doracle.dir="$oracle_dir" "$@"
