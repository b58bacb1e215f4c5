#!/usr/bin/env python3
"""Reference numbers for Tests/ExptrainTasksTests/CartPoleTaskTests.swift, from Gymnasium itself.

Python is only an oracle here, never a runtime dependency of exptrain. Re-run with

    python3 -m venv /tmp/oracle && /tmp/oracle/bin/pip install gymnasium
    /tmp/oracle/bin/python scripts/oracles/cartpole_reference.py

Each case sets the unwrapped environment's state to a fixed start, steps a fixed
action sequence (or a policy) through `gym.make("CartPole-v1")` (so `TimeLimit`
truncates at 500), and prints every state with `repr`, which round-trips a float
exactly, so the Swift test can compare bit for bit.
"""
import gymnasium as gym


def run(start, policy, max_steps=600):
    env = gym.make("CartPole-v1")
    env.reset(seed=0)
    env.unwrapped.state = tuple(start)
    state = tuple(start)
    for step in range(1, max_steps + 1):
        _, reward, terminated, truncated, _ = env.step(policy(step, state))
        state = env.unwrapped.state
        yield step, state, reward, terminated, truncated
        if terminated or truncated:
            return


def show(name, rows, every_step=True):
    print(f"# {name}")
    for step, state, reward, terminated, truncated in rows:
        if every_step or terminated or truncated:
            print(f"{step}: ({', '.join(repr(float(v)) for v in state)}) "
                  f"reward={reward} terminated={terminated} truncated={truncated}")


print("gymnasium", gym.__version__)

# 1. A fixed mixed action sequence from a fixed state.
mixed_actions = [1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0, 0]
show("mixed", run((0.01, -0.02, 0.03, 0.04), lambda step, s: mixed_actions[step - 1], len(mixed_actions)))

# 2. Always pushing right from rest: the pole falls left and the episode terminates.
show("always right from rest", run((0.0, 0.0, 0.0, 0.0), lambda step, s: 1))

# 3. Always pushing left from a tilted start.
show("always left", run((-0.03, 0.02, -0.04, 0.01), lambda step, s: 0), every_step=False)

# 4. A balancing controller that survives until TimeLimit truncates at 500 steps.
def balance(step, s):
    x, x_dot, theta, theta_dot = s
    return 1 if theta + 0.5 * theta_dot + 0.01 * x + 0.1 * x_dot > 0 else 0

show("balanced", run((0.02, 0.0, -0.01, 0.0), balance), every_step=False)
