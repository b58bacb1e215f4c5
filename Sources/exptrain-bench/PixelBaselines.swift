import ExptrainEnvironment
import ExptrainOnPolicy
import ExptrainRandom
import ExptrainTasks

/// The reference points of the pixel experiments' targets (issue 13): the mean return of a
/// uniformly random policy on the native MinAtar Breakout (`MinAtar/Breakout-v1`), and the
/// memory of one rank's Atari rollout storage at CleanRL `ppo_atari`'s sizes (8
/// environments × 128 steps of 4×84×84 byte frames), from `RolloutStorage`'s own buffers.
/// `scripts/random-baselines.sh` prints these next to the Atari random policy's score.
func pixelBaselines() {
    let episodes = 100_000
    let sampler = MinAtarBreakoutTaskSampler(seed: 1)
    var generator = RandomGenerator(seed: 2)
    var returns = 0.0, squares = 0.0, steps = 0
    for _ in 0..<episodes {
        let task = sampler.nextTask()!
        while !task.isDone { _ = try! task.step(action: .discrete(generator.nextInt(below: 3))) }
        let episodeReturn = task.metrics().episodeReturn
        returns += episodeReturn
        squares += episodeReturn * episodeReturn
        steps += task.numStepsTaken
    }
    let mean = returns / Double(episodes)
    let standardError = ((squares / Double(episodes) - mean * mean) / Double(episodes)).squareRoot()
    report("minatar_breakout_random_policy_return_mean", value: mean, unit: "bricks per episode",
           extra: ["episodes": "\(episodes)", "standard_error": "\(standardError)", "length_mean": "\(Double(steps) / Double(episodes))"])

    let frames = ObservationSpace.box(Box(shape: [4, 84, 84], low: 0, high: 255, elementType: .uint8))
    let storage = RolloutStorage(steps: 128, environments: 8, observationSpace: frames, actionDimensions: 1, recurrentStateSize: 0)
    let observationBytes = storage.observationBytes.count
    let floatBufferSizes: [Int] = [
        storage.observationFloats.count, storage.masks.count, storage.actions.count, storage.expertActions.count,
        storage.logProbabilities.count, storage.values.count, storage.rewards.count, storage.episodeEnded.count,
        storage.bootstrapValues.count, storage.advantages.count, storage.returns.count, storage.initialHidden.count,
    ]
    let floatBuffers = floatBufferSizes.reduce(0, +)
    report("atari_rollout_observation_bytes_per_rank", value: Double(observationBytes), unit: "bytes",
           extra: ["formula": "(128 + 1) steps x 8 environments x 4 x 84 x 84 bytes"])
    report("atari_rollout_storage_bytes_per_rank", value: Double(observationBytes + 4 * floatBuffers), unit: "bytes",
           extra: ["float_buffers_bytes": "\(4 * floatBuffers)"])
}
