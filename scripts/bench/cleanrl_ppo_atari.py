"""CleanRL-style PPO on an Atari game (PyTorch, CPU, one thread): the reference that
scripts/bench.sh measures next to exptrain's atari-ppo.

The algorithm, network and hyperparameters are those of CleanRL's ppo_atari.py: the
Nature-CNN (32·8×8/4, 64·4×4/2, 64·3×3/1, Linear 512, ReLU, orthogonal initialisation,
actor gain 0.01, critic gain 1) on frames scaled by 1/255, 8 environments in a gymnasium
SyncVectorEnv × 128 steps, learning rate 2.5e-4 annealed linearly to 0 over
--total-timesteps (10M), γ 0.99, GAE λ 0.95, 4 minibatches, 4 epochs, advantage
normalisation, clip 0.1 (policy and value), entropy 0.01, value 0.5, max gradient norm
0.5, Adam ε 1e-5, trained on the sign of each reward. The environment is built exactly as
atari-ppo's defaults build it through exptrain's bridge: `ALE/Breakout-v5` with
frameskip 1 and no sticky actions, then Gymnasium's AtariPreprocessing (up to 30 no-ops,
4 frames per step, 84×84 grayscale, no life-loss terminals) and FrameStackObservation(4).

Prints one JSON object: steps, seconds and steps per second over the run, and the mean
game score of the last 100 finished episodes (null before the first).
"""

import argparse
import json
import random
import time
from collections import deque

import ale_py
import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
from torch.distributions.categorical import Categorical

from cleanrl_ppo import advantages_and_returns, layer_init, make_envs, ppo_update


class Agent(nn.Module):
    def __init__(self, action_count):
        super().__init__()
        self.network = nn.Sequential(
            layer_init(nn.Conv2d(4, 32, 8, stride=4)), nn.ReLU(),
            layer_init(nn.Conv2d(32, 64, 4, stride=2)), nn.ReLU(),
            layer_init(nn.Conv2d(64, 64, 3, stride=1)), nn.ReLU(),
            nn.Flatten(),
            layer_init(nn.Linear(64 * 7 * 7, 512)), nn.ReLU(),
        )
        self.actor = layer_init(nn.Linear(512, action_count), std=0.01)
        self.critic = layer_init(nn.Linear(512, 1), std=1)

    def get_value(self, x):
        return self.critic(self.network(x / 255.0))

    def get_action_and_value(self, x, action=None):
        hidden = self.network(x / 255.0)
        probs = Categorical(logits=self.actor(hidden))
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action), probs.entropy(), self.critic(hidden)


def make_env(env_id):
    def thunk():
        env = gym.make(env_id, frameskip=1, repeat_action_probability=0.0)
        env = gym.wrappers.AtariPreprocessing(env, noop_max=30, frame_skip=4, screen_size=84,
                                              terminal_on_life_loss=False, grayscale_obs=True)
        return gym.wrappers.FrameStackObservation(env, stack_size=4)
    return thunk


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-id", default="ALE/Breakout-v5")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--total-timesteps", type=int, default=10_000_000, help="the learning-rate schedule's length")
    parser.add_argument("--max-steps", type=int, default=200_704, help="stop after this many steps")
    args = parser.parse_args()

    num_envs, num_steps, num_minibatches, update_epochs = 8, 128, 4, 4
    learning_rate, gamma, gae_lambda = 2.5e-4, 0.99, 0.95
    clip_coef, ent_coef, vf_coef, max_grad_norm = 0.1, 0.01, 0.5, 0.5
    batch_size = num_envs * num_steps
    minibatch_size = batch_size // num_minibatches
    num_iterations = args.total_timesteps // batch_size

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)

    gym.register_envs(ale_py)
    envs = make_envs([make_env(args.env_id) for _ in range(num_envs)], args.seed)
    frame_shape = envs.single_observation_space.shape
    agent = Agent(envs.single_action_space.n)
    optimizer = torch.optim.Adam(agent.parameters(), lr=learning_rate, eps=1e-5)

    obs = torch.zeros((num_steps, num_envs) + frame_shape, dtype=torch.uint8)
    actions = torch.zeros((num_steps, num_envs))
    logprobs = torch.zeros((num_steps, num_envs))
    rewards = torch.zeros((num_steps, num_envs))
    dones = torch.zeros((num_steps, num_envs))
    values = torch.zeros((num_steps, num_envs))

    recent_scores = deque(maxlen=100)
    episode_score = np.zeros(num_envs)
    episodes = 0

    global_step = 0
    start_time = time.time()
    next_obs, _ = envs.reset(seed=args.seed)
    next_obs = torch.from_numpy(next_obs)
    next_done = torch.zeros(num_envs)

    for iteration in range(1, num_iterations + 1):
        if global_step >= args.max_steps:
            break
        frac = 1.0 - (iteration - 1.0) / num_iterations
        optimizer.param_groups[0]["lr"] = frac * learning_rate

        for step in range(num_steps):
            global_step += num_envs
            obs[step] = next_obs
            dones[step] = next_done
            with torch.no_grad():
                action, logprob, _, value = agent.get_action_and_value(next_obs.float())
                values[step] = value.flatten()
            actions[step] = action
            logprobs[step] = logprob
            next_obs, reward, terminations, truncations, _ = envs.step(action.numpy())
            next_done_np = np.logical_or(terminations, truncations)
            rewards[step] = torch.tensor(np.sign(reward), dtype=torch.float32)
            next_obs, next_done = torch.from_numpy(next_obs), torch.Tensor(next_done_np)
            episode_score += reward
            for e in np.nonzero(next_done_np)[0]:
                recent_scores.append(episode_score[e])
                episode_score[e] = 0
                episodes += 1

        with torch.no_grad():
            next_value = agent.get_value(next_obs.float())
        advantages, returns = advantages_and_returns(rewards, values, dones, next_value, next_done, gamma, gae_lambda)
        batch = (obs.reshape((-1,) + frame_shape), logprobs.reshape(-1), actions.reshape(-1), advantages.reshape(-1),
                 returns.reshape(-1), values.reshape(-1))
        ppo_update(agent, optimizer, batch, minibatch_size=minibatch_size, update_epochs=update_epochs, clip_coef=clip_coef,
                   ent_coef=ent_coef, vf_coef=vf_coef, max_grad_norm=max_grad_norm, observations=lambda x: x.float())

    elapsed = time.time() - start_time
    envs.close()
    print(json.dumps({
        "seed": args.seed,
        "steps": global_step,
        "seconds": elapsed,
        "steps_per_second": global_step / elapsed,
        "episodes": episodes,
        "score_mean100": float(np.mean(recent_scores)) if recent_scores else None,
        "torch": torch.__version__,
        "gymnasium": gym.__version__,
        "ale_py": ale_py.__version__,
        "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
