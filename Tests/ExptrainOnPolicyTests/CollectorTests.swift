import ExptrainEnvironment
import ExptrainNN
import ExptrainOnPolicy
import ExptrainRandom
import ExptrainTensor
import XCTest

/// One scripted episode.
private struct Script {
    var id: Int
    var length: Int
    var terminates: Bool
}

/// A deterministic corridor: observation `[steps taken, id/10]`; reward `1 + action` for a
/// discrete action (`Σ values` for a Box); ends after `length` steps, terminated or
/// truncated as scripted. The expert's action is `(steps + id) % 2` (in every component).
private final class ScriptedTask: ExptrainEnvironment.Task {
    let script: Script
    let actionSpace: ActionSpace
    let observationSpace = ObservationSpace(shape: [2], low: -1_000, high: 1_000)
    private(set) var currentObservation: Observation
    private(set) var numStepsTaken = 0
    var maxSteps: Int { script.length }
    private(set) var isDone = false
    private var episodeReturn = 0.0
    private let hasExpert: Bool
    /// Every action this task was given.
    private(set) var received: [Action] = []

    init(_ script: Script, actionSpace: ActionSpace, hasExpert: Bool) {
        self.script = script
        self.actionSpace = actionSpace
        self.hasExpert = hasExpert
        currentObservation = Observation(floats: [0, Float(script.id) / 10])
    }

    func step(action: Action) throws -> StepResult {
        received.append(action)
        let reward: Float
        switch action {
        case .discrete(let index): reward = 1 + Float(index)
        case .multiDiscrete(let indices): reward = Float(indices.reduce(0, +))
        case .continuous(let values): reward = values.reduce(0, +)
        }
        numStepsTaken += 1
        currentObservation.floats[0] = Float(numStepsTaken)
        episodeReturn += Double(reward)
        isDone = numStepsTaken >= script.length
        return StepResult(observation: currentObservation, reward: reward, terminated: isDone && script.terminates,
                          truncated: isDone && !script.terminates)
    }

    func metrics() -> TaskMetrics { TaskMetrics(episodeReturn: episodeReturn, length: numStepsTaken) }

    func expertAction() -> Action? {
        guard hasExpert else { return nil }
        let choice = (numStepsTaken + script.id) % 2
        switch actionSpace {
        case .discrete: return .discrete(choice)
        case .multiDiscrete(let counts): return .multiDiscrete(counts.map { _ in choice })
        case .box(let box): return .continuous([Float](repeating: Float(choice), count: box.size))
        }
    }
}

/// Hands out the scripted episodes, then endless long ones (length 1000).
private final class ScriptedSampler: TaskSampler {
    private let scripts: [Script]
    private let actionSpace: ActionSpace
    private let hasExpert: Bool
    private var next = 0
    private(set) var tasks: [ScriptedTask] = []

    init(_ scripts: [Script], actionSpace: ActionSpace = .discrete(count: 2), hasExpert: Bool = true) {
        self.scripts = scripts
        self.actionSpace = actionSpace
        self.hasExpert = hasExpert
    }

    func nextTask() throws -> ScriptedTask? {
        let script = next < scripts.count ? scripts[next] : Script(id: next, length: 1_000, terminates: false)
        next += 1
        let task = ScriptedTask(script, actionSpace: actionSpace, hasExpert: hasExpert)
        tasks.append(task)
        return task
    }

    var length: Int? { nil }
    var totalUnique: Int? { nil }
    func reset() {}
    func setSeed(_ seed: UInt64) {}
}

final class CollectorTests: XCTestCase {
    private let gamma: Float = 0.9

    /// A model whose parameters are all random, so values and policies are far from trivial.
    private func model(_ space: ActionSpace = .discrete(count: 2), seed: UInt64 = 1) -> MLPActorCritic {
        let model = MLPActorCritic(observationSize: 2, actionSpace: space, hidden: [8, 8], seed: seed)
        model.parameters.withValues { values in
            var generator = RandomGenerator(seed: seed + 100)
            for i in values.indices { values[i] = generator.nextNormal() * 0.5 }
        }
        return model
    }

    /// `forward` on `observations` (rows of two floats).
    private func forward(_ model: MLPActorCritic, _ observations: [Float]) -> ActorCriticOutput {
        let rows = observations.count / 2
        return withoutGradients {
            model.forward(observations: ObservationBatch(floats: Tensor(shape: [rows, 2], values: observations)),
                          masks: Tensor(shape: [rows], repeating: 1), hidden: Tensor.zeros([rows, 0]), steps: 1, environments: rows)
        }
    }

    private func value(_ model: MLPActorCritic, of observation: [Float]) -> Float { forward(model, observation).values.scalars[0] }

    /// Environment 0: an episode that terminates after 2 steps, then long ones.
    /// Environment 1: an episode truncated after 3 steps, then long ones.
    private let scripts = [
        Script(id: 0, length: 2, terminates: true),
        Script(id: 1, length: 3, terminates: false),
    ]

    private func collector(
        _ sampler: ScriptedSampler, model: MLPActorCritic, environments: Int = 2, seed: UInt64 = 5
    ) throws -> RolloutCollector {
        try RolloutCollector(batch: try sampler.trainingBatch(environments: environments), model: model, seed: seed)
    }

    func testStorageIsSizedByTheSpacesAndTheModel() throws {
        let storage = try collector(ScriptedSampler(scripts), model: model()).makeStorage(steps: 5)
        XCTAssertEqual(storage.steps, 5)
        XCTAssertEqual(storage.collectedSteps, 5)
        XCTAssertEqual(storage.environments, 2)
        XCTAssertEqual(storage.floatCount, 2)
        XCTAssertEqual(storage.byteCount, 0)
        XCTAssertEqual(storage.actionDimensions, 1)
        XCTAssertEqual(storage.recurrentStateSize, 0)
        XCTAssertEqual(storage.observationFloats.count, 6 * 2 * 2, "one extra step for the next rollout's start")
        XCTAssertEqual(storage.masks.count, 6 * 2)
        for count in [storage.actions.count, storage.expertActions.count, storage.logProbabilities.count, storage.values.count,
                      storage.rewards.count, storage.episodeEnded.count, storage.advantages.count, storage.returns.count] {
            XCTAssertEqual(count, 10)
        }
        XCTAssertEqual(storage.bootstrapValues.count, 2)
        XCTAssertEqual(storage.initialHidden.count, 0)

        let box = ActionSpace.box(Box(shape: [3], low: -1, high: 1))
        let boxStorage = try collector(ScriptedSampler(scripts, actionSpace: box), model: model(box)).makeStorage(steps: 4)
        XCTAssertEqual(boxStorage.actionDimensions, 3)
        XCTAssertEqual(boxStorage.actions.count, 4 * 2 * 3)
        XCTAssertEqual(boxStorage.expertActions.count, 4 * 2 * 3)
    }

    func testRolloutRecordsObservationsMasksRewardsAndBootstrapsOnlyTruncation() throws {
        let model = model()
        let sampler = ScriptedSampler(scripts)
        let collector = try collector(sampler, model: model)
        let storage = collector.makeStorage(steps: 5)
        collector.start(into: storage)
        XCTAssertEqual(Array(storage.masks[0..<2]), [0, 0])
        XCTAssertEqual(Array(storage.observationFloats[0..<4]), [0, 0, 0, 0.1])
        var finished: [(TaskMetrics, Int)] = []
        try collector.collect(into: storage, gamma: gamma) { finished.append(($0, $1)) }
        let n = 2

        // Observations: environment 0 restarts at step 2 (task 2), environment 1 at step 3 (task 3).
        let expectedObservations: [[Float]] = [
            [0, 0], [0, 0.1], [1, 0], [1, 0.1], [0, 0.2], [2, 0.1], [1, 0.2], [0, 0.3], [2, 0.2], [1, 0.3], [3, 0.2], [2, 0.3],
        ]
        XCTAssertEqual(storage.observationFloats.count, expectedObservations.count * 2)
        for (row, expected) in expectedObservations.enumerated() {
            XCTAssertEqual(storage.observationFloats[(row * 2)..<(row * 2 + 2)].map { $0 }, expected, "row \(row)")
        }
        // Masks are 0 where an episode starts.
        XCTAssertEqual(Array(storage.masks), [0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1])
        XCTAssertEqual(Array(storage.episodeEnded), [0, 0, 1, 0, 0, 1, 0, 0, 0, 0])

        // Values and log-probabilities are the model's on the stored observations.
        let output = forward(model, Array(storage.observationFloats[0..<(5 * n * 2)]))
        for (a, b) in zip(storage.values, output.values.scalars) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        let logProbabilities = output.distribution.logProbability(of: Tensor(shape: [10, 1], values: Array(storage.actions))).scalars
        for (a, b) in zip(storage.logProbabilities, logProbabilities) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        XCTAssertTrue(storage.actions.allSatisfy { $0 == 0 || $0 == 1 })
        XCTAssertEqual(Set(storage.actions), [0, 1], "the seed draws both actions")

        // Rewards are 1 + action; the truncated step (t = 2, environment 1) also gets γ·V of the
        // observation the episode ended in, [3, 0.1] — not of the next episode's first one.
        // The terminated step (t = 1, environment 0) gets nothing more.
        let truncatedValue = value(model, of: [3, 0.1])
        XCTAssertGreaterThan(abs(truncatedValue - value(model, of: [0, 0.3])), 1e-3, "the two observations have different values")
        for i in 0..<10 {
            let base = 1 + storage.actions[i]
            let expected = i == 2 * n + 1 ? base + gamma * truncatedValue : base
            XCTAssertEqual(storage.rewards[i], expected, accuracy: 1e-5, "reward \(i)")
        }

        // Every task received the decoded action stored for it.
        XCTAssertEqual(sampler.tasks[0].received, [0, 2].map { .discrete(Int(storage.actions[$0])) })
        XCTAssertEqual(sampler.tasks[1].received, [1, 3, 5].map { .discrete(Int(storage.actions[$0])) })
        XCTAssertEqual(sampler.tasks[2].received, [4, 6, 8].map { .discrete(Int(storage.actions[$0])) })
        XCTAssertEqual(sampler.tasks[3].received, [7, 9].map { .discrete(Int(storage.actions[$0])) })

        // The finished episodes, with their flat indices.
        XCTAssertEqual(finished.map(\.1), [1 * n + 0, 2 * n + 1])
        XCTAssertEqual(finished.map(\.0.length), [2, 3])
        XCTAssertEqual(finished[0].0.episodeReturn, Double(2 + storage.actions[0] + storage.actions[2]), accuracy: 1e-6)

        // The bootstrap values are V of the observations after the last step.
        let last = forward(model, Array(storage.observationFloats[(5 * n * 2)..<(6 * n * 2)])).values.scalars
        for (a, b) in zip(storage.bootstrapValues, last) { XCTAssertEqual(a, b, accuracy: 1e-5) }

        // The next rollout starts where this one ended.
        storage.carryOverLastStep()
        XCTAssertEqual(Array(storage.observationFloats[0..<4]), [3, 0.2, 2, 0.3])
        XCTAssertEqual(Array(storage.masks[0..<2]), [1, 1])
        try collector.collect(into: storage, gamma: gamma) { _, _ in }
        XCTAssertEqual(Array(storage.observationFloats[4..<8]), [4, 0.2, 3, 0.3])
        XCTAssertEqual(storage.values[0], value(model, of: [3, 0.2]), accuracy: 1e-5)
    }

    /// Final values come from buffers the stepper keeps: calls with fewer rows after more
    /// must give each row's own value, nothing left over from the earlier call.
    func testFinalValuesOfSuccessiveCallsAreEachRowsOwn() {
        let model = model()
        // Made with the observation space, the stepper's buffers exist before the first call.
        for space in [nil, ObservationSpace(shape: [2], low: -10, high: 10)] {
            let stepper = PolicyStepper(model: model, environments: 3, observationSpace: space)
            let observations: [[Float]] = [[3, 0.1], [-1, 2], [0.5, -0.7]]
            let first = Array(stepper.values(of: observations.map { Observation(floats: $0) }, environments: [2, 0, 1]))
            XCTAssertEqual(first.count, 3)
            for (actual, observation) in zip(first, observations) { XCTAssertEqual(actual, value(model, of: observation), accuracy: 1e-5) }
            let second = Array(stepper.values(of: [Observation(floats: observations[1])], environments: [1]))
            XCTAssertEqual(second.count, 1)
            XCTAssertEqual(second[0], value(model, of: observations[1]), accuracy: 1e-5)
        }
    }

    func testTheSameSeedCollectsTheSameRollout() throws {
        func run(_ seed: UInt64) throws -> [Float] {
            let collector = try collector(ScriptedSampler(scripts), model: model(), seed: seed)
            let storage = collector.makeStorage(steps: 16)
            collector.start(into: storage)
            try collector.collect(into: storage, gamma: gamma) { _, _ in }
            return Array(storage.actions) + Array(storage.logProbabilities) + Array(storage.rewards)
        }
        XCTAssertEqual(try run(3), try run(3))
        XCTAssertNotEqual(try run(3), try run(4))
    }

    /// The continuation a checkpoint keeps (step 0 after `carryOverLastStep`, already
    /// normalised, its masks, the reward scaler's returns) comes back as saved, without
    /// being counted again in the normalisation statistic.
    func testASavedContinuationRestoresStepZeroAndTheReturns() throws {
        func normalised(_ collector: RolloutCollector) -> RolloutCollector {
            collector.observationNormalizer = ObservationNormalizer(dimensions: 2)
            collector.rewardScaler = RewardScaler(environments: 2, gamma: 0.99)
            return collector
        }
        let saved = normalised(try collector(ScriptedSampler(scripts), model: model()))
        let storage = saved.makeStorage(steps: 5)
        saved.start(into: storage)
        try saved.collect(into: storage, gamma: gamma) { _, _ in }
        for statistic in saved.synchronizedStatistics { statistic.absorb(statistic.contribution[...]) }
        storage.carryOverLastStep()
        let words = saved.savedContinuation(of: storage)

        let restored = normalised(try collector(ScriptedSampler(scripts), model: model()))
        let restoredStorage = restored.makeStorage(steps: 5)
        try restored.resume(into: restoredStorage, from: words)
        XCTAssertEqual(restored.savedContinuation(of: restoredStorage), words)
        XCTAssertEqual(Array(restoredStorage.observations(atStep: 0).floats), Array(storage.observations(atStep: 0).floats))
        XCTAssertEqual(Array(restoredStorage.masks(atStep: 0)), [1, 1], "both episodes run on past the rollout")
        XCTAssertEqual(restored.rewardScaler?.returns, saved.rewardScaler?.returns)
        XCTAssertNotEqual(restored.rewardScaler?.returns, [0, 0])
        XCTAssertTrue(restored.observationNormalizer!.contribution.allSatisfy { $0 == 0 }, "the restored step is not observed twice")
        XCTAssertThrowsError(try restored.resume(into: restoredStorage, from: Array(words.dropLast())))
    }

    func testStopEarlyCutsTheRolloutShort() throws {
        let model = model()
        let collector = try collector(ScriptedSampler(scripts), model: model)
        let storage = collector.makeStorage(steps: 6)
        collector.start(into: storage)
        var asked: [Int] = []
        try collector.collect(into: storage, gamma: gamma, episodeEnded: { _, _ in }, stopEarly: { completed in
            asked.append(completed)
            return completed >= 3
        })
        XCTAssertEqual(asked, [1, 2, 3])
        XCTAssertEqual(storage.collectedSteps, 3)
        XCTAssertEqual(storage.steps, 6)
        XCTAssertEqual(Array(storage.rewards[6..<12]), [0, 0, 0, 0, 0, 0], "steps after the cut are not written")
        // Bootstrap from the observation after step 3: environment 0 at [1, 0.2], environment 1 at [0, 0.3].
        XCTAssertEqual(Array(storage.observationFloats[12..<16]), [1, 0.2, 0, 0.3])
        XCTAssertEqual(storage.bootstrapValues[0], value(model, of: [1, 0.2]), accuracy: 1e-5)
        XCTAssertEqual(storage.bootstrapValues[1], value(model, of: [0, 0.3]), accuracy: 1e-5)
        // Advantages cover only the collected steps.
        storage.computeAdvantages(gamma: gamma, lambda: 0.95, useGAE: true)
        XCTAssertEqual(Array(storage.advantages[6..<12]), [0, 0, 0, 0, 0, 0])
        XCTAssertTrue(storage.advantages[0..<6].contains { $0 != 0 })
        // A rollout that is never asked to stop fills every step (and stopEarly is not asked after the last).
        asked = []
        storage.carryOverLastStep()
        try collector.collect(into: storage, gamma: gamma, episodeEnded: { _, _ in }, stopEarly: { asked.append($0); return false })
        XCTAssertEqual(storage.collectedSteps, 6)
        XCTAssertEqual(asked, [1, 2, 3, 4, 5])
    }

    func testTeacherForcingActsWithTheExpertAndStoresItsLogProbabilities() throws {
        let model = model()
        let sampler = ScriptedSampler(scripts)
        let collector = try collector(sampler, model: model)
        let storage = collector.makeStorage(steps: 4)
        collector.start(into: storage)
        try collector.collect(into: storage, expertProbability: 1, recordExpertActions: true, gamma: gamma) { _, _ in }
        // Expert: (steps + id) % 2. Environment 0 runs task 0 (steps 0, 1) then task 2 (steps 0, 1);
        // environment 1 runs task 1 (steps 0, 1, 2) then task 3 (step 0).
        let expert: [Float] = [0, 1, 1, 0, 0, 1, 1, 1]
        XCTAssertEqual(Array(storage.actions), expert)
        XCTAssertEqual(Array(storage.expertActions), expert)
        let output = forward(model, Array(storage.observationFloats[0..<16]))
        let expected = output.distribution.logProbability(of: Tensor(shape: [8, 1], values: expert)).scalars
        for (a, b) in zip(storage.logProbabilities, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        XCTAssertEqual(sampler.tasks[0].received, [.discrete(0), .discrete(1)])
        XCTAssertEqual(sampler.tasks[1].received, [.discrete(1), .discrete(0), .discrete(1)])
    }

    func testRecordingExpertActionsAloneKeepsThePolicysActions() throws {
        func run(record: Bool) throws -> RolloutStorage {
            let collector = try collector(ScriptedSampler(scripts), model: model())
            let storage = collector.makeStorage(steps: 4)
            collector.start(into: storage)
            try collector.collect(into: storage, recordExpertActions: record, gamma: gamma) { _, _ in }
            return storage
        }
        let (recorded, plain) = (try run(record: true), try run(record: false))
        XCTAssertEqual(Array(recorded.actions), Array(plain.actions), "recording draws nothing from the generator")
        XCTAssertEqual(Array(recorded.logProbabilities), Array(plain.logProbabilities))
        XCTAssertEqual(Array(recorded.expertActions), [0, 1, 1, 0, 0, 1, 1, 1])
        XCTAssertNotEqual(Array(recorded.actions), Array(recorded.expertActions), "the policy's own actions are kept")
        XCTAssertEqual(Array(plain.expertActions), [Float](repeating: 0, count: 8))
    }

    func testTeacherForcingWithoutAnExpertThrows() throws {
        let collector = try collector(ScriptedSampler(scripts, hasExpert: false), model: model())
        let storage = collector.makeStorage(steps: 2)
        collector.start(into: storage)
        XCTAssertThrowsError(try collector.collect(into: storage, expertProbability: 0.5, gamma: gamma) { _, _ in }) { error in
            XCTAssertEqual((error as? TaskError)?.exitCode, ExitCode.usage, "\(error)")
        }
        XCTAssertThrowsError(try collector.collect(into: storage, recordExpertActions: true, gamma: gamma) { _, _ in })
        XCTAssertNoThrow(try collector.collect(into: storage, gamma: gamma) { _, _ in })
    }

    /// Atari's reward clipping: storage holds sign(r) of each reward r, −1 or +1 here (a
    /// Box action's sum), while the episodes' logged returns are the rewards' own sums.
    func testClippingRewardsToSignStoresSignsWhileReturnsStayTheTasks() throws {
        let box = ActionSpace.box(Box(shape: [1], low: -3, high: 3))
        let sampler = ScriptedSampler([Script(id: 0, length: 3, terminates: true), Script(id: 1, length: 3, terminates: true)], actionSpace: box)
        let collector = try collector(sampler, model: model(box))
        collector.clipsRewardsToSign = true
        let storage = collector.makeStorage(steps: 3)
        collector.start(into: storage)
        var returns: [Double] = []
        try collector.collect(into: storage, gamma: gamma) { metrics, _ in returns.append(metrics.episodeReturn) }
        var signs = Set<Float>(), expectedReturns = [Double](repeating: 0, count: 2)
        for t in 0..<3 {
            for e in 0..<2 {
                guard case .continuous(let received) = sampler.tasks[e].received[t] else { return XCTFail("a Box action") }
                XCTAssertEqual(storage.rewards[t * 2 + e], received[0] > 0 ? 1 : -1, "step \(t), environment \(e)")
                XCTAssertNotEqual(abs(received[0]), 1, "a reward the sign changes")
                signs.insert(storage.rewards[t * 2 + e])
                expectedReturns[e] += Double(received[0])
            }
        }
        XCTAssertEqual(signs, [-1, 1])
        XCTAssertEqual(returns.count, 2)
        for (got, expected) in zip(returns, expectedReturns) { XCTAssertEqual(got, expected, accuracy: 1e-5) }
    }

    func testABoxTaskReceivesClippedActionsWhileStorageKeepsTheSample() throws {
        let box = ActionSpace.box(Box(shape: [2], low: [-0.1, 0], high: [0.1, 0.5]))
        let model = model(box)
        let sampler = ScriptedSampler([Script(id: 0, length: 100, terminates: false), Script(id: 1, length: 100, terminates: false)], actionSpace: box)
        let collector = try collector(sampler, model: model)
        let storage = collector.makeStorage(steps: 6)
        collector.start(into: storage)
        try collector.collect(into: storage, gamma: gamma) { _, _ in }

        var clippedSome = false
        for t in 0..<6 {
            for e in 0..<2 {
                let i = t * 2 + e
                let sample = Array(storage.actions[(i * 2)..<(i * 2 + 2)])
                let clipped = [min(max(sample[0], -0.1), 0.1), min(max(sample[1], 0), 0.5)]
                if clipped != sample { clippedSome = true }
                XCTAssertEqual(sampler.tasks[e].received[t], .continuous(clipped), "step \(t), environment \(e)")
                XCTAssertEqual(storage.rewards[i], clipped[0] + clipped[1], accuracy: 1e-6)
            }
        }
        XCTAssertTrue(clippedSome, "σ ≈ 1 draws outside the narrow box")
        // The log-probabilities are of the unclipped samples.
        let output = forward(model, Array(storage.observationFloats[0..<24]))
        let expected = output.distribution.logProbability(of: Tensor(shape: [12, 2], values: Array(storage.actions))).scalars
        for (a, b) in zip(storage.logProbabilities, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testTheCollectorRejectsAModelWhoseHeadDoesNotFitTheActionSpace() throws {
        let mismatches: [(ActionSpace, MLPActorCritic)] = [
            (.discrete(count: 2), model(.discrete(count: 3))),
            (.discrete(count: 2), model(.box(Box(shape: [1], low: -1, high: 1)))),
            (.box(Box(shape: [2], low: -1, high: 1)), model(.box(Box(shape: [3], low: -1, high: 1)))),
            (.multiDiscrete(counts: [2, 2]), model(.multiDiscrete(counts: [2, 3]))),
        ]
        for (space, model) in mismatches {
            let batch = try ScriptedSampler(scripts, actionSpace: space).trainingBatch(environments: 2)
            XCTAssertThrowsError(try RolloutCollector(batch: batch, model: model, seed: 1), "\(space) with \(model.distributionHead)") { error in
                XCTAssertTrue(error is SpaceError, "\(error)")
            }
        }
        XCTAssertNoThrow(try RolloutCollector(
            batch: try ScriptedSampler(scripts, actionSpace: .multiDiscrete(counts: [2, 3])).trainingBatch(environments: 2),
            model: model(.multiDiscrete(counts: [2, 3])), seed: 1))
    }

    func testMultiDiscreteActionsAreStoredPerComponent() throws {
        let space = ActionSpace.multiDiscrete(counts: [2, 3])
        let model = model(space)
        let sampler = ScriptedSampler(scripts, actionSpace: space)
        let collector = try collector(sampler, model: model)
        let storage = collector.makeStorage(steps: 3)
        collector.start(into: storage)
        try collector.collect(into: storage, gamma: gamma) { _, _ in }
        XCTAssertEqual(storage.actions.count, 3 * 2 * 2)
        for i in 0..<6 {
            XCTAssertTrue(storage.actions[i * 2] >= 0 && storage.actions[i * 2] < 2)
            XCTAssertTrue(storage.actions[i * 2 + 1] >= 0 && storage.actions[i * 2 + 1] < 3)
        }
        XCTAssertEqual(sampler.tasks[0].received[0], .multiDiscrete([Int(storage.actions[0]), Int(storage.actions[1])]))
        let output = forward(model, Array(storage.observationFloats[0..<12]))
        let expected = output.distribution.logProbability(of: Tensor(shape: [6, 2], values: Array(storage.actions))).scalars
        for (a, b) in zip(storage.logProbabilities, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }
}
