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
example_learns() {  # tag, then an extended regular expression the summary matches when it learned
    local summary
    summary=$(mpirun -np 2 "$(swift build --package-path "$example" --show-bin-path)/my-exptrain" "$1" \
        --seed 1 --quiet --output-dir "$output")
    echo "$summary"
    if grep -Eq "$2" <<<"$summary"; then echo "example: $1 learned"; else echo "example: $1 did not learn" >&2; exit 1; fi
}
example_learns chain-ppo "success_mean100 1\.0"
# Box actions, a dictionary observation and the package's own loss term, whose
# diagnostic must reach metrics.jsonl without exptrain knowing it.
example_learns reach-ppo "success_mean100 (0\.9[5-9]|1\.0)"
grep -q '"action_magnitude"' "$output"/reach-ppo/*/metrics.jsonl || { echo "example: the own loss's diagnostic is missing from metrics.jsonl" >&2; exit 1; }

echo "== parameter digests of the experiments that learned before the core was opened"
bash scripts/digest-check.sh

echo "== MPI integration tests (mpirun -np 2 and -np 3 of the built exptrain)"
swift test --skip-build --disable-swift-testing --filter IntegrationTests
