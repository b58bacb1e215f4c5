"""rejax PPO on gymnax's CartPole-v1 (JAX on CPU, the whole training loop one XLA
program): the compiled reference that scripts/bench.sh measures next to exptrain's
cartpole-ppo. Run it pinned to one core with one XLA thread, as bench.sh does:

    XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \
        taskset -c 0 python rejax_ppo_cartpole.py --seed 1

Settings are CleanRL's ppo.py as far as rejax has them: 4 environments × 128 steps,
4 epochs × 4 minibatches, γ 0.99, GAE λ 0.95, clip 0.2, entropy 0.01, value 0.5, max
gradient norm 0.5, learning rate 2.5e-4, separate 64-64 tanh actor and critic, 500k steps.
rejax keeps the learning rate constant (CleanRL anneals it) and uses optax's Adam ε 1e-8.

Two programs, each compiled before it is timed, so compilation is reported apart:
- training only (rejax's periodic evaluation replaced by nothing): `steps_per_second`
  is total steps ÷ the compiled program's run time, `compile_seconds` its compilation;
- training with rejax's evaluation (128 episodes of the current policy every 4,096
  steps): `steps_to_475` is the first evaluation point whose mean return is ≥ 475, and
  `seconds_to_475` = steps_to_475 ÷ steps_per_second, the training time to get there
  (rejax does not record training episodes, so this is its evaluation mean, not a mean of
  the last 100 training episodes as for exptrain and CleanRL).

Prints one JSON object.
"""

import argparse
import json
import time

import jax
import numpy as np
import rejax

SETTINGS = dict(
    env="CartPole-v1", num_envs=4, num_steps=128, num_epochs=4, num_minibatches=4,
    gamma=0.99, gae_lambda=0.95, clip_eps=0.2, ent_coef=0.01, vf_coef=0.5, max_grad_norm=0.5,
    learning_rate=2.5e-4, agent_kwargs={"activation": "tanh", "hidden_layer_sizes": (64, 64)},
)


def compiled(algo, key):
    """The jitted train function compiled for `key`'s shape, and the seconds compilation took."""
    start = time.perf_counter()
    program = jax.jit(algo.train).lower(key).compile()
    return program, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--total-steps", type=int, default=500_000)
    arguments = parser.parse_args()
    key = jax.random.PRNGKey(arguments.seed)

    eval_freq = 4096
    train_only = rejax.PPO.create(total_timesteps=arguments.total_steps, eval_freq=eval_freq,
                                  skip_initial_evaluation=True, **SETTINGS)
    train_only = train_only.replace(eval_callback=lambda algo, state, rng: ())
    program, compile_seconds = compiled(train_only, key)
    start = time.perf_counter()
    state, _ = program(key)
    jax.block_until_ready(state)
    seconds = time.perf_counter() - start
    steps = int(state.global_step)

    with_evaluation = rejax.PPO.create(total_timesteps=arguments.total_steps, eval_freq=eval_freq,
                                       skip_initial_evaluation=True, **SETTINGS)
    program, _ = compiled(with_evaluation, key)
    _, (lengths, returns) = program(key)
    means = np.asarray(returns).mean(axis=-1)
    reached = np.nonzero(means >= 475)[0]
    steps_to_475 = int((reached[0] + 1) * eval_freq) if reached.size else None

    steps_per_second = steps / seconds
    print(json.dumps({
        "steps_per_second": steps_per_second,
        "compile_seconds": compile_seconds,
        "train_seconds": seconds,
        "steps": steps,
        "steps_to_475": steps_to_475,
        "seconds_to_475": steps_to_475 / steps_per_second if steps_to_475 else None,
        "final_evaluation_mean": float(means[-1]),
        "jax": jax.__version__,
        "rejax": getattr(rejax, "__version__", "0.1.3"),
    }))


if __name__ == "__main__":
    main()
