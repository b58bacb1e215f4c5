"""Stable-Baselines3 PPO on CartPole-v1 (PyTorch on CPU, one thread): a reference that
scripts/bench.sh measures next to exptrain's cartpole-ppo, with CleanRL's settings in
SB3's terms: 4 environments (DummyVecEnv) × 128 steps, 4 epochs of minibatches of 128
(4 per update), learning rate 2.5e-4 annealed linearly to 0, γ 0.99, GAE λ 0.95, clip 0.2,
entropy 0.01, value 0.5, max gradient norm 0.5, separate 64-64 tanh actor and critic
(SB3's orthogonal initialisation, Adam ε 1e-5), 500k steps.

Prints one JSON object: steps per second over the whole `learn` call, and the wall time
and steps when the mean return of the last 100 training episodes (SB3's episode buffer)
first reached 475 (null if it never did).
"""

import argparse
import json
import time

import gymnasium
import stable_baselines3
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env


class FirstMean475(BaseCallback):
    """Notes the wall time and step of the first step where the last 100 episodes average ≥ 475."""

    def __init__(self, start):
        super().__init__()
        self.start = start
        self.seconds = None
        self.steps = None

    def _on_step(self):
        buffer = self.model.ep_info_buffer
        if self.seconds is None and len(buffer) == 100 and sum(e["r"] for e in buffer) / 100 >= 475:
            self.seconds = time.perf_counter() - self.start
            self.steps = self.num_timesteps
        return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--total-steps", type=int, default=500_000)
    arguments = parser.parse_args()
    torch.set_num_threads(1)

    environments = make_vec_env("CartPole-v1", n_envs=4, seed=arguments.seed)
    model = PPO(
        "MlpPolicy", environments, n_steps=128, batch_size=128, n_epochs=4,
        learning_rate=lambda remaining: 2.5e-4 * remaining, gamma=0.99, gae_lambda=0.95, clip_range=0.2,
        ent_coef=0.01, vf_coef=0.5, max_grad_norm=0.5, stats_window_size=100, seed=arguments.seed, device="cpu",
        policy_kwargs=dict(net_arch=dict(pi=[64, 64], vf=[64, 64]), activation_fn=torch.nn.Tanh),
    )
    start = time.perf_counter()
    callback = FirstMean475(start)
    model.learn(total_timesteps=arguments.total_steps, callback=callback)
    seconds = time.perf_counter() - start
    print(json.dumps({
        "steps_per_second": model.num_timesteps / seconds,
        "steps": model.num_timesteps,
        "seconds_to_475": callback.seconds,
        "steps_to_475": callback.steps,
        "stable_baselines3": stable_baselines3.__version__,
        "torch": torch.__version__,
        "gymnasium": gymnasium.__version__,
    }))


if __name__ == "__main__":
    main()
