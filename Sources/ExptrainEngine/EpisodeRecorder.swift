import ExptrainExperiment
import ExptrainNN
import ExptrainRandom
import ExptrainTensor
import Foundation

/// `exptrain rollout`: plays episodes from the training sampler of process 0 and writes
/// every step as a JSON line, so a person (or a test) can look at a task.
///
/// Each episode starts with a line holding the reset observation and `"action": null`;
/// each step then writes `{"episode", "step", "observation", "action", "reward", "done", "truncated"}`.
/// Actions are uniformly random from `seed`, or sampled from a checkpoint's policy.
enum EpisodeRecorder {
    static func record<Experiment: ExperimentConfig>(
        _ experiment: Experiment, seed: UInt64, episodes: Int, output: String, checkpoint: String?, context: RunContext
    ) throws -> Int {
        guard episodes >= 1 else { throw ExperimentError("--episodes must be at least 1, got \(episodes)") }
        let slot = try ProcessSlot(rank: 0, worldSize: 1, localRank: 0, gpuIDs: [], seeds: [seed])
        let sampler = try experiment.makeSampler(try experiment.trainTaskSamplerArgs(slot))
        var policy: Experiment.Model?
        if let checkpoint {
            let model = try experiment.createModel(seed: seed)
            let file = try TrainerCheckpoint.readBroadcast(checkpoint, over: context.world)
            try TrainerCheckpoint.restoreParameters(from: file, path: checkpoint, tag: Experiment.tag, into: model.parameters)
            policy = model
        }
        guard FileManager.default.createFile(atPath: output, contents: nil), let handle = FileHandle(forWritingAtPath: output) else {
            throw ExptrainRunError("cannot write \(output); check the folder exists and is writable")
        }
        defer { try? handle.close() }

        var generator = RandomGenerator(seed: seed)
        var lines = 0
        for episode in 0..<episodes {
            guard let task = sampler.nextTask() else { break }
            var hidden = Tensor.zeros([1, policy?.recurrentStateSize ?? 0])
            var mask: Float = 0
            handle.write(line(episode: episode, step: 0, observation: task.currentObservation, action: nil, reward: nil, done: false, truncated: false))
            lines += 1
            while !task.isDone {
                let action: Int
                if let policy {
                    let output = withoutGradients {
                        policy.forward(
                            observations: Tensor(shape: [1, task.observationSpace.size], values: task.currentObservation),
                            masks: Tensor(shape: [1], values: [mask]), hidden: hidden, steps: 1, environments: 1)
                    }
                    action = Categorical(logits: output.logits).sample(using: &generator)[0]
                    hidden = output.hidden
                    mask = 1
                } else {
                    action = generator.nextInt(below: task.actionSpace.count)
                }
                let result = task.step(action: action)
                handle.write(line(
                    episode: episode, step: task.numStepsTaken, observation: result.observation, action: action,
                    reward: result.reward, done: result.done, truncated: result.truncated))
                lines += 1
            }
        }
        return lines
    }

    private static func line(
        episode: Int, step: Int, observation: [Float], action: Int?, reward: Float?, done: Bool, truncated: Bool
    ) -> Data {
        let values = observation.map { "\($0)" }.joined(separator: ",")
        let text = "{\"episode\":\(episode),\"step\":\(step),\"observation\":[\(values)],\"action\":\(action.map(String.init) ?? "null"),"
            + "\"reward\":\(reward.map { "\($0)" } ?? "null"),\"done\":\(done),\"truncated\":\(truncated)}\n"
        return Data(text.utf8)
    }
}

extension Engine {
    /// `exptrain rollout`: writes `episodes` episodes of `experimentType`'s training tasks
    /// to `output` as JSON lines; returns the number of lines.
    public static func recordEpisodes(
        _ experimentType: any ExperimentConfig.Type, seed: UInt64, episodes: Int, output: String, checkpoint: String?,
        configOverrides: [String], context: RunContext
    ) throws -> Int {
        try recordOpened(experimentType, seed: seed, episodes: episodes, output: output, checkpoint: checkpoint, configOverrides: configOverrides, context: context)
    }

    private static func recordOpened<Experiment: ExperimentConfig>(
        _: Experiment.Type, seed: UInt64, episodes: Int, output: String, checkpoint: String?, configOverrides: [String],
        context: RunContext
    ) throws -> Int {
        let overrides = try ConfigOverrides(configOverrides)
        let experiment = try Experiment(overrides: overrides)
        try overrides.checkAllKeysKnown(experiment: Experiment.tag)
        return try EpisodeRecorder.record(experiment, seed: seed, episodes: episodes, output: output, checkpoint: checkpoint, context: context)
    }
}
