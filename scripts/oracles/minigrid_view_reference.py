#!/usr/bin/env python3
"""Reference views for Tests/ExptrainTasksTests/MiniGridViewTests.swift, from MiniGrid itself.

Python is only an oracle here, never a runtime dependency of exptrain. Re-run with

    python3 -m venv /tmp/oracle && /tmp/oracle/bin/pip install minigrid
    /tmp/oracle/bin/python scripts/oracles/minigrid_view_reference.py

It builds a small hand-made world (x right, y down; agent at (3, 3)):

    W W W W W W W
    W . . K . . W      K: red key
    W . W L . G W      L: locked yellow door, G: goal
    W . . A . . W
    W . C . W O W      C: closed blue door, O: open green door
    W W W W W W W

and prints MiniGrid's `gen_obs()["image"]` for several directions, one line per
view row y = 0...6, each cell as the three digits (object, colour, state) of
image[x][y] for x = 0...6.
"""
import minigrid
from minigrid.core.grid import Grid
from minigrid.core.mission import MissionSpace
from minigrid.core.world_object import Door, Goal, Key, Wall
from minigrid.minigrid_env import MiniGridEnv


class HandBuilt(MiniGridEnv):
    def __init__(self, see_through_walls):
        super().__init__(mission_space=MissionSpace(mission_func=lambda: ""), width=7, height=6,
                         max_steps=100, see_through_walls=see_through_walls)

    def _gen_grid(self, width, height):
        self.grid = Grid(width, height)
        self.grid.wall_rect(0, 0, width, height)
        self.grid.set(3, 1, Key("red"))
        self.grid.set(2, 2, Wall())
        self.grid.set(3, 2, Door("yellow", is_locked=True))
        self.grid.set(5, 2, Goal())
        self.grid.set(2, 4, Door("blue"))
        self.grid.set(4, 4, Wall())
        self.grid.set(5, 4, Door("green", is_open=True))
        self.agent_pos = (3, 3)
        self.agent_dir = 0


def show(name, see_through_walls, direction, carrying=None):
    env = HandBuilt(see_through_walls)
    env.reset(seed=0)
    env.agent_dir = direction
    env.carrying = carrying
    image = env.gen_obs()["image"]
    print(f"# {name}")
    for y in range(7):
        print(" ".join("".join(str(v) for v in image[x][y]) for x in range(7)))


print("minigrid", minigrid.__version__)
for direction, name in enumerate(["right", "down", "left", "up"]):
    show(f"facing {name}, occluded", False, direction)
show("facing up, seeing through walls", True, 3)
show("facing left, occluded, carrying a blue key", False, 2, Key("blue"))
