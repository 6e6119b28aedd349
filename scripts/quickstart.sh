#!/usr/bin/env bash
# Runs the quickstart stack (examples/quickstart) on the local Docker engine: makes sure the
# offline base image exists, builds rcompose, and brings the stack up.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/busybox-image.sh
cargo build --release
exec target/release/rcompose -f examples/quickstart/compose.yaml up -d --wait "$@"
