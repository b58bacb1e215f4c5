# Shared helpers of the cluster tests: sourced, not run.
# Counts checks and prints the closing "N passed, M failed" line.

passed=0
failed=0

# check NAME COMMAND…: runs COMMAND; counts and prints the result.
check() {
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "PASS $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name"
    fi
}

# gate NAME COMMAND…: a check that the steps after it need: counts and prints like
# check, and returns COMMAND's status, for `if gate …; then`. (check itself always
# returns 0, so that a failed check does not end a script under `set -e`.)
gate() {
    local before=$failed
    check "$@"
    [ "$failed" -eq "$before" ]
}

# fail NAME WHY: counts a failed check that could not even be attempted.
fail() {
    failed=$((failed + 1))
    echo "FAIL $1: $2"
}

# The closing line that CI and people read; exit status says the same.
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# wait_until SECONDS COMMAND…: polls COMMAND every 0.5 s until it succeeds (0) or
# SECONDS pass (1). Every wait in these tests is bounded by it.
wait_until() {
    local limit=$1
    shift
    local deadline=$((SECONDS + limit))
    until "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.5
    done
}

# The exptrain binary to test: EXPTRAIN_BIN, or a fresh release build of the repository.
exptrain_test_binary() {
    if [ -n "${EXPTRAIN_BIN:-}" ]; then
        [ -x "$EXPTRAIN_BIN" ] || { echo "EXPTRAIN_BIN=$EXPTRAIN_BIN is not executable" >&2; return 1; }
        echo "$EXPTRAIN_BIN"
        return
    fi
    (cd "$exptrain_root" && swift build -c release --product exptrain >&2 && echo "$(swift build -c release --show-bin-path)/exptrain")
}

# Exit status meaning "this machine cannot run the test" (run-all.sh reports it loudly).
skip_status=77
