# Shared set-up for exptrain's scripts: sourced, not run.
# Installs what a fresh Debian machine lacks, puts Swift on PATH and lets mpirun
# run as root (CI and these sessions are root).

exptrain_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

exptrain_install_dependencies() {
    local missing=()
    command -v mpirun >/dev/null 2>&1 || missing+=(openmpi-bin)
    pkg-config --exists ompi-c 2>/dev/null || missing+=(libopenmpi-dev)
    pkg-config --exists openblas 2>/dev/null || missing+=(libopenblas-dev)
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing: ${missing[*]}" >&2
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo=sudo
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
            libopenmpi-dev openmpi-bin libopenblas-dev pkg-config >/dev/null
    fi
    if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
        export PATH=/opt/swift/usr/bin:$PATH
    fi
    command -v swift >/dev/null 2>&1 || { echo "swift not found: install a Swift 6 toolchain and put it on PATH" >&2; return 1; }
}

# The Python side of the Gymnasium bridge: a venv in .venv-gym with Gymnasium (classic
# control and MuJoCo), MinAtar (the oracle of the native MinAtar Breakout, and a user's
# package for the bridge), ale-py (Atari, with its ROMs) and OpenCV (which Gymnasium's
# AtariPreprocessing resizes with), made once; afterwards
# EXPTRAIN_PYTHON names its interpreter. Only bridged environments need it (README,
# "Gymnasium environments").
exptrain_install_gymnasium() {
    local venv="$exptrain_root/.venv-gym"
    if ! "$venv/bin/python" -c "import gymnasium.vector, mujoco, minatar.gym, ale_py, cv2; gymnasium.vector.AutoresetMode" >/dev/null 2>&1; then
        echo "installing Gymnasium, MinAtar and ale-py into $venv" >&2
        python3 -m venv "$venv" || { echo "python3 -m venv failed: install python3 and python3-venv" >&2; return 1; }
        "$venv/bin/pip" install --quiet --disable-pip-version-check "gymnasium[mujoco]>=1.1,<2" \
            minatar==1.0.15 ale-py==0.12.1 opencv-python-headless==5.0.0.93 >&2
    fi
    export EXPTRAIN_PYTHON="$venv/bin/python"
}

# Open MPI's TCP keepalive on the connections between mpirun and its daemons on other
# nodes, so that a node cut off from the network (cable, switch, frozen kernel) ends the
# job after 5 + 3 × 2 = 11 s instead of Open MPI's 300 + 9 × 20 s (docs/cluster.md).
# As environment variables, so they reach every mpirun a script starts; values already
# set stay. The Slurm and PBS scripts set the same three (they are copied to the spool
# and cannot source this file).
exptrain_mpi_keepalive() {
    export OMPI_MCA_oob_tcp_keepalive_time=${OMPI_MCA_oob_tcp_keepalive_time:-5}
    export OMPI_MCA_oob_tcp_keepalive_intvl=${OMPI_MCA_oob_tcp_keepalive_intvl:-2}
    export OMPI_MCA_oob_tcp_keepalive_probes=${OMPI_MCA_oob_tcp_keepalive_probes:-3}
}

# One rank per core: OpenBLAS's own threads would only oversubscribe the machine, and
# the library starts them when it loads, before exptrain can pin it to one thread.
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}

# mpirun refuses to start as root unless told twice that it is intended.
if [ "$(id -u)" -eq 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

# The Python of a venv with onnxruntime and onnx: the outside oracle that the checks of
# `exptrain export` run the exported files in (scripts/oracles/onnx_check.py). It is no
# dependency of exptrain. Made once under the user's cache folder and reused; prints
# the interpreter's path.
exptrain_onnx_python() {
    local venv=${EXPTRAIN_ONNX_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/exptrain/onnx-venv}
    if ! "$venv/bin/python" -c 'import onnxruntime, onnx, numpy' >/dev/null 2>&1; then
        echo "making $venv with onnxruntime and onnx (the oracle of the ONNX export checks)" >&2
        if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
            local sudo=""
            [ "$(id -u)" -eq 0 ] || sudo=sudo
            $sudo apt-get update -qq
            DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
        fi
        rm -rf "$venv"
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install --quiet --disable-pip-version-check onnxruntime==1.32.0 onnx==1.23.2 numpy >&2
    fi
    echo "$venv/bin/python"
}
