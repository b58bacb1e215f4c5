#!/usr/bin/env python3
"""Writes the bridge's and the --config harness's seed corpora (Fuzz/corpus/bridge, config).

The bridge seeds are the frames a Gymnasium worker sends (gymnasium_worker.py's SPACES,
OBSERVATIONS, STEPPED and ERROR), for the spaces of CartPole-v1, Pendulum-v1, a MultiDiscrete
action and a Dict observation with a uint8 image; the first byte is the number of
environments less one. The safetensors seeds are real checkpoints of short runs
(`exptrain cartpole-ppo --max-steps 512`, `exptrain pendulum-ppo --max-steps 2048`), copied by hand.
"""
import json, os, struct

here = os.path.dirname(os.path.abspath(__file__))
SPACES, OBSERVATIONS, STEPPED, OBSERVATION, ERROR = 101, 102, 103, 104, 199


def frame(kind, payload):
    return struct.pack("<II", kind, len(payload)) + payload


def box(name, shape, low, high, element="float32"):
    size = 1
    for s in shape:
        size *= s
    return {"name": name, "shape": shape, "elementType": element, "low": [low] * size, "high": [high] * size}


def spaces(parts, action, dictionary=False, steps=500):
    return json.dumps({"gymnasium": "1.2.0", "python": "3.11.2", "observation": {"dictionary": dictionary, "parts": parts},
                       "action": action, "maxEpisodeSteps": steps}, allow_nan=False).encode()


def episode(n, floats, nbytes):
    """The frames of a reset and two steps, the second ending every episode."""
    observations = struct.pack(f"<{n * floats}f", *[0.01 * i for i in range(n * floats)]) + bytes(range(n * nbytes))
    frames = [frame(OBSERVATIONS, observations)]
    for flags in (0, 0b0110):
        stepped = struct.pack(f"<{n}d", *[1.0] * n) + struct.pack(f"<{2 * n * floats}f", *[0.5] * (2 * n * floats))
        stepped += bytes([flags] * n) + bytes([7] * (2 * n * nbytes))
        frames.append(frame(STEPPED, stepped))
    frames.append(frame(OBSERVATION, observations[: 4 * floats] + observations[4 * n * floats: 4 * n * floats + nbytes]))
    return b"".join(frames)


def write(folder, name, data):
    with open(os.path.join(here, "corpus", folder, name), "wb") as file:
        file.write(data)


cartpole = spaces([{"name": "observation", "shape": [4], "elementType": "float32",
                    "low": [-4.8, None, -0.41887903, None], "high": [4.8, None, 0.41887903, None]}], {"kind": "discrete", "n": 2})
write("bridge", "cartpole-2-envs", bytes([1]) + frame(SPACES, cartpole) + episode(2, 4, 0))
pendulum = spaces([box("observation", [3], -8.0, 8.0)], {"kind": "box", "shape": [1], "low": [-2.0], "high": [2.0]}, steps=200)
write("bridge", "pendulum-4-envs", bytes([3]) + frame(SPACES, pendulum) + episode(4, 3, 0))
multi = spaces([box("observation", [2, 3], 0.0, 1.0)], {"kind": "multiDiscrete", "counts": [3, 2, 4]}, steps=None)
write("bridge", "multidiscrete-1-env", bytes([0]) + frame(SPACES, multi) + episode(1, 6, 0))
image = spaces([box("goal", [2], -1.0, 1.0), box("rgb", [4, 4, 3], 0.0, 255.0, "uint8")], {"kind": "discrete", "n": 5}, dictionary=True)
write("bridge", "dict-image-2-envs", bytes([1]) + frame(SPACES, image) + episode(2, 2, 48))
failure = {"stage": "step", "message": "Traceback (most recent call last):\nValueError: bad action", "exitCode": 1}
write("bridge", "error-during-step", bytes([1]) + frame(SPACES, cartpole) + frame(ERROR, json.dumps(failure).encode()))
unknown = {"stage": "make", "message": "gymnasium.error.NameNotFound: Environment `Nope` doesn't exist.", "exitCode": 2}
write("bridge", "error-during-make", bytes([0]) + frame(ERROR, json.dumps(unknown).encode()))

configs = {
    "cartpole-settings": ["numSteps=256", "learningRate=2.5e-4", "environments=8", "numMiniBatch=4", "totalSteps=100_000"],
    "gym-environment": ["env=CartPole-v1", 'envKwargs={"max_episode_steps": 250}', "normalizeObservations=true",
                        "normalizeRewards=true", "envImports=a,b.c", "envSetup=minatar.gym:register_envs"],
    "per-process": ["environmentsPerProcess=2", "updateRepeats=2", "gamma=0.95", "gaeLambda=0.9", "maxGradNorm=0.5"],
    "bad-pairs": ["numSteps", "=3", "numSteps=1", "numSteps=2", "unknownKey=1"],
    "evaluation": ["validEpisodes=10", "testEpisodes=7", "saveInterval=4096"],
}
for name, lines in configs.items():
    write("config", name, "\n".join(lines).encode())
