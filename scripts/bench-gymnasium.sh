#!/usr/bin/env bash
# The Gymnasium bridge's figures, as scripts/bench.sh prints its own (one JSON object per
# line on standard output; progress on standard error), in one release build:
#   gymnasium_bridge_halfcheetah_v5_batch_step_4   one batch step of 4 HalfCheetah-v5 through
#                                                  exptrain next to the same SyncVectorEnv in a
#                                                  plain Python loop (target: ratio <= 1.25)
#   gym_ppo_cartpole_steps_per_second_np2          mpirun -np 2 exptrain gym-ppo (Gymnasium's
#                                                  CartPole-v1 through the bridge) next to
#                                                  cartpole-ppo (the built-in CartPole), same
#                                                  settings, median over EXPTRAIN_BENCH_SEEDS
# It installs Gymnasium (with MuJoCo) into .venv-gym first, as scripts/test.sh does.
# Usage: scripts/bench-gymnasium.sh   (EXPTRAIN_BENCH_SEEDS, default "1 2 3"; EXPTRAIN_BENCH_STEPS, default 65536)
{
set -euo pipefail
source "$(dirname "$0")/common.sh"
exptrain_install_dependencies
exptrain_install_gymnasium
cd "$exptrain_root"
seeds=(${EXPTRAIN_BENCH_SEEDS:-1 2 3})
steps=${EXPTRAIN_BENCH_STEPS:-65536}
export OMP_NUM_THREADS=1

swift build -c release >&2
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d /tmp/exptrain-bench-gymnasium.XXXXXX)
trap 'rm -rf "$work"' EXIT

"$bin/exptrain-bench" gymnasium

# steps/s from the summary line of a training run: TAG SEED
steps_per_second() {
    mpirun -np 2 "$bin/exptrain" "$1" --seed "$2" --max-steps "$steps" --quiet --output-dir "$work" 2>"$work/stderr" \
        | sed -n 's/.*(\([0-9.]*\) steps\/s).*/\1/p'
}
bridged=() native=()
for seed in "${seeds[@]}"; do
    echo "bench: gym-ppo and cartpole-ppo, seed $seed" >&2
    bridged+=("$(steps_per_second gym-ppo "$seed")")
    native+=("$(steps_per_second cartpole-ppo "$seed")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
b=$(median "${bridged[@]}") n=$(median "${native[@]}")
awk -v b="$b" -v n="$n" -v s="${#seeds[@]}" 'BEGIN {
    printf "{\"name\": \"gym_ppo_cartpole_steps_per_second_np2\", \"value\": %.4g, \"unit\": \"env steps/s\", \"reference\": %.4g, \"ratio\": %.4g, \"reference_source\": \"cartpole-ppo (the built-in CartPole-v1), same settings and run, median of %d seeds\"}\n", b, n, b / n, s
}'
exit 0
}
