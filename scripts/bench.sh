#!/usr/bin/env bash
# Benchmarks, not tests: builds exptrain in release mode and prints one JSON object per
# figure on standard output:
#   {"name", "value", "unit"}            always (value null when it could not be measured)
#   "reference", "ratio"                 where a reference was measured in the same run;
#                                        ratio = ours ÷ the reference's value of the same
#                                        figure (time ratio < 1, throughput ratio > 1: we are faster)
#   "reference_source", "note"           what the reference is, how the figure was measured
#   "target", "met"                      the issue's target for the figure, and whether it is met
# Progress and build output go to standard error, so
#   scripts/bench.sh | tee figures.jsonl && python3 scripts/bench/readme_table.py figures.jsonl
# keeps only figures, and the second command turns them into the README's table.
#
# Usage: scripts/bench.sh [--no-python] [--no-atari]
#   --no-python   skip the Python references on CartPole-v1 with CleanRL's settings: CleanRL's
#                 PPO (PyTorch), rejax's PPO (JAX, the whole loop compiled by XLA, gymnax's
#                 CartPole) and Stable-Baselines3's PPO, and PyTorch's convolutions next to
#                 `exptrain-bench conv`'s encoders. They otherwise run in the virtual
#                 environment ${EXPTRAIN_BENCH_VENV:-.venv-bench} (torch, gymnasium, numpy,
#                 stable-baselines3 2.9.2, jax 0.10.2, rejax 0.1.3, gymnax 0.0.9 from PyPI),
#                 made on first use and kept.
#   --no-atari    skip the Atari block (about 40 minutes): mpirun -np 2 exptrain atari-ppo for
#                 EXPTRAIN_BENCH_ATARI_STEPS (default 200,704) steps through the Gymnasium
#                 bridge (.venv-gym, made as scripts/test.sh makes it), CleanRL's ppo_atari
#                 (scripts/bench/cleanrl_ppo_atari.py, PyTorch, 1 thread, pinned to core 0)
#                 for as many steps, a uniformly random policy's score, and ours at 1 rank
#                 next to CleanRL's for 16,384 steps, both pinned to core 0.
# Environment: EXPTRAIN_BENCH_PYTHON_RUNS (default 3, runs of each reference),
#   EXPTRAIN_BENCH_ATARI_STEPS (default 200704), EXPTRAIN_BENCH_ATARI_RATE_STEPS (default 16384),
#   EXPTRAIN_BENCH_SEEDS (default "1 2 3").
# Everything runs one rank per core, one BLAS (and XLA) thread per process; every 1-rank
# run, ours and the references', is pinned to core 0 with taskset. On a shared machine only
# figures measured side by side in one run should be compared.
# The body is one compound command, so bash reads it whole before running it: editing
# the file while a run is going does not break that run.
{
set -euo pipefail
source "$(dirname "$0")/common.sh"
exptrain_install_dependencies
cd "$exptrain_root"

use_python=1 use_atari=1
for argument in "$@"; do
    case "$argument" in
        --no-python) use_python=0 ;;
        --no-atari) use_atari=0 ;;
        -h|--help) sed -n '2,33p' "$0"; exit 0 ;;
        *) echo "bench.sh: unknown argument $argument (try --help)" >&2; exit 2 ;;
    esac
done
seeds=(${EXPTRAIN_BENCH_SEEDS:-1 2 3})
python_runs=${EXPTRAIN_BENCH_PYTHON_RUNS:-3}
venv=${EXPTRAIN_BENCH_VENV:-$exptrain_root/.venv-bench}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
# One XLA thread for the JAX reference, as one BLAS thread for everything else.
jax_flags="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
pin="taskset -c 0"

work=$(mktemp -d /tmp/exptrain-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
progress() { echo "bench: $*" >&2; }

swift build -c release >&2
bin=$(swift build -c release --show-bin-path)
exptrain=$bin/exptrain
bench=$bin/exptrain-bench

# ---------------------------------------------------------------- helpers

# figure NAME VALUE UNIT [key=value …]: one JSON line. Numeric keys (reference, ratio)
# are written as numbers, met as a boolean, the rest as strings; VALUE may be "null".
figure() {
    local name=$1 value=$2 unit=$3
    shift 3
    local line="{\"name\": \"$name\", \"value\": $(number "$value"), \"unit\": \"$unit\""
    local pair key text
    for pair in "$@"; do
        key=${pair%%=*}
        text=${pair#*=}
        case "$key" in
            reference|ratio) line+=", \"$key\": $(number "$text")" ;;
            met) line+=", \"met\": $text" ;;
            *) line+=", \"$key\": \"${text//\"/\\\"}\"" ;;
        esac
    done
    echo "$line}"
}

# number X: X to four significant digits as JSON, or null.
number() {
    case "$1" in
        ""|null|inf|nan) echo null ;;
        *) awk -v x="$1" 'BEGIN { printf "%.4g\n", x }' ;;
    esac
}

# calc EXPRESSION: awk arithmetic on numbers ("inf"/"null" propagate as null).
calc() {
    case "$*" in *null*|*inf*) echo null; return ;; esac
    awk "BEGIN { printf \"%.6g\n\", $* }"
}

# compare A OP B: true/false (false when either side is null).
compare() {
    case "$1$3" in *null*) echo false; return ;; esac
    awk -v a="$1" -v b="$3" "BEGIN { print ((a $2 b) ? \"true\" : \"false\") }"
}

# median X…: the median; "inf" counts as larger than everything (a run that never got there).
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "null"; exit }
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] == "inf" || v[NR / 2 + 1] == "inf") ? "inf" : (v[NR / 2] + v[NR / 2 + 1]) / 2
        print m }'
}

# run_exptrain LABEL NP ARGS…: one training run of the real binary under mpirun, each rank
# wrapped in /usr/bin/time for its peak resident memory; a 1-rank run is pinned to core 0
# as the references are. Leaves $work/LABEL/{stdout,stderr,
# rss.<rank>,out/…/metrics.jsonl}; returns exptrain's exit code.
run_exptrain() {
    local label=$1 np=$2
    shift 2
    local dir=$work/$label
    mkdir -p "$dir"
    local code=0 start
    start=$(date +%s.%N)
    local wrapper=()
    [ "$np" = 1 ] && wrapper=($pin)
    mpirun -np "$np" bash -c 'exec /usr/bin/time -f %M -o "$0.${OMPI_COMM_WORLD_RANK:-0}" "$@"' "$dir/rss" \
        "${wrapper[@]}" "$exptrain" "$@" --quiet --output-dir "$dir/out" >"$dir/stdout" 2>"$dir/stderr" || code=$?
    calc "$(date +%s.%N) - $start" >"$dir/wall"
    return $code
}

# run_pair LABEL ARGS...: two 1-rank runs of exptrain at the same time, pinned to cores 0
# and 1 (LABEL-0, LABEL-1), with nothing between them: what the machine leaves each core
# when both are busy.
run_pair() {
    local label=$1
    shift
    local core
    for core in 0 1; do
        mkdir -p "$work/$label-$core"
        taskset -c "$core" "$exptrain" "$@" --quiet --output-dir "$work/$label-$core/out" \
            >"$work/$label-$core/stdout" 2>"$work/$label-$core/stderr" &
    done
    wait
}

# Readers of a finished run.
metrics_of() { ls "$work/$1"/out/*/*/metrics.jsonl 2>/dev/null | head -1; }
steps_per_second_of() { grep -ho 'done: .*' "$work/$1/stdout" "$work/$1/stderr" | sed -n 's/.*(\([0-9.]*\) steps\/s).*/\1/p' | head -1; }
peak_rss_mb_of() { cat "$work/$1"/rss.* 2>/dev/null | grep -E '^[0-9]+$' | sort -n | tail -1 | awk '{ printf "%.1f\n", $1 / 1024 }'; }
# startup_overhead_of LABEL: mpirun's wall time minus the trainer's own final elapsed_seconds
# (MPI start-up, set-up before the trainer's clock starts, exit).
startup_overhead_of() {
    local file last
    file=$(metrics_of "$1")
    [ -n "$file" ] || { echo null; return; }
    last=$(tail -1 "$file" | sed -n 's/.*"elapsed_seconds":\([-0-9.eE+]*\).*/\1/p')
    calc "$(cat "$work/$1/wall") - ${last:-null}"
}
error_of() { grep -v '^exptrain\[' "$work/$1/stderr" | grep -v '^Command exited' | head -1 | tr -d '"' | cut -c1-200; }
# first_reach LABEL THRESHOLD: "elapsed_seconds step" of the first log point whose
# episode_return_mean100 ≥ THRESHOLD, or "inf inf".
first_reach() {
    local file
    file=$(metrics_of "$1")
    [ -n "$file" ] || { echo "inf inf"; return; }
    awk -v threshold="$2" '
        match($0, /"episode_return_mean100":[-0-9.eE+]+/) {
            value = substr($0, RSTART + 25, RLENGTH - 25) + 0
            if (value >= threshold) {
                match($0, /"elapsed_seconds":[-0-9.eE+]+/); elapsed = substr($0, RSTART + 18, RLENGTH - 18)
                match($0, /"step":[0-9]+/); step = substr($0, RSTART + 7, RLENGTH - 7)
                print elapsed, step; found = 1; exit
            }
        }
        END { if (!found) print "inf inf" }' "$file"
}

# How busy the machine is: on a shared machine, figures of one run compare with each
# other, not with another run's.
load_average() { cut -d' ' -f1 /proc/loadavg; }
figure machine_cores "$(getconf _NPROCESSORS_ONLN)" cores "note=$(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
figure machine_load_average_at_start "$(load_average)" "runnable tasks (1 min)" "note=/proc/loadavg before the benchmarks"

# ---------------------------------------------------------------- micro-benchmarks (one process)

progress "matmul, MLP, GRU, optimiser and MiniGrid micro-benchmarks"
"$bench" matmul mlp recurrent optimizer minigrid-costs

progress "all-reduce: raw MPI_Allreduce next to ours, 2 ranks"
mpirun -np 2 "$bench" allreduce

progress "where an update's time goes, 1 and 2 ranks"
mpirun -np 1 "$bench" update-split
mpirun -np 2 "$bench" update-split

progress "allocations per rollout step (LD_PRELOAD counter)"
counter=$work/malloc_count.so
if cc -O2 -shared -fPIC -o "$counter" scripts/bench/malloc_count.c >&2; then
    LD_PRELOAD=$counter "$bench" rollout-allocations
    # The real binary, one rank: the counter's value at each write of a metrics.jsonl line
    # (the shim's marks), so the allocations between the second log point and the last,
    # over the steps between them, are the training loop's steady state per step: rollouts,
    # updates and log points, without start-up, the first log point's one-off buffers, the
    # last checkpoint and exit. cartpole-ppo, cartpole-a2c and pendulum-ppo (a Gaussian policy,
    # observations and rewards normalised) take the fused MLP step; minigrid-empty-ppo the
    # tape, which makes its tensors anew at each minibatch.
    for experiment in cartpole-ppo cartpole-a2c pendulum-ppo minigrid-empty-ppo; do
        rm -f "$work/marks"
        rm -rf "$work/mallocs-run"
        EXPTRAIN_MALLOC_MARKS_FILE=$work/marks EXPTRAIN_MALLOC_MARK_SUFFIX=/metrics.jsonl LD_PRELOAD=$counter \
            "$exptrain" "$experiment" --seed 1 --quiet --max-steps 204800 --config saveInterval=100000000 --config validEpisodes=0 \
            --output-dir "$work/mallocs-run" >/dev/null 2>&1
        metrics=$(ls "$work"/mallocs-run/*/*/metrics.jsonl 2>/dev/null | head -1)
        per_step=null first_step=? last_step=? first_count=? last_count=?
        if [ -n "$metrics" ] && [ "$(wc -l <"$work/marks")" -ge 3 ]; then
            steps=$(sed -n 's/^{"step":\([0-9]*\),.*/\1/p' "$metrics")
            first_step=$(echo "$steps" | sed -n 2p) last_step=$(echo "$steps" | tail -1)
            first_count=$(sed -n 2p "$work/marks") last_count=$(tail -1 "$work/marks")
            per_step=$(calc "($last_count - $first_count) / ($last_step - $first_step)")
        fi
        name=exptrain_${experiment//-/_}_training_allocations_per_step
        if [ "$experiment" = minigrid-empty-ppo ]; then
            figure "$name" "$per_step" "allocations/env step" \
                "note=the real exptrain $experiment, 1 rank, the same count ($first_count → $last_count over steps $first_step → $last_step); the tape path (no fused step for this model)"
        else
            figure "$name" "$per_step" "allocations/env step" \
                "note=the real exptrain $experiment, 1 rank, 204,800 steps: mallocs between the 2nd and the last metrics.jsonl line ÷ the steps between them ($first_count → $last_count over steps $first_step → $last_step)" \
                "target=0 in steady state" "met=$(compare "$per_step" "==" 0)"
        fi
    done
else
    figure rollout_allocations_per_step null "allocations/env step" "note=not measured: no C compiler for scripts/bench/malloc_count.c"
fi

# ---------------------------------------------------------------- the real trainer

# The Python references' environment, made before the runs so that they can alternate.
python=""
python_note="not measured"
if [ "$use_python" = 1 ]; then
    imports='import torch, gymnasium, stable_baselines3, rejax, ale_py, cv2'
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "$imports" 2>/dev/null; then
        progress "making the virtual environment $venv (torch, gymnasium, stable-baselines3, jax, rejax, gymnax from PyPI; large download)"
        python3 -m venv "$venv" >&2 && "$venv/bin/pip" install -q --disable-pip-version-check torch gymnasium numpy \
            stable-baselines3==2.9.2 jax==0.10.2 jaxlib==0.10.2 rejax==0.1.3 gymnax==0.0.9 \
            ale-py==0.12.1 opencv-python-headless==5.0.0.93 >&2 || true
    fi
    if "$venv/bin/python" -c "$imports" 2>/dev/null; then
        python=$venv/bin/python
    else
        python_note="not measured: the virtual environment $venv could not be made (no PyPI?)"
    fi
else
    progress "skipping the Python references (--no-python)"
    python_note="not measured: --no-python"
fi

# ---------------------------------------------------------------- convolutions next to PyTorch

# The Nature-CNN (84×84×4) and MinAtar (10×10×4) encoders, forward + backward at batch 128
# from UInt8 images: exptrain-bench conv and scripts/bench/torch_conv.py (one thread,
# PyTorch's own NCHW layout) alternate round by round, both pinned to core 0; medians of
# the rounds' medians. Ours runs the fastest OpenBLAS kernels the processor has the
# instructions for (SkylakeX with AVX-512, else Haswell), which exptrain selects itself
# (BLASKernels): OpenBLAS's own detection falls back to its SSE3 kernels in a virtual
# machine whose CPU model it does not know, which halves sgemm's speed.
progress "convolutional encoders${python:+ next to PyTorch}, pinned to core 0"
conv_names=(nature_cnn minatar_cnn)
declare -A conv_ours=() conv_torch=()
conv_value() { sed -n "s/.*\"conv_$1_forward_backward_batch128\", \"value\": \([0-9.e+-]*\).*/\1/p" <<<"$2"; }
for round in 1 2 3; do
    ours_lines=$(taskset -c 0 "$bench" conv)
    torch_lines=""
    [ -n "$python" ] && torch_lines=$(taskset -c 0 "$python" scripts/bench/torch_conv.py --rounds 5)
    for name in "${conv_names[@]}"; do
        conv_ours[$name]+="$(conv_value "$name" "$ours_lines") "
        [ -n "$torch_lines" ] && conv_torch[$name]+="$(awk -v n="$name" '$1 == n { print $2 }' <<<"$torch_lines") "
    done
done
kernels=$(OPENBLAS_VERBOSE=2 "$bench" none 2>&1 | sed -n 's/^Core: *//p' | tail -1)
torch_version=$([ -n "$python" ] && "$python" -c 'import torch; print(torch.__version__)' || echo none)
for name in "${conv_names[@]}"; do
    torch_ms=null
    [ -n "${conv_torch[$name]:-}" ] && torch_ms=$(median ${conv_torch[$name]})
    ours_ms=$(median ${conv_ours[$name]})
    figure "conv_${name}_forward_backward_batch128" "$ours_ms" ms \
        "reference=$torch_ms" "ratio=$(calc "$ours_ms / $torch_ms")" \
        "reference_source=PyTorch $torch_version CPU, 1 thread, the same network (scripts/bench/torch_conv.py), alternating with ours" \
        "note=UInt8 images scaled by 1/255, forward, sum(w*y), backward; median of 3 rounds of 5; OpenBLAS $kernels kernels; taskset -c 0" \
        "target=ratio <= 1" "met=$(compare "$(calc "$ours_ms / $torch_ms")" "<=" 1)"
done

# field JSON KEY: a number (or null) from a reference's one-line JSON output.
field() { echo "$1" | sed -n "s/.*\"$2\": \([-0-9.e+][-0-9.e+]*\|null\).*/\1/p" | head -1; }

# reference_run KIND SEED: one 500k-step run of a Python reference pinned to core 0, its
# figures appended to the KIND arrays (time and steps to 475 as "inf" when never reached).
declare -A ref_sps ref_time ref_steps ref_compile ref_versions
reference_run() {
    local kind=$1 seed=$2 line
    case "$kind" in
        cleanrl) line=$($pin "$python" scripts/bench/cleanrl_ppo_cartpole.py --seed "$seed" --full --max-steps 500000 | tail -1) || true ;;
        jax) line=$(XLA_FLAGS="$jax_flags" $pin "$python" scripts/bench/rejax_ppo_cartpole.py --seed "$seed" | tail -1) || true ;;
        sb3) line=$($pin "$python" scripts/bench/sb3_ppo_cartpole.py --seed "$seed" | tail -1) || true ;;
    esac
    progress "  $kind: $line"
    local t s
    t=$(field "$line" seconds_to_475) s=$(field "$line" steps_to_475)
    t=${t:-null} s=${s:-null}
    ref_sps[$kind]+="$(field "$line" steps_per_second) "
    ref_time[$kind]+="${t/null/inf} "
    ref_steps[$kind]+="${s/null/inf} "
    [ "$kind" = jax ] && ref_compile[$kind]+="$(field "$line" compile_seconds) "
    ref_versions[$kind]=$(echo "$line" | grep -o '"\(torch\|gymnasium\|jax\|rejax\|stable_baselines3\)": "[^"]*"' | tr -d '"' | tr '\n' ' ')
}
ref_count() { set -- ${ref_sps[$1]:-}; echo $#; }

# cartpole-ppo at 1 rank, at 2 ranks (same settings), at 2 ranks each with the 1-rank run's
# work (weak scaling: 4 environments per rank, not the default 4 in all, so each rank's
# rollouts, minibatches of 128 and optimiser steps are the 1-rank run's, and twice the
# steps) and the Python references, alternating
# seed by seed so that the load of a shared machine falls on all of them alike.
np1_sps=() np1_rss=() np1_time=() np1_steps=() np2_sps=() np2_rss=() np2_overhead=() np2_time=() np2_steps=() weak_sps=() pair_fraction=()
references=(cleanrl jax sb3)
for seed in "${seeds[@]}"; do
    progress "cartpole-ppo seed $seed: 1 rank, 2 ranks, 2 ranks × 1M steps${python:+, the Python references}"
    run_exptrain "cartpole-np1-$seed" 1 cartpole-ppo --seed "$seed" || progress "run failed: $(error_of "cartpole-np1-$seed")"
    np1_sps+=("$(steps_per_second_of "cartpole-np1-$seed")")
    np1_rss+=("$(peak_rss_mb_of "cartpole-np1-$seed")")
    read -r seconds steps < <(first_reach "cartpole-np1-$seed" 475)
    np1_time+=("$seconds") np1_steps+=("$steps")

    run_exptrain "cartpole-np2-$seed" 2 cartpole-ppo --seed "$seed" || progress "run failed: $(error_of "cartpole-np2-$seed")"
    np2_sps+=("$(steps_per_second_of "cartpole-np2-$seed")")
    np2_rss+=("$(peak_rss_mb_of "cartpole-np2-$seed")")
    read -r seconds steps < <(first_reach "cartpole-np2-$seed" 475)
    np2_time+=("$seconds") np2_steps+=("$steps")
    np2_overhead+=("$(startup_overhead_of "cartpole-np2-$seed")")

    run_exptrain "cartpole-weak-$seed" 2 cartpole-ppo --seed "$seed" --config environmentsPerProcess=4 --config totalSteps=1000000 \
        || progress "run failed: $(error_of "cartpole-weak-$seed")"
    weak_sps+=("$(steps_per_second_of "cartpole-weak-$seed")")
    # The 2-rank job waits for the slower rank at every minibatch; the slower of two
    # independent runs, over the 1-rank run just before, bounds what it can reach here.
    run_pair "cartpole-pair-$seed" cartpole-ppo --seed "$seed"
    slower=$(printf '%s\n' "$(steps_per_second_of "cartpole-pair-$seed-0")" "$(steps_per_second_of "cartpole-pair-$seed-1")" | sort -g | head -1)
    pair_fraction+=("$(calc "${slower:-null} / ${np1_sps[-1]:-null}")")

    if [ -n "$python" ]; then
        for kind in "${references[@]}"; do
            if [ "$(ref_count "$kind")" -lt "$python_runs" ]; then reference_run "$kind" "$seed"; fi
        done
    fi
done
# More reference runs than seeds, if asked for.
for kind in "${references[@]}"; do
    while [ -n "$python" ] && [ "$(ref_count "$kind")" -lt "$python_runs" ]; do
        reference_run "$kind" "$(($(ref_count "$kind") + 1))"
    done
done
cartpole_np1_sps=$(median "${np1_sps[@]}")
cartpole_np1_time=$(median "${np1_time[@]}")
cartpole_np2_sps=$(median "${np2_sps[@]}")
cartpole_np2_time=$(median "${np2_time[@]}")
cartpole_np2_steps=$(median "${np2_steps[@]}")
cartpole_rss=$(median "${np1_rss[@]}" "${np2_rss[@]}")
cartpole_rss_max=$(printf '%s\n' "${np1_rss[@]}" "${np2_rss[@]}" | sort -g | tail -1)
weak_np2_sps=$(median "${weak_sps[@]}")
efficiency=$(calc "$weak_np2_sps / (2 * $cartpole_np1_sps)")
[ "$cartpole_np1_time" = inf ] && cartpole_np1_time=null

# The medians of each reference (null when not measured; a time never reached is null).
declare -A ref_note ref_runs
for kind in "${references[@]}"; do
    ref_runs[$kind]=$(ref_count "$kind")
    if [ "${ref_runs[$kind]}" -gt 0 ]; then
        ref_note[$kind]="${ref_runs[$kind]} runs of 500k steps pinned to core 0, alternating with ours; ${ref_versions[$kind]}"
        read -r -a values <<<"${ref_time[$kind]}"
        time=$(median "${values[@]}")
        ref_time[$kind]=${time/inf/null}
        read -r -a values <<<"${ref_steps[$kind]}"
        steps=$(median "${values[@]}")
        ref_steps[$kind]=${steps/inf/null}
        read -r -a values <<<"${ref_sps[$kind]}"
        ref_sps[$kind]=$(median "${values[@]}")
        read -r -a values <<<"${ref_compile[$kind]:-}"
        if [ "${#values[@]}" -gt 0 ]; then ref_compile[$kind]=$(median "${values[@]}"); else ref_compile[$kind]=null; fi
    else
        ref_note[$kind]=$python_note ref_time[$kind]=null ref_steps[$kind]=null ref_sps[$kind]=null ref_compile[$kind]=null
    fi
done
python_sps=${ref_sps[cleanrl]} python_time=${ref_time[cleanrl]} python_steps=${ref_steps[cleanrl]}
python_note="CleanRL-style PPO (scripts/bench/cleanrl_ppo_cartpole.py), PyTorch on CPU, 1 thread: ${ref_note[cleanrl]}"

progress "FLOP limits: each MLP experiment's update's sgemm calls, pinned to core 0"
flops=$($pin "$bench" flop-limit)
echo "$flops"
cartpole_flop_limit=$(echo "$flops" | sed -n 's/.*"name": "cartpole_ppo_flop_limit_steps_per_second", "value": \([0-9.e+]*\).*/\1/p')
a2c_flop_limit=$(echo "$flops" | sed -n 's/.*"name": "cartpole_a2c_flop_limit_steps_per_second", "value": \([0-9.e+]*\).*/\1/p')
pendulum_flop_limit=$(echo "$flops" | sed -n 's/.*"name": "pendulum_ppo_flop_limit_steps_per_second", "value": \([0-9.e+]*\).*/\1/p')

progress "minigrid-empty-ppo at 2 ranks, seeds ${seeds[*]}"
grid_sps=() grid_time=() grid_steps=() grid_rss=()
for seed in "${seeds[@]}"; do
    run_exptrain "minigrid-np2-$seed" 2 minigrid-empty-ppo --seed "$seed" || progress "run failed: $(error_of "minigrid-np2-$seed")"
    grid_sps+=("$(steps_per_second_of "minigrid-np2-$seed")")
    grid_rss+=("$(peak_rss_mb_of "minigrid-np2-$seed")")
    read -r seconds steps < <(first_reach "minigrid-np2-$seed" 0.95)
    grid_time+=("$seconds") grid_steps+=("$steps")
done
grid_np2_sps=$(median "${grid_sps[@]}")
grid_np2_time=$(median "${grid_time[@]}")

progress "the other built-in experiments at 1 and 2 ranks (one run each)"
declare -A other_sps other_rss other_note
for tag_budget in cartpole-a2c:500000 pendulum-ppo:204800 minigrid-empty-ppo:100000 minigrid-doorkey-ppo:32768 minigrid-doorkey-dagger:32768; do
    tag=${tag_budget%%:*} budget=${tag_budget#*:}
    for np in 1 2; do
        [ "$tag" = minigrid-empty-ppo ] && [ "$np" = 2 ] && continue  # measured above
        label=$tag-np$np
        code=0
        run_exptrain "$label" "$np" "$tag" --seed 1 --max-steps "$budget" || code=$?
        if [ "$code" = 0 ]; then
            other_sps[$label]=$(steps_per_second_of "$label")
            other_note[$label]="${budget} steps (--max-steps), seed 1, one run"
        else
            other_sps[$label]=null
            other_note[$label]="failed (exit $code): $(error_of "$label")"
        fi
        other_rss[$label]=$(peak_rss_mb_of "$label")
    done
done

# ---------------------------------------------------------------- Atari next to CleanRL

# atari-ppo (Nature-CNN, 8 environments in total × 128 steps, ALE/Breakout-v5 through the
# bridge) at 2 ranks for the issue's 200k steps, CleanRL's ppo_atari with the same settings
# and environment for as many steps, and a uniformly random policy's game score; then the
# rate per core: ours at 1 rank next to CleanRL, both pinned to core 0, 16,384 steps each.
atari_steps=${EXPTRAIN_BENCH_ATARI_STEPS:-200704}
atari_short=${EXPTRAIN_BENCH_ATARI_RATE_STEPS:-16384}
atari_np2_sps=null atari_np2_score=null atari_np1_sps=null atari_random=null
atari_ref_sps=null atari_ref_score=null atari_ref_short_sps=null atari_note="not measured: --no-atari"
if [ "$use_atari" = 1 ]; then
    if exptrain_install_gymnasium >&2; then
        progress "atari-ppo at 2 ranks, $atari_steps steps (ALE/Breakout-v5 through the Gymnasium bridge)"
        if run_exptrain atari-np2 2 atari-ppo --seed 1 --max-steps "$atari_steps"; then
            atari_np2_sps=$(steps_per_second_of atari-np2)
            atari_np2_score=$(sed -n 's/.*"episode_return_mean100":\([-0-9.eE+]*\).*/\1/p' "$(metrics_of atari-np2)" | tail -1)
            atari_np2_score=${atari_np2_score:-null}
        else
            progress "run failed: $(error_of atari-np2)"
        fi
        progress "atari-ppo at 1 rank, $atari_short steps, pinned to core 0"
        run_exptrain atari-np1 1 atari-ppo --seed 1 --max-steps "$atari_short" && atari_np1_sps=$(steps_per_second_of atari-np1)
        atari_np1_sps=${atari_np1_sps:-null}
        random_line=$("$EXPTRAIN_PYTHON" scripts/baselines/atari_random_policy.py --episodes 100 --seed 1 2>/dev/null | tail -1) || true
        atari_random=$(field "$random_line" score_mean) atari_random=${atari_random:-null}
        atari_note="ale-py $("$EXPTRAIN_PYTHON" -c 'import ale_py; print(ale_py.__version__)'), seed 1"
        if [ -n "$python" ]; then
            progress "CleanRL ppo_atari, $atari_short steps and $atari_steps steps, pinned to core 0"
            line=$($pin "$python" scripts/bench/cleanrl_ppo_atari.py --seed 1 --max-steps "$atari_short" | tail -1) || true
            progress "  cleanrl atari: $line"
            atari_ref_short_sps=$(field "$line" steps_per_second) atari_ref_short_sps=${atari_ref_short_sps:-null}
            line=$($pin "$python" scripts/bench/cleanrl_ppo_atari.py --seed 1 --max-steps "$atari_steps" | tail -1) || true
            progress "  cleanrl atari: $line"
            atari_ref_sps=$(field "$line" steps_per_second) atari_ref_score=$(field "$line" score_mean100)
            atari_ref_sps=${atari_ref_sps:-null} atari_ref_score=${atari_ref_score:-null}
        fi
    else
        atari_note="not measured: .venv-gym (Gymnasium, ale-py) could not be made"
    fi
fi
atari_ref_source="CleanRL-style ppo_atari (scripts/bench/cleanrl_ppo_atari.py), PyTorch CPU, 1 thread, pinned to core 0, the same settings, environment and seed"

# ---------------------------------------------------------------- references

# ---------------------------------------------------------------- figures of the real trainer

figure cartpole_ppo_steps_per_second_np1 "$cartpole_np1_sps" "env steps/s" \
    "reference=$python_sps" "ratio=$(calc "$cartpole_np1_sps / $python_sps")" "reference_source=$python_note" \
    "note=exptrain cartpole-ppo, 1 rank, 4 envs × 128 steps, 500k steps, median of ${#seeds[@]} seeds (done: line); issue's reference ≈ 5000" \
    "target=ratio >= 10" "met=$(compare "$(calc "$cartpole_np1_sps / $python_sps")" ">=" 10)"
jax_ratio=$(calc "$cartpole_np1_sps / ${ref_sps[jax]}")
figure cartpole_ppo_steps_per_second_np1_vs_jax "$cartpole_np1_sps" "env steps/s" \
    "reference=${ref_sps[jax]}" "ratio=$jax_ratio" \
    "reference_source=rejax PPO (scripts/bench/rejax_ppo_cartpole.py), JAX on CPU with XLA_FLAGS=$jax_flags, gymnax CartPole-v1, the whole training loop one compiled XLA program, steps/s of the compiled run (compilation apart, see jax_reference_compile_seconds): ${ref_note[jax]}" \
    "note=the same exptrain runs as cartpole_ppo_steps_per_second_np1 (taskset -c 0)" \
    "target=ratio >= 2" "met=$(compare "$jax_ratio" ">=" 2)"
figure jax_reference_compile_seconds "${ref_compile[jax]}" s \
    "note=XLA compilation of rejax's jitted train function (jax.jit(…).lower(key).compile()), before its timed run, median of ${ref_runs[jax]}"
figure cartpole_ppo_steps_per_second_np1_vs_sb3 "$cartpole_np1_sps" "env steps/s" \
    "reference=${ref_sps[sb3]}" "ratio=$(calc "$cartpole_np1_sps / ${ref_sps[sb3]}")" \
    "reference_source=Stable-Baselines3 PPO (scripts/bench/sb3_ppo_cartpole.py), PyTorch on CPU, 1 thread, DummyVecEnv of 4: ${ref_note[sb3]}" \
    "note=the same exptrain runs as cartpole_ppo_steps_per_second_np1"
figure cartpole_ppo_seconds_to_475_np1_vs_jax "$cartpole_np1_time" s \
    "reference=${ref_time[jax]}" "ratio=$(calc "$cartpole_np1_time / ${ref_time[jax]}")" \
    "reference_source=rejax: its first evaluation (every 4,096 steps, 128 episodes) with mean ≥ 475, in steps, ÷ its compiled steps/s (training time only; compilation apart): ${ref_note[jax]}" \
    "note=exptrain cartpole-ppo at 1 rank pinned to core 0: elapsed_seconds at the first log point with episode_return_mean100 >= 475, median of ${#seeds[@]} seeds: ${np1_time[*]}"
figure cartpole_ppo_seconds_to_475_np1_vs_sb3 "$cartpole_np1_time" s \
    "reference=${ref_time[sb3]}" "ratio=$(calc "$cartpole_np1_time / ${ref_time[sb3]}")" \
    "reference_source=Stable-Baselines3: wall time of learn() at the first step whose last 100 episodes average ≥ 475: ${ref_note[sb3]}" \
    "note=as cartpole_ppo_seconds_to_475_np1_vs_jax"
flop_fraction=$(calc "$cartpole_np1_sps / $cartpole_flop_limit")
figure cartpole_ppo_fraction_of_flop_limit_np1 "$flop_fraction" fraction \
    "reference=$cartpole_flop_limit" \
    "note=cartpole_ppo_steps_per_second_np1 ÷ cartpole_ppo_flop_limit_steps_per_second (exptrain-bench flop-limit: the sgemm time of exactly one update's matrix products on this core, in the same run)" \
    "target=>= 0.6" "met=$(compare "$flop_fraction" ">=" 0.6)"
figure cartpole_a2c_fraction_of_flop_limit_np1 "$(calc "${other_sps[cartpole-a2c-np1]} / $a2c_flop_limit")" fraction \
    "reference=$a2c_flop_limit" \
    "note=cartpole_a2c_np1_steps_per_second (one run at 1 rank, pinned to core 0) ÷ cartpole_a2c_flop_limit_steps_per_second"
figure pendulum_ppo_fraction_of_flop_limit_np1 "$(calc "${other_sps[pendulum-ppo-np1]} / $pendulum_flop_limit")" fraction \
    "reference=$pendulum_flop_limit" \
    "note=pendulum_ppo_np1_steps_per_second (one run at 1 rank, pinned to core 0) ÷ pendulum_ppo_flop_limit_steps_per_second"
figure cartpole_ppo_steps_per_second_np2 "$cartpole_np2_sps" "env steps/s" \
    "note=mpirun -np 2 exptrain cartpole-ppo (4 envs × 128 steps per rank), 500k steps, median of ${#seeds[@]} seeds"
figure cartpole_ppo_seconds_to_475_np2 "$cartpole_np2_time" s \
    "reference=$python_time" "ratio=$(calc "$cartpole_np2_time / $python_time")" "reference_source=$python_note (its time to 475, 1 process)" \
    "note=trainer wall time (elapsed_seconds) at the first log point with episode_return_mean100 >= 475, mpirun -np 2, median of ${#seeds[@]} seeds: ${np2_time[*]}; issue's reference ≈ 51 s" \
    "target=< 10 s" "met=$(compare "$cartpole_np2_time" "<" 10)"
figure cartpole_ppo_mpirun_overhead_np2 "$(median "${np2_overhead[@]}")" s \
    "note=mpirun -np 2 exptrain cartpole-ppo: the whole command's wall time minus the trainer's final elapsed_seconds (MPI start-up, set-up, exit), median of ${#seeds[@]}; add it to the time to 475 for a cold-start figure"
figure cartpole_ppo_steps_to_475_np2 "$cartpole_np2_steps" "env steps" \
    "reference=$python_steps" "ratio=$(calc "$cartpole_np2_steps / $python_steps")" "reference_source=$python_note" \
    "note=environment steps (all ranks) at the first log point with episode_return_mean100 >= 475 (log points every 4096 steps)"
figure cartpole_ppo_weak_scaling_efficiency_np2 "$efficiency" fraction \
    "note=steps/s at 2 ranks (${weak_np2_sps}; environmentsPerProcess=4 and totalSteps=1M, so each rank runs the 1-rank run: its 4 environments, 500k steps, minibatches of 128) ÷ 2 × steps/s at 1 rank (${cartpole_np1_sps}), medians of ${#seeds[@]}" \
    "target=>= 0.95" "met=$(compare "$efficiency" ">=" 0.95)"
figure cartpole_ppo_slower_of_two_independent_runs_fraction "$(median "${pair_fraction[@]}")" fraction \
    "note=two 1-rank cartpole-ppo runs at once on cores 0 and 1, no MPI: the slower one's steps/s ÷ the 1-rank run's just before, median of ${#seeds[@]} (${pair_fraction[*]}); the weak-scaling efficiency a job whose ranks wait for each other can reach on this machine"
figure cartpole_ppo_peak_rss_per_rank "$cartpole_rss_max" MB \
    "note=largest peak resident memory (VmHWM via /usr/bin/time) of any rank over the cartpole-ppo runs at 1 and 2 ranks; median $cartpole_rss MB" \
    "target=<= 50 MB" "met=$(compare "$cartpole_rss_max" "<=" 50)"
figure minigrid_empty_ppo_steps_per_second_np2 "$grid_np2_sps" "frames/s" \
    "reference=1400" "ratio=$(calc "$grid_np2_sps / 1400")" "reference_source=issue" \
    "note=mpirun -np 2 exptrain minigrid-empty-ppo (feed-forward, 8 envs × 32 steps per rank, 100k steps), median of ${#seeds[@]} seeds; reference: AllenAct 0.5.4 MiniGrid tutorial (GRU), as stated in the issue" \
    "target=ratio >= 20" "met=$(compare "$(calc "$grid_np2_sps / 1400")" ">=" 20)"
figure minigrid_empty_ppo_seconds_to_0_95_np2 "$grid_np2_time" s \
    "reference=206" "ratio=$(calc "$grid_np2_time / 206")" "reference_source=issue" \
    "note=trainer wall time at the first log point with episode_return_mean100 >= 0.95, median of ${#seeds[@]} seeds: ${grid_time[*]}; reference: AllenAct's whole 151,552-step tutorial run (issue)" \
    "target=< 10 s" "met=$(compare "$grid_np2_time" "<" 10)"
figure minigrid_empty_ppo_peak_rss_per_rank "$(printf '%s\n' "${grid_rss[@]}" | sort -g | tail -1)" MB \
    "note=largest peak resident memory of any rank, minigrid-empty-ppo at 2 ranks"
figure cartpole_ppo_steps_per_second_np2_weak "$weak_np2_sps" "env steps/s" \
    "note=mpirun -np 2, --config environmentsPerProcess=4 --config totalSteps=1000000, median of ${#seeds[@]} seeds"
for label in cartpole-a2c-np1 cartpole-a2c-np2 pendulum-ppo-np1 pendulum-ppo-np2 minigrid-empty-ppo-np1 minigrid-doorkey-ppo-np1 minigrid-doorkey-ppo-np2 minigrid-doorkey-dagger-np1 minigrid-doorkey-dagger-np2; do
    figure "${label//-/_}_steps_per_second" "${other_sps[$label]}" "env steps/s" \
        "note=${other_note[$label]}; peak RSS per rank ${other_rss[$label]:-?} MB"
done
figure atari_ppo_steps_per_second_np2 "$atari_np2_sps" "env steps/s" \
    "reference=$atari_ref_sps" "ratio=$(calc "$atari_np2_sps / $atari_ref_sps")" "reference_source=$atari_ref_source, $atari_steps steps" \
    "note=mpirun -np 2 exptrain atari-ppo --max-steps $atari_steps (4 envs × 128 steps per rank, 2 cores against CleanRL's 1); $atari_note"
figure atari_ppo_steps_per_second_np1 "$atari_np1_sps" "env steps/s" \
    "reference=$atari_ref_short_sps" "ratio=$(calc "$atari_np1_sps / $atari_ref_short_sps")" "reference_source=$atari_ref_source, $atari_short steps" \
    "note=exptrain atari-ppo at 1 rank (8 envs × 128 steps), --max-steps $atari_short, taskset -c 0: the rate per core; $atari_note"
figure atari_ppo_score_mean100_np2 "$atari_np2_score" "game score" \
    "reference=$atari_random" "ratio=$(calc "$atari_np2_score / $atari_random")" \
    "reference_source=a uniformly random policy, 100 episodes with the same preprocessing (scripts/baselines/atari_random_policy.py)" \
    "note=episode_return_mean100 (game scores) at the end of the $atari_steps-step run at 2 ranks; CleanRL's at as many steps: $atari_ref_score" \
    "target=above the random policy's" "met=$(compare "$atari_np2_score" ">" "$atari_random")"
figure machine_load_average_at_end "$(load_average)" "runnable tasks (1 min)" "note=/proc/loadavg after the benchmarks; above the core count, other work shared the cores"
exit 0
}
