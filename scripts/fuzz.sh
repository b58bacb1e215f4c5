#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer, through `swiftc -sanitize=fuzzer,address`) of every
# parser of outside input (SPEC §13): checkpoints (fuzz-safetensors), `--config` with the
# built-in experiments' typed reads (fuzz-config), and a Gymnasium worker's frames
# (fuzz-bridge). Builds the Fuzz/ package, then runs each harness for EXECUTIONS inputs
# (default 1,000,000) from its seed corpus in Fuzz/corpus/<harness>/, and prints one line
# per harness: executions, crashes (a trap, a sanitizer report, a leak, or an input that
# runs longer than 10 s). New inputs go to a temporary corpus, never into the repository.
#
#   scripts/fuzz.sh [EXECUTIONS [HARNESS...]]   # HARNESS: safetensors, config, bridge (default: all)
#   scripts/fuzz.sh 20000                       # what scripts/test.sh (CI) runs
#
# Exit code 0 when no harness crashed, 1 otherwise; each crashing input is kept in
# $EXPTRAIN_FUZZ_OUT (default: a temporary folder, named on the crash line): add it to the
# corpus and to the unit tests once the parser is fixed.
set -euo pipefail
source "$(dirname "$0")/common.sh"
exptrain_install_dependencies
executions=${1:-1000000}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(safetensors config bridge)
cd "$exptrain_root/Fuzz"
# A long run pays for the optimised build (3 min, then about 4x the executions per second);
# a smoke run takes the debug build (1 min).
configuration=debug
[ "$executions" -lt 100000 ] || configuration=release
build=(swift build -c "$configuration" --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld)
nice "${build[@]}" 2>&1 | { grep -Ev "warning: Cannot export local symbol|^\[[0-9]+/[0-9]+\]|^Building|^Build complete" >&2 || true; }
bin=$("${build[@]}" --show-bin-path)
out=${EXPTRAIN_FUZZ_OUT:-$(mktemp -d)}
# Swift's crash backtracer would hold a crashing input's process; libFuzzer reports it.
export SWIFT_BACKTRACE=enable=no OPENBLAS_NUM_THREADS=1
failed=0
for harness in "${harnesses[@]}"; do
    mkdir -p "$out/$harness/corpus" "$out/$harness/crashes"
    log="$out/$harness/log"
    status=0
    # Inputs up to 4 KB: a checkpoint's header (what the parser reads) fits; its tensor
    # data, copied, only slows the search.
    nice "$bin/fuzz-$harness" -runs="$executions" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
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
