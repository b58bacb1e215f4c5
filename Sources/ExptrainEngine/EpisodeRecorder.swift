import ExptrainEnvironment
import ExptrainExperiment
import ExptrainNN
import ExptrainOnPolicy
import ExptrainRandom
import Foundation

/// `exptrain rollout`: plays episodes from the training sampler of process 0 and writes
/// every step as a JSON line, so a person (or a test) can look at a task.
///
/// Each episode starts with a line holding the reset observation and `"action": null`;
/// each step then writes `{"episode", "step", "observation", "action", "reward", "done", "truncated"}`.
/// The observation is a list of numbers for a single Box, or an object of named lists for
/// a dictionary. The action is what the task received: an index for `Discrete`, a list for
/// `MultiDiscrete` and `Box` (after clipping to the box). Actions are uniformly random from
/// `seed`, or sampled from a checkpoint's policy through the engine's `PolicyStepper`.
enum EpisodeRecorder {
    static func record<Experiment: ExperimentConfig>(
        _ experiment: Experiment, seed: UInt64, episodes: Int, output: String, checkpoint: String?, context: RunContext
    ) throws -> Int {
        guard episodes >= 1 else { throw ExperimentError("--episodes must be at least 1, got \(episodes)") }
        let slot = try ProcessSlot(rank: 0, worldSize: 1, localRank: 0, gpuIDs: [], seeds: [seed])
        let sampler = try experiment.makeSampler(try experiment.trainTaskSamplerArgs(slot))
        var stepper: PolicyStepper?
        var normalizer: ObservationNormalizer?
        if let checkpoint {
            let policy = try TrainerCheckpoint.restorePolicy(experiment, path: checkpoint, seed: seed, world: context.world)
            normalizer = policy.observationNormalizer
            stepper = PolicyStepper(model: policy.model, environments: 1)
        }
        guard FileManager.default.createFile(atPath: output, contents: nil), let handle = FileHandle(forWritingAtPath: output) else {
            throw ExptrainRunError("cannot write \(output); check the folder exists and is writable")
        }
        defer { try? handle.close() }

        var generator = RandomGenerator(seed: seed)
        var lines = 0
        for episode in 0..<episodes {
            guard let task = try sampler.nextTask() else { break }
            if let stepper {
                try stepper.model.distributionHead.check(actionSpace: task.actionSpace)
                stepper.resetState()
            }
            var mask: Float = 0
            let space = task.observationSpace
            handle.write(line(episode: episode, step: 0, observation: task.currentObservation, space: space, action: nil, reward: nil, done: false, truncated: false))
            lines += 1
            while !task.isDone {
                let action: Action
                if let stepper {
                    var observation = task.currentObservation
                    if let normalizer { observation.floats.withUnsafeMutableBufferPointer { normalizer.normalize($0) } }
                    observation.floats.withUnsafeBufferPointer { floats in
                        observation.bytes.withUnsafeBufferPointer { bytes in
                            withUnsafePointer(to: &mask) {
                                stepper.act(ObservationRows(floats: floats, bytes: bytes, rows: 1), masks: UnsafeBufferPointer(start: $0, count: 1))
                            }
                        }
                    }
                    stepper.sampleActions(using: &generator)
                    action = task.actionSpace.action(fromStored: stepper.action(of: 0))
                    mask = 1
                } else {
                    action = randomAction(in: task.actionSpace, using: &generator)
                }
                let result = try task.step(action: action)
                handle.write(line(
                    episode: episode, step: task.numStepsTaken, observation: result.observation, space: space, action: action,
                    reward: result.reward, done: result.done, truncated: result.truncated))
                lines += 1
            }
        }
        return lines
    }

    /// An action drawn uniformly from `space` (a Box with an infinite bound draws from a standard normal there).
    static func randomAction(in space: ActionSpace, using generator: inout RandomGenerator) -> Action {
        switch space {
        case .discrete(let count):
            return .discrete(generator.nextInt(below: count))
        case .multiDiscrete(let counts):
            return .multiDiscrete(counts.map { generator.nextInt(below: $0) })
        case .box(let box):
            return .continuous((0..<box.size).map { i in
                let (low, high) = (box.low[i], box.high[i])
                guard low.isFinite && high.isFinite else { return generator.nextNormal() }
                return low + (high - low) * generator.nextUniform()
            })
        }
    }

    private static func line(
        episode: Int, step: Int, observation: Observation, space: ObservationSpace, action: Action?, reward: Float?,
        done: Bool, truncated: Bool
    ) -> Data {
        let text = "{\"episode\":\(episode),\"step\":\(step),\"observation\":\(json(observation, space)),\"action\":\(action.map(json) ?? "null"),"
            + "\"reward\":\(reward.map { "\($0)" } ?? "null"),\"done\":\(done),\"truncated\":\(truncated)}\n"
        return Data(text.utf8)
    }

    private static func json(_ observation: Observation, _ space: ObservationSpace) -> String {
        func list(_ part: ObservationPart) -> String {
            let size = part.box.size
            if part.box.elementType == .uint8 {
                let start = space.byteOffset(of: part.name)!
                return "[" + observation.bytes[start..<(start + size)].map { "\($0)" }.joined(separator: ",") + "]"
            }
            let start = space.floatOffset(of: part.name)!
            return "[" + observation.floats[start..<(start + size)].map { "\($0)" }.joined(separator: ",") + "]"
        }
        guard space.isDictionary else { return list(space.parts[0]) }
        return "{" + space.parts.map { "\"\($0.name)\":\(list($0))" }.joined(separator: ",") + "}"
    }

    private static func json(_ action: Action) -> String {
        switch action {
        case .discrete(let index): "\(index)"
        case .multiDiscrete(let indices): "[" + indices.map { "\($0)" }.joined(separator: ",") + "]"
        case .continuous(let values): "[" + values.map { "\($0)" }.joined(separator: ",") + "]"
        }
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
        let experiment: Experiment = try configured(configOverrides)
        return try EpisodeRecorder.record(experiment, seed: seed, episodes: episodes, output: output, checkpoint: checkpoint, context: context)
    }
}
