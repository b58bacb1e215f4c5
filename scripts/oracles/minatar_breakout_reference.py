#!/usr/bin/env python3
"""Episodes of `MinAtar/Breakout-v1` from the `minatar` package, with the random draws it made.

The oracle of Tests/ExptrainGymnasiumTests/MinAtarBreakoutOracleTests.swift, which runs it
with the bridge's Python (EXPTRAIN_PYTHON, the venv of scripts/common.sh) and replays every
episode in exptrain's native `MinAtarBreakoutGame` and `StickyActions` with the same draws:
the ball's start (`randint(2)` in `reset`) and the sticky-action draw (`rand()` in `act`)
are recorded from MinAtar's own generator, so the two agree step for step although their
generators differ. Python is only an oracle here, never a dependency of the native task.

    python scripts/oracles/minatar_breakout_reference.py --episodes 200 --seed 3

Prints JSON lines: first {"minatar": version, "max_episode_steps": the registration's
limit, "actions": n}, then one object per episode: "ball_start" (0 or 1), "last_action"
(MinAtar's last executed action when the episode starts), "policy", "reset" (the reset
observation) and "steps", each [agent action, sticky draw, observation, reward, terminated,
truncated]. An observation is the 400 bytes of `state()` (10x10x4, HWC, 0/1) in hex.
Half of the episodes take uniformly random actions; the other half follow the ball (so
they break many bricks, clear the wall and see it refilled), cut at --max-steps.
"""
import argparse
import json
from importlib.metadata import version

import gymnasium as gym
import numpy as np
from minatar.gym import register_envs


class RecordingRandom:
    """Stands in for MinAtar's `np.random.RandomState`, passing calls through and keeping what they returned."""

    def __init__(self, random):
        self.random = random
        self.ball_starts = []
        self.draws = []

    def randint(self, *args, **kwargs):
        value = self.random.randint(*args, **kwargs)
        self.ball_starts.append(int(value))
        return value

    def rand(self, *args):
        value = self.random.rand(*args)
        self.draws.append(float(value))
        return value


def hex_state(observation):
    return np.asarray(observation, dtype=np.uint8).tobytes().hex()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--episodes", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-steps", type=int, default=3000)
    args = parser.parse_args()

    register_envs()
    env = gym.make("MinAtar/Breakout-v1")
    env.reset(seed=args.seed)
    game = env.unwrapped.game
    recorder = RecordingRandom(game.random)
    game.random = recorder
    game.env.random = recorder
    actions = np.random.default_rng(args.seed)
    print(json.dumps({"minatar": version("minatar"), "max_episode_steps": env.spec.max_episode_steps,
                      "actions": int(env.action_space.n)}))
    for episode in range(args.episodes):
        last_action = game.last_action
        observation, _ = env.reset()
        policy = "random" if episode % 2 == 0 else "follow"
        record = {"ball_start": recorder.ball_starts[-1], "last_action": int(last_action), "policy": policy,
                  "reset": hex_state(observation), "steps": []}
        for _ in range(args.max_steps):
            if policy == "random":
                action = int(actions.integers(3))
            else:
                ball, paddle = game.env.ball_x, game.env.pos
                action = 0 if ball == paddle else (1 if ball < paddle else 2)
            observation, reward, terminated, truncated, _ = env.step(action)
            record["steps"].append([action, recorder.draws[-1], hex_state(observation), float(reward),
                                    bool(terminated), bool(truncated)])
            if terminated or truncated:
                break
        print(json.dumps(record))


if __name__ == "__main__":
    main()
