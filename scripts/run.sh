#!/usr/bin/env bash
# scripts/run.sh [TAG] [NP] [exptrain options…]
# The main job: builds release and runs `mpirun -np NP exptrain TAG`
# (defaults: cartpole-ppo on 2 ranks). Installs Open MPI and OpenBLAS if missing.
set -euo pipefail
tag=${1:-cartpole-ppo}
np=${2:-2}
shift $(( $# < 2 ? $# : 2 ))
exec "$(dirname "$0")/run-local.sh" "$np" "$tag" "$@"
