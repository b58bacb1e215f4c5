#!/usr/bin/env bash
# Installs what is missing, builds, runs the unit tests, then the tests that launch
# real mpirun jobs of the built binary.
set -euo pipefail
source "$(dirname "$0")/common.sh"
exptrain_install_dependencies
cd "$exptrain_root"

swift build --build-tests
echo "== unit tests"
swift test --skip-build --disable-swift-testing --skip IntegrationTests
echo "== MPI integration tests (mpirun -np 2 and -np 3 of the built exptrain)"
swift test --skip-build --disable-swift-testing --filter IntegrationTests
