#!/usr/bin/env python3
"""The mean game score of a uniformly random policy on an Atari game, with the
preprocessing the README gives for `atari-ppo` (Gymnasium's own wrappers, in the order
`--config envWrappers=` applies them), played in Python directly, not through exptrain.

    .venv-gym/bin/python scripts/baselines/atari_random_policy.py --episodes 100 --seed 1

Prints one JSON object: the environment, the episodes, and the mean and standard error of
the game score (the unclipped sum of rewards over all lives, as CleanRL's
RecordEpisodeStatistics reports it and exptrain logs it).
"""
import argparse
import json

import ale_py
import gymnasium as gym
import numpy as np

# The settings of README's "Atari" section: CleanRL ppo_atari's, in Gymnasium's wrappers.
MAKE_KWARGS = {"frameskip": 1, "repeat_action_probability": 0.0}
WRAPPERS = [
    (gym.wrappers.AtariPreprocessing, {"noop_max": 30, "frame_skip": 4, "screen_size": 84,
                                       "terminal_on_life_loss": False, "grayscale_obs": True}),
    (gym.wrappers.FrameStackObservation, {"stack_size": 4}),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--env", default="ALE/Breakout-v5")
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    gym.register_envs(ale_py)
    env = gym.make(args.env, **MAKE_KWARGS)
    for wrapper, kwargs in WRAPPERS:
        env = wrapper(env, **kwargs)
    env.action_space.seed(args.seed)
    scores, lengths = [], []
    observation, _ = env.reset(seed=args.seed)
    assert observation.shape == (4, 84, 84) and observation.dtype == np.uint8, (observation.shape, observation.dtype)
    for _ in range(args.episodes):
        score, length, done = 0.0, 0, False
        while not done:
            _, reward, terminated, truncated, _ = env.step(env.action_space.sample())
            score += float(reward)
            length += 1
            done = terminated or truncated
        scores.append(score)
        lengths.append(length)
        env.reset()
    print(json.dumps({"env": args.env, "policy": "uniform random", "episodes": args.episodes,
                      "score_mean": float(np.mean(scores)), "score_standard_error": float(np.std(scores) / np.sqrt(len(scores))),
                      "length_mean": float(np.mean(lengths)), "observation": [4, 84, 84]}))


if __name__ == "__main__":
    main()
