"""PyTorch's reference for exptrain-bench's `conv` group: the same encoders, the same work.

The Nature-CNN (CleanRL's ppo_atari.py network: 32·8×8/4, 64·4×4/2, 64·3×3/1, Linear 512,
ReLU after each) on uint8 frames [128, 4, 84, 84] and MinAtar's network (16·3×3/1, Linear
128) on [128, 4, 10, 10]: images scaled by 1/255, forward, sum(w*y), backward into the
parameters' gradients (the images need none). CPU, one thread, PyTorch's own NCHW layout.
Prints one line per network, "<name> <median milliseconds of --rounds repetitions>".
"""
import argparse
import time

import torch
import torch.nn as nn


def encoder(channels, convolutions, side, output):
    layers = []
    for out_channels, kernel, stride in convolutions:
        layers += [nn.Conv2d(channels, out_channels, kernel, stride=stride), nn.ReLU()]
        channels = out_channels
        side = (side - kernel) // stride + 1
    layers += [nn.Flatten(), nn.Linear(channels * side * side, output), nn.ReLU()]
    return nn.Sequential(*layers)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    batch = 128
    cases = [
        ("nature_cnn", encoder(4, [(32, 8, 4), (64, 4, 2), (64, 3, 1)], 84, 512), 84),
        ("minatar_cnn", encoder(4, [(16, 3, 1)], 10, 128), 10),
    ]
    for name, network, side in cases:
        frames = torch.randint(0, 256, (batch, 4, side, side), dtype=torch.uint8)
        weights = torch.randn(batch, network[-2].out_features)

        def step():
            network.zero_grad(set_to_none=False)
            (network(frames.float() / 255) * weights).sum().backward()

        step()
        times = []
        for _ in range(arguments.rounds):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
        times.sort()
        print(name, 1e3 * times[len(times) // 2], flush=True)


if __name__ == "__main__":
    main()
