#!/usr/bin/env python3
"""Reference trajectories for Tests/ExptrainTasksTests/MiniGridTrajectoryTests.swift, from MiniGrid itself.

Python is only an oracle here, never a runtime dependency of exptrain. Re-run with

    python3 -m venv /tmp/oracle && /tmp/oracle/bin/pip install minigrid
    /tmp/oracle/bin/python scripts/oracles/minigrid_trajectory_reference.py

It builds one DoorKey-like 6×6 level by hand (x right, y down):

    W W W W W W
    W A . W . W      A: agent at (1, 1) facing down
    W . . L . W      L: locked yellow door
    W K . W . W      K: yellow key
    W . . W G W      G: goal
    W W W W W W

steps action sequences through it (max_steps 360, occluded view, as DoorKey-6x6)
and prints after every step: agent x, y, direction, reward (repr), terminated,
truncated, and the FNV-1a 64-bit digest of the observation image's bytes in numpy
C order (image[x][y][channel]).
"""
import random

import minigrid
from minigrid.core.grid import Grid
from minigrid.core.mission import MissionSpace
from minigrid.core.world_object import Door, Goal, Key, Wall
from minigrid.minigrid_env import MiniGridEnv


class HandBuiltDoorKey(MiniGridEnv):
    def __init__(self):
        super().__init__(mission_space=MissionSpace(mission_func=lambda: ""), grid_size=6, max_steps=360)

    def _gen_grid(self, width, height):
        self.grid = Grid(width, height)
        self.grid.wall_rect(0, 0, width, height)
        self.grid.vert_wall(3, 0)
        self.grid.set(3, 2, Door("yellow", is_locked=True))
        self.grid.set(1, 3, Key("yellow"))
        self.grid.set(4, 4, Goal())
        self.agent_pos = (1, 1)
        self.agent_dir = 1


def digest(image):
    value = 0xCBF29CE484222325
    for byte in image.astype("uint8").tobytes():
        value = ((value ^ byte) * 0x100000001B3) % (1 << 64)
    return value


def run(name, actions):
    env = HandBuiltDoorKey()
    obs, _ = env.reset(seed=0)
    print(f"# {name}")
    print(f"start: digest=0x{digest(obs['image']):016x}")
    for step, action in enumerate(actions, start=1):
        obs, reward, terminated, truncated, _ = env.step(action)
        x, y = (int(v) for v in env.agent_pos)
        print(f"{step} action={action}: ({x}, {y}, {env.agent_dir}) reward={reward!r} "
              f"terminated={terminated} truncated={truncated} digest=0x{digest(obs['image']):016x}")
        if terminated or truncated:
            break


print("minigrid", minigrid.__version__)
# forward, toggle the key (nothing), pickup, turn to face right, drop, bump into the key,
# pickup, forward, toggle ×2 (open, close), bump, toggle, through the door, to the goal.
run("scripted", [2, 5, 3, 0, 4, 2, 3, 2, 5, 5, 2, 5, 2, 2, 1, 2, 2])
rng = random.Random(0)
run("random", [rng.randrange(7) for _ in range(60)])
