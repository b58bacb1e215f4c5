"""CleanRL-style PPO on CartPole-v1 (PyTorch, CPU, one thread): the reference that
scripts/bench.sh measures next to exptrain's cartpole-ppo.

The structure and hyperparameters are those of CleanRL's ppo.py: 4 environments in a
gymnasium SyncVectorEnv × 128 steps, learning rate 2.5e-4 annealed linearly to 0 over
500k steps, γ 0.99, GAE λ 0.95, 4 minibatches, 4 epochs, advantage normalisation,
clip 0.2 (policy and value), entropy 0.01, value 0.5, max gradient norm 0.5, Adam ε 1e-5,
separate 64-64 tanh actor and critic with orthogonal initialisation.

Prints one JSON object: steps per second over the run, and the wall time and steps when
the mean return of the last 100 episodes first reached 475 (null if it never did within
--max-steps). The run stops at 475 unless --full is given, so the step budget bounds
the time this script takes.
"""

import argparse
import json
import random
import time
from collections import deque

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
from torch.distributions.categorical import Categorical

from cleanrl_ppo import advantages_and_returns, layer_init, make_envs, ppo_update


class Agent(nn.Module):
    def __init__(self, observation_size, action_count):
        super().__init__()
        self.critic = nn.Sequential(
            layer_init(nn.Linear(observation_size, 64)), nn.Tanh(),
            layer_init(nn.Linear(64, 64)), nn.Tanh(),
            layer_init(nn.Linear(64, 1), std=1.0),
        )
        self.actor = nn.Sequential(
            layer_init(nn.Linear(observation_size, 64)), nn.Tanh(),
            layer_init(nn.Linear(64, 64)), nn.Tanh(),
            layer_init(nn.Linear(64, action_count), std=0.01),
        )

    def get_value(self, x):
        return self.critic(x)

    def get_action_and_value(self, x, action=None):
        logits = self.actor(x)
        probs = Categorical(logits=logits)
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action), probs.entropy(), self.critic(x)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--total-timesteps", type=int, default=500_000, help="the learning-rate schedule's length")
    parser.add_argument("--max-steps", type=int, default=500_000, help="stop after this many steps")
    parser.add_argument("--full", action="store_true", help="keep going after reaching 475")
    args = parser.parse_args()

    num_envs, num_steps, num_minibatches, update_epochs = 4, 128, 4, 4
    learning_rate, gamma, gae_lambda = 2.5e-4, 0.99, 0.95
    clip_coef, ent_coef, vf_coef, max_grad_norm = 0.2, 0.01, 0.5, 0.5
    batch_size = num_envs * num_steps
    minibatch_size = batch_size // num_minibatches
    num_iterations = args.total_timesteps // batch_size

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    device = torch.device("cpu")

    envs = make_envs([lambda: gym.make("CartPole-v1") for _ in range(num_envs)], args.seed)
    observation_size = envs.single_observation_space.shape[0]
    agent = Agent(observation_size, envs.single_action_space.n).to(device)
    optimizer = torch.optim.Adam(agent.parameters(), lr=learning_rate, eps=1e-5)

    obs = torch.zeros((num_steps, num_envs, observation_size))
    actions = torch.zeros((num_steps, num_envs))
    logprobs = torch.zeros((num_steps, num_envs))
    rewards = torch.zeros((num_steps, num_envs))
    dones = torch.zeros((num_steps, num_envs))
    values = torch.zeros((num_steps, num_envs))

    recent_returns = deque(maxlen=100)
    episode_return = np.zeros(num_envs)
    reached = None

    global_step = 0
    start_time = time.time()
    next_obs, _ = envs.reset(seed=args.seed)
    next_obs = torch.Tensor(next_obs)
    next_done = torch.zeros(num_envs)

    for iteration in range(1, num_iterations + 1):
        if global_step >= args.max_steps or (reached and not args.full):
            break
        frac = 1.0 - (iteration - 1.0) / num_iterations
        optimizer.param_groups[0]["lr"] = frac * learning_rate

        for step in range(num_steps):
            global_step += num_envs
            obs[step] = next_obs
            dones[step] = next_done
            with torch.no_grad():
                action, logprob, _, value = agent.get_action_and_value(next_obs)
                values[step] = value.flatten()
            actions[step] = action
            logprobs[step] = logprob
            next_obs, reward, terminations, truncations, _ = envs.step(action.cpu().numpy())
            next_done_np = np.logical_or(terminations, truncations)
            rewards[step] = torch.tensor(reward).view(-1)
            next_obs, next_done = torch.Tensor(next_obs), torch.Tensor(next_done_np)
            episode_return += reward
            for e in np.nonzero(next_done_np)[0]:
                recent_returns.append(episode_return[e])
                episode_return[e] = 0
                if reached is None and len(recent_returns) == 100 and np.mean(recent_returns) >= 475:
                    reached = (time.time() - start_time, global_step)

        with torch.no_grad():
            next_value = agent.get_value(next_obs)
        advantages, returns = advantages_and_returns(rewards, values, dones, next_value, next_done, gamma, gae_lambda)
        batch = (obs.reshape((-1, observation_size)), logprobs.reshape(-1), actions.reshape(-1), advantages.reshape(-1),
                 returns.reshape(-1), values.reshape(-1))
        ppo_update(agent, optimizer, batch, minibatch_size=minibatch_size, update_epochs=update_epochs, clip_coef=clip_coef,
                   ent_coef=ent_coef, vf_coef=vf_coef, max_grad_norm=max_grad_norm)

    elapsed = time.time() - start_time
    envs.close()
    print(json.dumps({
        "seed": args.seed,
        "steps": global_step,
        "seconds": elapsed,
        "steps_per_second": global_step / elapsed,
        "seconds_to_475": reached[0] if reached else None,
        "steps_to_475": reached[1] if reached else None,
        "torch": torch.__version__,
        "gymnasium": gym.__version__,
        "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
