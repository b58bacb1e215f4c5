"""Small Gymnasium environments for exptrain's bridge tests, registered on import, so
that `--config env=exptrain_test_envs:ExptrainTest/Counting-v0` (Gymnasium's
`module:id` syntax) makes them once this folder is on PYTHONPATH."""

import os
import time

import gymnasium as gym
import numpy as np
from gymnasium import spaces


def _this_rank(rank):
    return rank < 0 or os.environ.get("EXPTRAIN_RANK") == str(rank)


class Counting(gym.Env):
    """Observation [step of the episode, episode index, seed's draw] (float64); reward =
    the step number; action 1 at step ≥ 3 terminates; TimeLimit truncates at 5 steps.
    The exact values let a test check autoreset and final observations."""

    observation_space = spaces.Box(-np.inf, np.inf, (3,), np.float64)
    action_space = spaces.Discrete(2)

    def __init__(self):
        self.episode = -1
        self.steps = 0
        self.draw = 0.0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.episode += 1
        self.steps = 0
        self.draw = float(self.np_random.integers(0, 1000))
        return self._observation(), {}

    def step(self, action):
        self.steps += 1
        terminated = bool(action == 1 and self.steps >= 3)
        return self._observation(), float(self.steps), terminated, False, {"is_success": terminated}

    def _observation(self):
        return np.array([self.steps, self.episode, self.draw], dtype=np.float64)


class MultiDiscreteMatch(gym.Env):
    """Match a target shown as two one-hots with a MultiDiscrete([3, 2]) action: reward 1
    for the first component right, 0.5 for the second; 32 steps per episode."""

    observation_space = spaces.Box(0, 1, (5,), np.float32)
    action_space = spaces.MultiDiscrete([3, 2])

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._draw()
        return self._observation(), {}

    def step(self, action):
        reward = float(action[0] == self.target[0]) + 0.5 * float(action[1] == self.target[1])
        self._draw()
        return self._observation(), reward, False, False, {}

    def _draw(self):
        self.target = (int(self.np_random.integers(3)), int(self.np_random.integers(2)))

    def _observation(self):
        observation = np.zeros(5, dtype=np.float32)
        observation[self.target[0]] = 1
        observation[3 + self.target[1]] = 1
        return observation


class DictReach(gym.Env):
    """A dictionary observation of Float32, Float64 and Discrete parts: move a point on a
    5×5 grid to a goal with Discrete(5) (stay, ±x, ±y)."""

    observation_space = spaces.Dict({
        "position": spaces.Box(0, 4, (2,), np.float32),
        "goal": spaces.Box(0, 4, (2,), np.float64),
        "parity": spaces.Discrete(2),
    })
    action_space = spaces.Discrete(5)
    moves = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)]

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.position = self.np_random.integers(0, 5, 2)
        self.goal = self.np_random.integers(0, 5, 2)
        return self._observation(), {}

    def step(self, action):
        self.position = np.clip(self.position + self.moves[int(action)], 0, 4)
        reached = bool((self.position == self.goal).all())
        return self._observation(), 1.0 if reached else -0.05, reached, False, {}

    def _observation(self):
        return {"position": self.position.astype(np.float32), "goal": self.goal.astype(np.float64),
                "parity": int(self.position.sum() % 2)}


class Pixels(gym.Env):
    """Bytes and Booleans beside floats: an image of uint8 whose values count the steps,
    a Boolean mask and a float level; actions from Discrete(3, start=1)."""

    observation_space = spaces.Dict({
        "image": spaces.Box(0, 255, (3, 4, 2), np.uint8),
        "mask": spaces.Box(0, 1, (3,), np.bool_),
        "level": spaces.Box(-10, 10, (1,), np.float32),
    })
    action_space = spaces.Discrete(3, start=1)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.steps = 0
        self.last_action = 0
        return self._observation(), {}

    def step(self, action):
        assert 1 <= int(action) <= 3, action
        self.steps += 1
        self.last_action = int(action)
        return self._observation(), 0.0, self.steps >= 4, False, {}

    def _observation(self):
        image = ((np.arange(24) + 7 * self.steps) % 256).astype(np.uint8).reshape(3, 4, 2)
        mask = np.array([self.steps % 2 == 1, True, False])
        return {"image": image, "mask": mask, "level": np.array([self.last_action], dtype=np.float32)}


class Raising(gym.Env):
    """CartPole's spaces; on rank `rank` (any when -1) step `raise_after` raises."""

    observation_space = spaces.Box(-1, 1, (4,), np.float32)
    action_space = spaces.Discrete(2)

    def __init__(self, raise_after=100, rank=-1):
        self.raise_after, self.rank, self.total = raise_after, rank, 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(4, dtype=np.float32), {}

    def step(self, action):
        self.total += 1
        if self.total >= self.raise_after and _this_rank(self.rank):
            raise ValueError(f"exptrain test environment raised on purpose after {self.total} steps")
        return np.zeros(4, dtype=np.float32), 1.0, self.total % 20 == 0, False, {}


class Sleeping(Raising):
    """CartPole's spaces; on rank `rank` step `sleep_after` writes the time to `mark` and
    sleeps for an hour."""

    def __init__(self, sleep_after=100, rank=-1, mark=""):
        super().__init__(raise_after=10**12, rank=rank)
        self.sleep_after, self.mark = sleep_after, mark

    def step(self, action):
        if self.total + 1 >= self.sleep_after and _this_rank(self.rank):
            if self.mark:
                with open(self.mark, "w") as file:
                    file.write(repr(time.time()))
            time.sleep(3600)
        return super().step(action)


class TupleObservation(Raising):
    observation_space = spaces.Tuple((spaces.Discrete(2), spaces.Discrete(3)))


gym.register("ExptrainTest/Counting-v0", entry_point=Counting, max_episode_steps=5)
gym.register("ExptrainTest/MultiDiscreteMatch-v0", entry_point=MultiDiscreteMatch, max_episode_steps=32)
gym.register("ExptrainTest/DictReach-v0", entry_point=DictReach, max_episode_steps=40)
gym.register("ExptrainTest/Pixels-v0", entry_point=Pixels)
gym.register("ExptrainTest/Raising-v0", entry_point=Raising)
gym.register("ExptrainTest/Sleeping-v0", entry_point=Sleeping)
gym.register("ExptrainTest/Tuple-v0", entry_point=TupleObservation)
