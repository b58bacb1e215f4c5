#!/usr/bin/env bash
# The reference points of the pixel experiments' targets, one JSON object per line:
# a uniformly random policy's mean return on the native MinAtar Breakout (100,000
# episodes), the memory of one rank's Atari rollout storage at CleanRL ppo_atari's sizes
# (8 environments x 128 steps of 4x84x84 bytes), and a uniformly random policy's mean game
# score on ALE/Breakout-v5 with atari-ppo's preprocessing, played in Python directly.
#
#   scripts/random-baselines.sh [ATARI_EPISODES]      (default 100)
set -euo pipefail
source "$(dirname "$0")/common.sh"
exptrain_install_dependencies
exptrain_install_gymnasium
cd "$exptrain_root"
swift build -c release --product exptrain-bench >&2
"$(swift build -c release --show-bin-path)/exptrain-bench" pixel-baselines
"$EXPTRAIN_PYTHON" scripts/baselines/atari_random_policy.py --episodes "${1:-100}" --seed 1 2>/dev/null
