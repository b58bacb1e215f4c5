"""The parts CleanRL's PPO scripts share, for the bench's CleanRL-style references
(cleanrl_ppo_cartpole.py, cleanrl_ppo_atari.py): orthogonal layer initialisation, a
gymnasium SyncVectorEnv with CleanRL's same-step autoreset, GAE over a rollout, and the
clipped PPO update over shuffled minibatches, as CleanRL's ppo.py and ppo_atari.py write
them.
"""

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn


def layer_init(layer, std=np.sqrt(2), bias_const=0.0):
    torch.nn.init.orthogonal_(layer.weight, std)
    torch.nn.init.constant_(layer.bias, bias_const)
    return layer


def make_envs(thunks, seed):
    """A SyncVectorEnv of `thunks`. CleanRL was written for gymnasium's same-step
    autoreset; gymnasium 1.x defaults to next-step, so ask for the old behaviour where it
    exists."""
    kwargs = {}
    if hasattr(gym.vector, "AutoresetMode"):
        kwargs["autoreset_mode"] = gym.vector.AutoresetMode.SAME_STEP
    envs = gym.vector.SyncVectorEnv(thunks, **kwargs)
    envs.action_space.seed(seed)
    return envs


def advantages_and_returns(rewards, values, dones, next_value, next_done, gamma, gae_lambda):
    """GAE(λ) over a rollout [steps, envs]; returns (advantages, advantages + values)."""
    num_steps = rewards.shape[0]
    with torch.no_grad():
        next_value = next_value.reshape(1, -1)
        advantages = torch.zeros_like(rewards)
        lastgaelam = 0
        for t in reversed(range(num_steps)):
            if t == num_steps - 1:
                nextnonterminal = 1.0 - next_done
                nextvalues = next_value
            else:
                nextnonterminal = 1.0 - dones[t + 1]
                nextvalues = values[t + 1]
            delta = rewards[t] + gamma * nextvalues * nextnonterminal - values[t]
            advantages[t] = lastgaelam = delta + gamma * gae_lambda * nextnonterminal * lastgaelam
        return advantages, advantages + values


def ppo_update(agent, optimizer, batch, *, minibatch_size, update_epochs, clip_coef, ent_coef, vf_coef, max_grad_norm,
               observations=lambda x: x):
    """`update_epochs` passes over `batch` (obs, logprobs, actions, advantages, returns,
    values, flattened over steps and envs) in shuffled minibatches: advantage
    normalisation, the clipped policy and value losses, entropy, gradient clipping, Adam.
    `observations` turns a minibatch of stored observations into the network's input."""
    b_obs, b_logprobs, b_actions, b_advantages, b_returns, b_values = batch
    batch_size = b_logprobs.shape[0]
    b_inds = np.arange(batch_size)
    for _ in range(update_epochs):
        np.random.shuffle(b_inds)
        for start in range(0, batch_size, minibatch_size):
            mb_inds = b_inds[start:start + minibatch_size]
            _, newlogprob, entropy, newvalue = agent.get_action_and_value(observations(b_obs[mb_inds]), b_actions.long()[mb_inds])
            ratio = (newlogprob - b_logprobs[mb_inds]).exp()
            mb_advantages = b_advantages[mb_inds]
            mb_advantages = (mb_advantages - mb_advantages.mean()) / (mb_advantages.std() + 1e-8)
            pg_loss = torch.max(-mb_advantages * ratio, -mb_advantages * torch.clamp(ratio, 1 - clip_coef, 1 + clip_coef)).mean()
            newvalue = newvalue.view(-1)
            v_loss_unclipped = (newvalue - b_returns[mb_inds]) ** 2
            v_clipped = b_values[mb_inds] + torch.clamp(newvalue - b_values[mb_inds], -clip_coef, clip_coef)
            v_loss_clipped = (v_clipped - b_returns[mb_inds]) ** 2
            v_loss = 0.5 * torch.max(v_loss_unclipped, v_loss_clipped).mean()
            loss = pg_loss - ent_coef * entropy.mean() + v_loss * vf_coef
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), max_grad_norm)
            optimizer.step()
