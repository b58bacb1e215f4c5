#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer, through `swiftc -sanitize=fuzzer,address`) of every
# parser of outside input (SPEC §13): checkpoints (fuzz-safetensors), `--config` with the
# built-in experiments' typed reads (fuzz-config), and a Gymnasium worker's frames
# (fuzz-bridge). Builds the Fuzz/ package, then runs each harness for EXECUTIONS inputs
# (default 1,000,000) from its seed corpus in Fuzz/corpus/<harness>/, and prints one line
# per harness: executions, crashes (a trap, a sanitizer report, a leak, or an input that
# runs longer than 10 s). New inputs go to a temporary corpus, never into the repository.
#
#   scripts/fuzz.sh [EXECUTIONS]      # scripts/test.sh runs `scripts/fuzz.sh 20000`
#
# Exit code 0 when no harness crashed, 1 otherwise; each crashing input is kept in
# $EXPTRAIN_FUZZ_OUT (default: a temporary folder, named on the crash line): add it to the
# corpus and to the unit tests once the parser is fixed.
set -euo pipefail
source "$(dirname "$0")/common.sh"
exptrain_install_dependencies
executions=${1:-1000000}
cd "$exptrain_root/Fuzz"
nice swift build --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld 2>&1 \
    | { grep -Ev "warning: Cannot export local symbol|^\[[0-9]+/[0-9]+\]|^Building|^Build complete" >&2 || true; }
bin=$(swift build --scratch-path .build-fuzz --show-bin-path)
out=${EXPTRAIN_FUZZ_OUT:-$(mktemp -d)}
# Swift's crash backtracer would hold a crashing input's process; libFuzzer reports it.
export SWIFT_BACKTRACE=enable=no OPENBLAS_NUM_THREADS=1
failed=0
for harness in safetensors config bridge; do
    mkdir -p "$out/$harness/corpus" "$out/$harness/crashes"
    log="$out/$harness/log"
    status=0
    nice "$bin/fuzz-$harness" -runs="$executions" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$out/$harness/crashes/" "$out/$harness/corpus" "corpus/$harness" >"$log" 2>&1 || status=$?
    ran=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    crashes=$(find "$out/$harness/crashes" -type f | wc -l)
    echo "fuzz-$harness: ${ran:-0} executions, $crashes crashes"
    if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
        failed=1
        echo "fuzz-$harness failed (status $status); log $log, inputs in $out/$harness/crashes:" >&2
        grep -E "ERROR|Fatal error|panic|deadly signal" "$log" | head -3 >&2
    fi
done
exit "$failed"
