#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, runs the Swift unit
# tests, then the integration tests against real servers and real clients.
set -euo pipefail
cd "$(dirname "$0")/.."

Scripts/install-dependencies.sh
swift build --build-tests
swift test --skip-build
.venv/bin/python -m pytest Tests/Integration -q -p no:cacheprovider
