#!/usr/bin/env bash
# The training figures of two exptrain binaries side by side: before a change and after it,
# alternating run by run so that the load of a shared machine falls on both alike, 1-rank
# runs pinned to core 0, one BLAS thread per rank. Prints one line per run,
# "<run> <before|after> <seed> <steps/s>", then the medians and their ratios.
#
#   scripts/bench-before-after.sh BEFORE_EXPTRAIN AFTER_EXPTRAIN
#
# e.g. git worktree add /tmp/before <commit> && (cd /tmp/before && swift build -c release),
# then scripts/bench-before-after.sh /tmp/before/.build/release/exptrain .build/release/exptrain
# Environment: EXPTRAIN_BENCH_SEEDS (default "1 2 3").
{
set -euo pipefail
[ $# = 2 ] || { sed -n '2,12p' "$0"; exit 2; }
declare -A binary=([before]=$1 [after]=$2)
seeds=(${EXPTRAIN_BENCH_SEEDS:-1 2 3})
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d /tmp/exptrain-before-after.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The runs: label, ranks, experiment and its arguments.
runs=(
    "cartpole-ppo-np1|1|cartpole-ppo"
    "cartpole-ppo-np2|2|cartpole-ppo"
    "cartpole-ppo-np2-weak|2|cartpole-ppo --config environmentsPerProcess=4 --config totalSteps=1000000"
    "minigrid-empty-ppo-np1|1|minigrid-empty-ppo"
    "minigrid-empty-ppo-np2|2|minigrid-empty-ppo"
    "cartpole-a2c-np1|1|cartpole-a2c"
    "pendulum-ppo-np1|1|pendulum-ppo --max-steps 204800"
    "acrobot-ppo-np1|1|acrobot-ppo --max-steps 200000"
    "minigrid-doorkey-ppo-np2|2|minigrid-doorkey-ppo --max-steps 32768"
    "minigrid-doorkey-dagger-np2|2|minigrid-doorkey-dagger --max-steps 32768"
    "minatar-breakout-ppo-np2|2|minatar-breakout-ppo --max-steps 65536"
)
declare -A rates=()
for seed in "${seeds[@]}"; do
    for run in "${runs[@]}"; do
        IFS='|' read -r label np arguments <<<"$run"
        for side in before after; do
            pin=()
            [ "$np" = 1 ] && pin=(taskset -c 0)
            rate=$(mpirun -np "$np" "${pin[@]}" "${binary[$side]}" $arguments --seed "$seed" --quiet --output-dir "$work" 2>&1 \
                | sed -n 's/^done: .*(\([0-9.]*\) steps\/s).*/\1/p')
            echo "$label $side $seed ${rate:-failed}"
            rates[$label.$side]+="${rate:-} "
        done
    done
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "null"; else print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
echo "run before after ratio (steps/s, medians of ${#seeds[@]} seeds)"
for run in "${runs[@]}"; do
    label=${run%%|*}
    b=$(median ${rates[$label.before]}) a=$(median ${rates[$label.after]})
    awk -v l="$label" -v b="$b" -v a="$a" 'BEGIN { printf "%s %s %s %s\n", l, b, a, (b > 0 ? sprintf("%.2f", a / b) : "null") }'
done
exit 0
}
