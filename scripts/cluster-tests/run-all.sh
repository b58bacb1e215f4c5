#!/usr/bin/env bash
# scripts/cluster-tests/run-all.sh
# Runs the cluster tests (slurm.sh, two-nodes.sh) against one release build, each
# under a generous timeout, and fails if either fails. A test is skipped only when
# this machine cannot run it at all (the test says why and exits 77: not root, no
# network namespaces, no apt-get to install Slurm); a skip is reported loudly.
# Last line: "N passed, M failed[, K skipped]" summed over the tests' own counts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../common.sh"
source "$here/lib.sh"
if [ $# -ne 0 ]; then
    echo "usage: scripts/cluster-tests/run-all.sh   (no arguments; EXPTRAIN_BIN=path to skip the build)" >&2
    exit 2
fi
exptrain_install_dependencies
EXPTRAIN_BIN=$(exptrain_test_binary)
export EXPTRAIN_BIN

work=$(mktemp -d /tmp/exptrain-cluster-tests.XXXXXX)
trap 'rm -rf "$work"' EXIT
skipped=0
for test in slurm two-nodes; do
    echo "== $test.sh"
    status=0
    # 20 minutes each: the tests take about a minute here; their own waits are bounded
    # well below this, which only guards against a hang outside them.
    timeout -k 30 1200 bash "$here/$test.sh" 2>&1 | tee "$work/$test.log" || status=${PIPESTATUS[0]}
    counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$work/$test.log" | tail -n 1 || true)
    if [ "$status" -eq "$skip_status" ]; then
        skipped=$((skipped + 1))
        echo "!!!!!!!! SKIPPED $test.sh: this machine cannot run it (see above) !!!!!!!!" >&2
    elif [ -n "$counts" ]; then
        passed=$((passed + $(echo "$counts" | cut -d' ' -f1)))
        failed=$((failed + $(echo "$counts" | cut -d' ' -f3)))
        # A test that printed its counts but exited non-zero without failures (a
        # crash in its teardown, say) still fails the run.
        if [ "$status" -ne 0 ] && [ "$(echo "$counts" | cut -d' ' -f3)" -eq 0 ]; then
            fail "$test.sh" "exited $status"
        fi
    else
        fail "$test.sh" "ended with status $status before its result line (124 = timed out)"
    fi
done
echo "== summary"
grep -h '^two-nodes: \|^FAIL ' "$work"/*.log || true
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
# A skip is not a failure (the machine cannot run the test), but it is never silent.
[ "$skipped" -eq 0 ] || echo "WARNING: $skipped cluster test(s) SKIPPED on this machine; nothing was checked by them" >&2
[ "$failed" -eq 0 ]
