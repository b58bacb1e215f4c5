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
echo "== the README's custom-experiment example: its own package, trained under mpirun -np 2"
example=Examples/CustomExperiment
swift build --package-path "$example"
output=$(mktemp -d)
trap 'rm -rf "$output"' EXIT
summary=$(mpirun -np 2 "$(swift build --package-path "$example" --show-bin-path)/my-exptrain" chain-ppo \
    --seed 1 --quiet --output-dir "$output")
echo "$summary"
case "$summary" in
    *"success_mean100 1.0"*) echo "example: chain-ppo learned" ;;
    *) echo "example: chain-ppo did not learn" >&2; exit 1 ;;
esac

echo "== MPI integration tests (mpirun -np 2 and -np 3 of the built exptrain)"
swift test --skip-build --disable-swift-testing --filter IntegrationTests
