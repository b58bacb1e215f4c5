import ExptrainNN
import ExptrainOnPolicy
import ExptrainTasks

/// The engine's rollout of cartpole-ppo on one rank, set up as `OnPolicyTrainer` sets it
/// up: a `RolloutCollector` over `CartPoleTaskSampler.trainingBatch(environments:)`, its
/// storage for `steps` steps, started (step 0 holds the first observations, masks 0).
func cartPoleCollector(
    model: any ActorCriticModel, environments: Int, steps: Int, samplerSeed: UInt64, seed: UInt64
) -> (collector: RolloutCollector, storage: RolloutStorage) {
    do {
        let batch = try CartPoleTaskSampler(seed: samplerSeed).trainingBatch(environments: environments)
        let collector = try RolloutCollector(batch: batch, model: model, seed: seed)
        let storage = collector.makeStorage(steps: steps)
        collector.start(into: storage)
        return (collector, storage)
    } catch {
        fatalError("exptrain-bench: the CartPole collector: \(error)")
    }
}

/// One rollout as `OnPolicyTrainer.update` collects it (γ 0.99: truncated episodes
/// bootstrap), counting the episodes that ended.
func collectRollout(_ collector: RolloutCollector, into storage: RolloutStorage, episodes: inout Int) {
    do {
        try collector.collect(into: storage, gamma: 0.99, episodeEnded: { _, _ in episodes += 1 })
    } catch {
        fatalError("exptrain-bench: a CartPole rollout: \(error)")
    }
}
