#!/usr/bin/env bash
# scripts/run-local.sh N TAG [exptrain options…]
# Runs N ranks of `exptrain TAG` on this machine (oversubscribing when N exceeds the
# cores, and allowing root where needed), with Open MPI's TCP keepalive settings
# (scripts/common.sh; they matter once a hostfile adds other nodes). Builds release first.
set -euo pipefail
source "$(dirname "$0")/common.sh"
if [ $# -lt 2 ]; then
    echo "usage: scripts/run-local.sh N TAG [exptrain options…]" >&2
    exit 2
fi
np=$1
tag=$2
shift 2
exptrain_install_dependencies
exptrain_mpi_keepalive
cd "$exptrain_root"
swift build -c release --product exptrain >&2
binary=$(swift build -c release --show-bin-path)/exptrain
oversubscribe=()
[ "$np" -gt "$(nproc)" ] && oversubscribe=(--oversubscribe)
exec mpirun -np "$np" "${oversubscribe[@]}" "$binary" "$tag" "$@"
