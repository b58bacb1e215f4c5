#!/usr/bin/env bash
# Benchmarks, not tests: builds exptrain-bench in release mode and prints one JSON object
# per figure on standard output ({"name", "value", "unit"} and, where a reference was
# measured in the same run, "reference" and "ratio" = ours ÷ reference for throughput).
# Build output goes to standard error, so `scripts/bench.sh > figures.jsonl` keeps only figures.
set -euo pipefail
source "$(dirname "$0")/common.sh"
exptrain_install_dependencies
cd "$exptrain_root"

swift build -c release --product exptrain-bench >&2
"$(swift build -c release --show-bin-path)/exptrain-bench"
