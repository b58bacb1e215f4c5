#!/usr/bin/env bash
# scripts/cluster-tests/slurm.sh
# A real Slurm test of scripts/slurm/exptrain.sbatch on this one machine.
#
# Installs Debian's Slurm and munge if missing, starts a private single-node cluster
# as root without systemd (munged, slurmctld and slurmd with their key, sockets, state,
# spool and logs under a mktemp folder, on their own ports), then:
#   1. submits a short run with mpirun and checks its exit state, metrics and checkpoint;
#   2. the same with EXPTRAIN_LAUNCHER=srun (srun --mpi=pmix);
#   3. srun --mpi=none and --mpi=pmi2, which do not make one MPI world with this
#      Open MPI: the script must refuse (exit 2) before training;
#   4. submits a longer run, preempts it with `scancel --signal=USR1 --batch` once it
#      has logged metrics, and checks that it checkpointed, requeued itself
#      (SLURM_RESTART_COUNT=1), resumed from that checkpoint and finished.
# Everything it started is stopped on exit (trap), and the folder removed
# (EXPTRAIN_KEEP_TEST_FOLDER=1 keeps it for a post-mortem).
# Last line: "N passed, M failed". Exit 0 if all passed, 1 if not, 77 if this machine
# cannot run it (not root, no apt-get).
#
# EXPTRAIN_BIN=path tests that binary instead of building the repository's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../common.sh"
source "$here/lib.sh"
if [ $# -ne 0 ]; then
    echo "usage: scripts/cluster-tests/slurm.sh   (no arguments; EXPTRAIN_BIN=path to skip the build)" >&2
    exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIPPED: slurm.sh starts slurmctld/slurmd/munged as root and must run as root" >&2
    exit "$skip_status"
fi

exptrain_install_dependencies
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
    || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    echo "installing: slurmctld slurmd slurm-client munge" >&2
    if ! command -v apt-get >/dev/null; then
        echo "SKIPPED: Slurm is not installed and there is no apt-get to install it" >&2
        exit "$skip_status"
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null
fi
binary=$(exptrain_test_binary)
sbatch_script=$exptrain_root/scripts/slurm/exptrain.sbatch

work=$(mktemp -d /tmp/exptrain-slurm.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/munge" "$work/state" "$work/spool" "$work/log" "$work/jobs"
chmod 700 "$work/munge"

# Stops only what this script started: its jobs, its daemons (by their pid files),
# then removes its folder. Runs on every exit, also after a failure or Ctrl-C.
teardown() {
    set +e
    if [ -n "${SLURM_CONF:-}" ] && [ -f "$work/slurmctld.pid" ]; then
        local jobs
        jobs=$(squeue -h -o %i 2>/dev/null)
        if [ -n "$jobs" ]; then
            scancel $jobs 2>/dev/null
            wait_until 30 bash -c '[ -z "$(squeue -h -o %i 2>/dev/null)" ]'
        fi
        # Processes of steps that did not end (ranks stuck in a collective): listed
        # by slurmd itself, so nothing outside this cluster is touched.
        local pids
        pids=$(scontrol listpids 2>/dev/null | awk 'NR > 1 && $1 ~ /^[0-9]+$/ {print $1}')
        [ -n "$pids" ] && kill -9 $pids 2>/dev/null
    fi
    local pidfile pid
    for pidfile in "$work/slurmd.pid" "$work/slurmctld.pid" "$work/munge/munged.pid"; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null
        wait_until 10 bash -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null
    done
    if [ "${EXPTRAIN_KEEP_TEST_FOLDER:-0}" = 1 ]; then
        echo "kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap teardown EXIT
trap 'exit 130' INT TERM

# --- the cluster -------------------------------------------------------------------
# munged with its own key and socket, so the machine's munge (if any) is untouched.
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munged -f --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" \
    --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" \
    --seed-file="$work/munge/munged.seed"

# Two free ports, so a real Slurm on a developer's machine is not disturbed.
port_free() { ! ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }
ctld_port=$((16000 + RANDOM % 4000))
while ! port_free "$ctld_port" || ! port_free $((ctld_port + 1)); do ctld_port=$((ctld_port + 2)); done
node_line=$(slurmd -C | head -n 1)
node_name=$(printf '%s\n' "$node_line" | sed -n 's/^NodeName=\([^ ]*\).*/\1/p')
export SLURM_CONF=$work/slurm.conf
cat > "$SLURM_CONF" <<CONF
ClusterName=exptraintest
SlurmctldHost=$node_name(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$((ctld_port + 1))
# Root without systemd or cgroups: the daemons run as root, track processes by
# parentage and bind no tasks.
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire: a requeued job may start only after its old credential expired; the
# default 120 s would delay every restart by two minutes.
AuthInfo=socket=$work/munge/munge.socket,cred_expire=10
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
# Keep finished jobs visible to scontrol long enough to check them.
MinJobAge=3600
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
MailProg=/bin/true
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$node_name Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -f "$SLURM_CONF" -i
slurmd -f "$SLURM_CONF"
node_idle() { sinfo -h -n "$node_name" -o %T 2>/dev/null | grep -qx idle; }
check "cluster: node $node_name idle within 60 s" wait_until 60 node_idle
if [ "$failed" -ne 0 ]; then
    tail -n 20 "$work/log/slurmctld.log" "$work/log/slurmd.log" >&2 || true
    finish || exit 1
fi

# --- helpers -----------------------------------------------------------------------
job_field() { scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
job_ended() {
    case $(job_field "$1" JobState) in
        COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED) return 0 ;;
        *) return 1 ;;
    esac
}
# submit NAME [sbatch options] -- exptrain arguments: prints the job id.
submit() {
    local name=$1
    shift
    local options=()
    while [ "$1" != -- ]; do options+=("$1"); shift; done
    shift
    sbatch --parsable --job-name="$name" --nodes=1 --ntasks-per-node=2 \
        --chdir="$work/jobs" --output="$work/jobs/$name-%j.out" "${options[@]}" \
        "$sbatch_script" "$@" | cut -d';' -f1
}
steps_of() { grep -o '"step":[0-9]*' "$1" 2>/dev/null | cut -d: -f2; }
last_step() { steps_of "$1" | tail -n 1; }
increasing() { steps_of "$1" | awk 'NR > 1 && $1 <= last {bad = 1} {last = $1} END {exit bad || NR == 0}'; }
run_folder() { find "$1" -mindepth 2 -maxdepth 2 -type d 2>/dev/null | sort | tail -n 1; }
show_log() { echo "--- $1"; sed 's/^/    /' "$1" 2>/dev/null | tail -n "${2:-30}"; }

# --- 1. a short run with mpirun ----------------------------------------------------
short_run() {
    local name=$1 launcher=$2
    local out=$work/runs-$name
    local id
    id=$(EXPTRAIN_BIN=$binary EXPTRAIN_LAUNCHER=$launcher submit "$name" -- \
        cartpole-ppo --max-steps 20000 --seed 1 --quiet --output-dir "$out")
    echo "submitted $name: job $id ($launcher)"
    local started=$SECONDS
    check "$name: job $id ended within 180 s" wait_until 180 job_ended "$id"
    echo "$name: job $id took $((SECONDS - started)) s from submit to end"
    local log=$work/jobs/$name-$id.out run
    run=$(run_folder "$out")
    check "$name: JobState COMPLETED (got $(job_field "$id" JobState))" [ "$(job_field "$id" JobState)" = COMPLETED ]
    check "$name: ExitCode 0:0 (got $(job_field "$id" ExitCode))" [ "$(job_field "$id" ExitCode)" = 0:0 ]
    check "$name: log says one MPI world of 2 ranks via $launcher" grep -q "MPI world: 2 ranks on .* via $launcher" "$log"
    check "$name: log has SLURM_RESTART_COUNT=0" grep -q 'SLURM_RESTART_COUNT=0 ' "$log"
    check "$name: metrics.jsonl reaches step 20000 (last $(last_step "$run/metrics.jsonl"))" \
        [ "$(last_step "$run/metrics.jsonl" || echo 0)" -ge 20000 ]
    has_checkpoint() { compgen -G "$run/checkpoints/step-*.safetensors" >/dev/null; }
    check "$name: a checkpoint was written" has_checkpoint
    check "$name: config.json records world size 2" grep -q '"world_size" *: *2' "$run/config.json"
    show_log "$log" 8
}
short_run short-mpirun mpirun
short_run short-srun-pmix srun

# --- 3. launches that would not be one MPI world are refused ----------------------
# With this Open MPI, srun --mpi=none (a plain srun here) and --mpi=pmi2 fail at
# MPI_Init; elsewhere a plain srun starts one-rank jobs. Either way: exit 2, no run.
for mpi in none pmi2; do
    name=srun-$mpi
    bad_id=$(EXPTRAIN_BIN=$binary EXPTRAIN_LAUNCHER=srun EXPTRAIN_SRUN_MPI=$mpi submit "$name" -- \
        cartpole-ppo --max-steps 20000 --output-dir "$work/runs-$name")
    echo "submitted $name: job $bad_id (srun --mpi=$mpi)"
    check "$name: job $bad_id ended within 180 s" wait_until 180 job_ended "$bad_id"
    check "$name: JobState FAILED, ExitCode 2:0 (got $(job_field "$bad_id" JobState) $(job_field "$bad_id" ExitCode))" \
        [ "$(job_field "$bad_id" JobState) $(job_field "$bad_id" ExitCode)" = "FAILED 2:0" ]
    check "$name: the log explains the refusal" \
        grep -q "error: .*Slurm has 2 tasks. With srun use --mpi=pmix\|separate one-rank MPI jobs" "$work/jobs/$name-$bad_id.out"
    check "$name: no training run was started" [ ! -e "$work/runs-$name" ]
    show_log "$work/jobs/$name-$bad_id.out" 3
done

# --- 4. preempt, requeue, resume, finish --------------------------------------------
# cartpole-ppo's full 500k steps take ~25 s on 2 ranks here: long enough to preempt
# after the first log points, short enough to finish well within the timeouts.
out=$work/runs-preempt
total=500000
id=$(EXPTRAIN_BIN=$binary submit preempt -- cartpole-ppo --max-steps "$total" --seed 2 --quiet --output-dir "$out")
log=$work/jobs/preempt-$id.out
echo "submitted preempt: job $id"
has_metrics() {
    local run
    run=$(run_folder "$out")
    [ -n "$run" ] && [ "$(last_step "$run/metrics.jsonl" || echo 0)" -ge 40000 ]
}
if gate "preempt: job $id logged metrics past step 40000 within 180 s" wait_until 180 has_metrics; then
    run=$(run_folder "$out")
    before=$(last_step "$run/metrics.jsonl")
    scancel --signal=USR1 --batch "$id"
    signalled_at=$SECONDS
    echo "preempt: sent USR1 to the batch shell of job $id at logged step $before"
    restarted() { grep -q 'SLURM_RESTART_COUNT=1 ' "$log"; }
    # A job that ended without being requeued will not restart: stop waiting then.
    restarted_or_over() { restarted || { job_ended "$id" && [ "$(job_field "$id" Restarts)" = 0 ]; }; }
    wait_until 240 restarted_or_over || true
    check "preempt: job $id requeued and restarted (SLURM_RESTART_COUNT=1) within 240 s" restarted
    restarted && echo "preempt: restarted $((SECONDS - signalled_at)) s after the signal"
    finished() { job_ended "$id" && [ "$(job_field "$id" Restarts)" -ge 1 ]; }
    if restarted; then
        check "preempt: job $id finished within 300 s of the restart" wait_until 300 finished
        echo "preempt: finished $((SECONDS - signalled_at)) s after the signal"
    fi
    check "preempt: the ranks exited 75 after SIGUSR1" grep -q 'exptrain exited with 75 after SIGUSR1' "$log"
    check "preempt: the script requeued the job" grep -q 'preempted: checkpoint written; requeueing' "$log"
    check "preempt: JobState COMPLETED, ExitCode 0:0, Restarts 1 (got $(job_field "$id" JobState) $(job_field "$id" ExitCode) $(job_field "$id" Restarts))" \
        [ "$(job_field "$id" JobState) $(job_field "$id" ExitCode) $(job_field "$id" Restarts)" = "COMPLETED 0:0 1" ]
    resumed_from=$(grep -o '"resumed_from_steps" *: *[0-9]*' "$run/config.json" 2>/dev/null | grep -o '[0-9]*$' || echo 0)
    echo "preempt: resumed from step $resumed_from (signal sent at logged step $before)"
    resumed_mid_run() { [ "$resumed_from" -ge "$before" ] && [ "$resumed_from" -lt "$total" ]; }
    check "preempt: the restart resumed from a checkpoint at or after step $before (resumed_from_steps $resumed_from)" \
        resumed_mid_run
    check "preempt: the checkpoint it resumed from exists" \
        [ -f "$run/checkpoints/step-$(printf '%012d' "$resumed_from").safetensors" ]
    check "preempt: one run folder only (the restart continued it)" \
        [ "$(find "$out" -mindepth 2 -maxdepth 2 -type d | wc -l)" -eq 1 ]
    check "preempt: metrics.jsonl steps increase strictly across the restart" increasing "$run/metrics.jsonl"
    check "preempt: metrics.jsonl reaches step $total (last $(last_step "$run/metrics.jsonl"))" \
        [ "$(last_step "$run/metrics.jsonl" || echo 0)" -ge "$total" ]
fi
show_log "$log" 30

finish
