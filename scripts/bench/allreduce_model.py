"""The all-reduce part of docs/performance.md's performance model, as a table.

Ring all-reduce of n bytes over p ranks (reduce-scatter then all-gather, 2(p−1) steps,
each moving n/p bytes per rank):

    T_ring(p, n) = 2(p−1)·α + 2·(p−1)/p · n/B

α is the per-message latency, B the link bandwidth. Assumed links (stated, not measured
here: this machine has no network): 10 Gb/s Ethernet with TCP, α = 25 µs, B = 1.25 GB/s;
100 Gb/s with RDMA (InfiniBand/RoCE), α = 3 µs, B = 12.5 GB/s. Every minibatch makes one
all-reduce of the whole flat gradient buffer, so an update costs allreduces × T_ring.

    python3 scripts/bench/allreduce_model.py
"""

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


if __name__ == "__main__":
    main()
