#!/usr/bin/env bash
# Nothing that learned before learns differently: each command below must end with the
# same parameter digest, on every rank, as commit f217938 (before the core was opened).
#
#   scripts/digest-check.sh [EXPTRAIN_BINARY]      (default: the debug build)
#
# The digests are of float arithmetic, so they depend on OpenBLAS's kernels: the check
# pins the AVX2 (Haswell) kernels, which every x86-64 machine this runs on has, so the
# same digests hold on AVX-512 machines too. The cartpole-ppo rows give the settings of
# f217938's defaults explicitly, so later changes of the defaults do not move them.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$exptrain_root"
binary=${1:-$(swift build --show-bin-path)/exptrain}
export OPENBLAS_CORETYPE=Haswell
output=$(mktemp -d)
trap 'rm -rf "$output"' EXIT
cart="--config environmentsPerProcess=4 --config numSteps=128 --config totalSteps=500000 --config numMiniBatch=4 --config updateRepeats=4 --config learningRate=0.00025"

passed=0
failed=0
check() {  # ranks tag expected-digest [extra arguments]
    local ranks=$1 tag=$2 expected=$3
    shift 3
    local command=("$binary" "$tag" --seed 11 --max-steps 16384 --quiet --output-dir "$output" "$@")
    [ "$ranks" -gt 1 ] && command=(mpirun -np "$ranks" "${command[@]}")
    local digests
    digests=$("${command[@]}" 2>&1 | sed -n 's/.*parameters \([0-9a-f]*\) after 16384 steps.*/\1/p' | sort | uniq -c | awk '{print $1 "x" $2}' | tr '\n' ' ')
    if [ "$digests" = "${ranks}x$expected " ]; then
        passed=$((passed + 1))
        echo "ok   np $ranks $tag $expected"
    else
        failed=$((failed + 1))
        echo "FAIL np $ranks $tag: expected $expected on $ranks rank(s), got '${digests}'"
    fi
}

# shellcheck disable=SC2086
check 1 cartpole-ppo cb96224c53c72e72 $cart
# shellcheck disable=SC2086
check 2 cartpole-ppo f293f12d1e2030fc $cart
check 1 minigrid-empty-ppo 2e6cff9ed118a1d5
check 2 minigrid-empty-ppo 164ac55b9fdae5b8
check 1 minigrid-doorkey-ppo 66fcb03223c77f25
check 2 minigrid-doorkey-ppo 74bfe7a276d6c2c5
check 1 minigrid-doorkey-dagger 4853839b72a5dae7
check 2 minigrid-doorkey-dagger cab8703bed62c434
# The experiments added after f217938, with their digests at f345acb (the Gaussian ones the
# tape's, before FusedMLPStep took their updates over).
check 1 pendulum-ppo dd3e3c9339f06d62
check 2 pendulum-ppo eb517689ec2e9ab1
check 1 mountaincar-continuous-ppo 6298d617a77433e7
check 2 mountaincar-continuous-ppo 2d6988ee16a98a38
check 1 cartpole-a2c 068d9cdaa6920f90
check 2 cartpole-a2c 16093c87dcf88c3d
# acrobot-ppo at 1 rank: the debug build's digest at f345acb; release builds gave 61941cc4e296bd95
# there, until libmPower kept the optimiser from rewriting the dynamics' pow(x, 2) as x·x.
check 1 acrobot-ppo a142feb938cc4c64
check 2 acrobot-ppo cbdcf0f38a7ebc3d
check 1 pixel-goal-ppo 2663f578d95de625
check 2 pixel-goal-ppo 1e599e49bfa335bd
check 1 minatar-breakout-ppo 06648f61eedcdd47
check 2 minatar-breakout-ppo a061819d5ebe29c3
echo "digests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
