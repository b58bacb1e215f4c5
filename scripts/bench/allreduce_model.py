"""The all-reduce part of docs/performance.md's performance model, as a table.

Ring all-reduce of n bytes over p ranks (reduce-scatter then all-gather, 2(p−1) steps,
each moving n/p bytes per rank):

    T_ring(p, n) = 2(p−1)·α + 2·(p−1)/p · n/B

α is the per-message latency, B the link bandwidth. Assumed links (stated, not measured
here: this machine has no network): 10 Gb/s Ethernet with TCP, α = 25 µs, B = 1.25 GB/s;
100 Gb/s with RDMA (InfiniBand/RoCE), α = 3 µs, B = 12.5 GB/s. Every minibatch makes one
all-reduce of the whole flat gradient buffer, so an update costs allreduces × T_ring.

    python3 scripts/bench/allreduce_model.py

The second table is the large-model case at 128 and 1,024 ranks: one all-reduce of the
whole buffer after backward, against k buckets all-reduced while backward still runs
(PyTorch DDP's and Horovod's design). With Rabenseifner's algorithm (reduce-scatter by
recursive halving, all-gather by doubling: latency 2·log₂p·α instead of the ring's
2(p−1)·α, the same bandwidth term) a bucket takes c = 2·log₂p·α + 2·(p−1)/p·(n/k)/B. If the
k buckets become ready evenly during a backward pass of T_b and go out one after another,
the last one finishes T_b/k + k·c after backward starts when the link is the bottleneck
(c ≥ T_b/k), else c after backward ends; the exposed time (what the update waits for
after its backward) is

    T_exposed = max(T_b/k + k·c − T_b, c)

T_b is that of one minibatch of 128 rows through an MLP of that size at 100 GFLOP/s
(4 · parameters · 128 FLOP for the backward's two products per layer).
"""

import math

LINKS = {"10 Gb/s": (25e-6, 1.25e9), "100 Gb/s": (3e-6, 12.5e9)}
# name: (parameters, all-reduces per update, env steps per update per rank)
MODELS = {
    "cartpole-ppo (MLP 64-64)": (9_155, 16, 512),
    "minigrid-empty-ppo": (76_008, 16, 256),
    "minigrid-doorkey-ppo (GRU)": (100_968, 16, 1024),
    "1M parameters": (1_000_000, 16, None),
    "10M parameters": (10_000_000, 16, None),
}


def ring(p, n, latency, bandwidth):
    return 2 * (p - 1) * latency + 2 * (p - 1) / p * n / bandwidth


def main():
    print("| model | bytes per all-reduce | all-reduces per update | bytes per update | link | p = 8 | p = 128 | p = 1024 |")
    print("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |")
    for name, (parameters, count, _) in MODELS.items():
        n = 4 * parameters
        for link, (latency, bandwidth) in LINKS.items():
            times = [count * ring(p, n, latency, bandwidth) * 1e3 for p in (8, 128, 1024)]
            print(f"| {name} | {n:,} | {count} | {n * count:,} | {link} | "
                  + " | ".join(f"{t:,.2f} ms" for t in times) + " |")


def rabenseifner(p, n, latency, bandwidth):
    return 2 * math.log2(p) * latency + 2 * (p - 1) / p * n / bandwidth


def exposed(p, n, buckets, backward, latency, bandwidth):
    per_bucket = rabenseifner(p, n / buckets, latency, bandwidth)
    return max(backward / buckets + buckets * per_bucket - backward, per_bucket)


def bucketed():
    print()
    print("| model | link | p | ring, whole buffer | Rabenseifner, whole buffer | 4 buckets overlapped | 16 buckets overlapped |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for parameters in (10_000_000, 100_000_000):
        n = 4 * parameters
        backward = 4 * parameters * 128 / 100e9
        for link, (latency, bandwidth) in LINKS.items():
            for p in (128, 1024):
                cells = [ring(p, n, latency, bandwidth), rabenseifner(p, n, latency, bandwidth),
                         exposed(p, n, 4, backward, latency, bandwidth), exposed(p, n, 16, backward, latency, bandwidth)]
                print(f"| {parameters // 1_000_000}M parameters (backward {backward * 1e3:.0f} ms) | {link} | {p:,} | "
                      + " | ".join(f"{t * 1e3:,.1f} ms" for t in cells) + " |")


if __name__ == "__main__":
    main()
    bucketed()
