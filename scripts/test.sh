#!/usr/bin/env bash
# Installs what is missing, builds, runs the unit tests, then the tests that launch
# real mpirun jobs of the built binary.
set -euo pipefail
source "$(dirname "$0")/common.sh"
exptrain_install_dependencies
exptrain_install_gymnasium
# The bridge's tests skip without Gymnasium; here it was installed, so they must run.
export EXPTRAIN_REQUIRE_GYMNASIUM=1
cd "$exptrain_root"

swift build --build-tests
# onnxruntime, the oracle of the ONNX export checks (CNNActorCritic's in the unit tests, every exported experiment's in the integration tests).
EXPTRAIN_ONNX_PYTHON=$(exptrain_onnx_python)
export EXPTRAIN_ONNX_PYTHON
echo "== unit tests"
swift test --skip-build --disable-swift-testing --skip IntegrationTests
echo "== the README's custom-experiment example: its own package, trained under mpirun -np 2"
example=Examples/CustomExperiment
swift build --package-path "$example"
output=$(mktemp -d)
trap 'rm -rf "$output"' EXIT
example_learns() {  # tag, then an extended regular expression the summary matches when it learned
    local summary
    summary=$(mpirun -np 2 "$(swift build --package-path "$example" --show-bin-path)/my-exptrain" "$1" \
        --seed 1 --quiet --output-dir "$output")
    echo "$summary"
    if grep -Eq "$2" <<<"$summary"; then echo "example: $1 learned"; else echo "example: $1 did not learn" >&2; exit 1; fi
}
example_learns chain-ppo "success_mean100 1\.0"
# Box actions, a dictionary observation and the package's own loss term, whose
# diagnostic must reach metrics.jsonl without exptrain knowing it.
example_learns reach-ppo "success_mean100 (0\.9[5-9]|1\.0)"
grep -q '"action_magnitude"' "$output"/reach-ppo/*/metrics.jsonl || { echo "example: the own loss's diagnostic is missing from metrics.jsonl" >&2; exit 1; }
# exptrain rollout of the trained Gaussian policy: each action is the list the task
# received, clipped to the Box [-1, 1]², and the observation a dictionary of its parts.
"$(swift build --package-path "$example" --show-bin-path)/my-exptrain" rollout reach-ppo --seed 2 --episodes 3 \
    --checkpoint "$(ls "$output"/reach-ppo/*/checkpoints/*.safetensors | tail -1)" --out "$output/reach.jsonl"
python3 - "$output/reach.jsonl" <<'PY'
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1])]
steps = [line for line in lines if line["action"] is not None]
assert steps and all(set(line["observation"]) == {"position", "goal"} for line in lines), "dictionary observations"
assert all(len(s["action"]) == 2 and all(-1 <= a <= 1 for a in s["action"]) for s in steps), "Box actions, clipped"
for before, after in zip(lines, lines[1:]):
    if after["action"] is None:
        continue  # a new episode starts
    # ReachTask moves by 0.1 × the action it received, inside the box: the action written is that one.
    expected = [min(1, max(-1, p + 0.1 * a)) for p, a in zip(before["observation"]["position"], after["action"])]
    assert all(abs(e - p) < 1e-5 for e, p in zip(expected, after["observation"]["position"])), (before, after)
print(f"example: reach-ppo rollout wrote {len(steps)} steps of Box actions within [-1, 1] and dictionary observations")
PY

echo "== fuzzing smoke: 20,000 inputs per parser of outside input (scripts/fuzz.sh runs 1,000,000)"
bash scripts/fuzz.sh 20000

echo "== parameter digests: the experiments that learned before the core was opened, and those added since"
bash scripts/digest-check.sh

echo "== MPI integration tests (mpirun -np 2 and -np 3 of the built exptrain), and onnxruntime on exported policies"
swift test --skip-build --disable-swift-testing --filter IntegrationTests
