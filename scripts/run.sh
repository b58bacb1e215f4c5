#!/usr/bin/env bash
# scripts/run.sh [TAG] [NP] [exptrain options…]
# Installs what is missing, builds release, and runs `mpirun -np NP exptrain TAG`.
set -euo pipefail
source "$(dirname "$0")/common.sh"
tag=${1:-cartpole-ppo}
np=${2:-2}
shift $(( $# < 2 ? $# : 2 ))
exptrain_install_dependencies
cd "$exptrain_root"
swift build -c release --product exptrain
binary=$(swift build -c release --show-bin-path)/exptrain

oversubscribe=()
[ "$np" -gt "$(nproc)" ] && oversubscribe=(--oversubscribe)
if [ "$tag" = "--list" ]; then
    exec mpirun -np "$np" "${oversubscribe[@]}" "$binary" --list
fi
exec mpirun -np "$np" "${oversubscribe[@]}" "$binary" "$tag" "$@"
